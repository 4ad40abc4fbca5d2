import { describe, it, expect } from "vitest";
import {
  addDays,
  isTradingDay,
  isValidIsoDate,
  latestCompletedSession,
  marketDay,
  nextTradingDay,
  nyDateOf,
  previousTradingDay,
  todayInNewYork,
  tradingDaysBetween,
} from "./nyse.js";

/** Weekday closures of a year, as date -> name, derived from marketDay. */
function holidaysOf(year: number): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (let d = `${year}-01-01`; d <= `${year}-12-31`; d = addDays(d, 1)) {
    const day = marketDay(d);
    if (day.reason === "holiday") out[d] = day.holiday;
  }
  return out;
}

function earlyClosesOf(year: number): string[] {
  return tradingDaysBetween(`${year}-01-01`, `${year}-12-31`).filter((d) => marketDay(d).earlyClose);
}

// Published NYSE holiday calendars (nyse.com/markets/hours-calendars).
describe("published NYSE holiday lists", () => {
  it("the 2023 holidays match the NYSE list", () => {
    expect(holidaysOf(2023)).toEqual({
      "2023-01-02": "New Year's Day",
      "2023-01-16": "Martin Luther King Jr. Day",
      "2023-02-20": "Washington's Birthday",
      "2023-04-07": "Good Friday",
      "2023-05-29": "Memorial Day",
      "2023-06-19": "Juneteenth",
      "2023-07-04": "Independence Day",
      "2023-09-04": "Labor Day",
      "2023-11-23": "Thanksgiving Day",
      "2023-12-25": "Christmas Day",
    });
  });

  it("the 2024 holidays match the NYSE list", () => {
    expect(Object.keys(holidaysOf(2024))).toEqual([
      "2024-01-01",
      "2024-01-15",
      "2024-02-19",
      "2024-03-29",
      "2024-05-27",
      "2024-06-19",
      "2024-07-04",
      "2024-09-02",
      "2024-11-28",
      "2024-12-25",
    ]);
  });

  it("the 2025 holidays match the NYSE list, including the Jimmy Carter day of mourning", () => {
    expect(holidaysOf(2025)).toEqual({
      "2025-01-01": "New Year's Day",
      "2025-01-09": "Jimmy Carter day of mourning",
      "2025-01-20": "Martin Luther King Jr. Day",
      "2025-02-17": "Washington's Birthday",
      "2025-04-18": "Good Friday",
      "2025-05-26": "Memorial Day",
      "2025-06-19": "Juneteenth",
      "2025-07-04": "Independence Day",
      "2025-09-01": "Labor Day",
      "2025-11-27": "Thanksgiving Day",
      "2025-12-25": "Christmas Day",
    });
  });

  it("the 2026 holidays match the NYSE list, with Independence Day observed on Friday July 3", () => {
    expect(holidaysOf(2026)).toEqual({
      "2026-01-01": "New Year's Day",
      "2026-01-19": "Martin Luther King Jr. Day",
      "2026-02-16": "Washington's Birthday",
      "2026-04-03": "Good Friday",
      "2026-05-25": "Memorial Day",
      "2026-06-19": "Juneteenth",
      "2026-07-03": "Independence Day",
      "2026-09-07": "Labor Day",
      "2026-11-26": "Thanksgiving Day",
      "2026-12-25": "Christmas Day",
    });
  });

  it("the 2022 holidays skip New Year's (a Saturday) and observe Juneteenth and Christmas on Monday", () => {
    expect(Object.keys(holidaysOf(2022))).toEqual(["2022-01-17", "2022-02-21", "2022-04-15", "2022-05-30", "2022-06-20", "2022-07-04", "2022-09-05", "2022-11-24", "2022-12-26"]);
  });

  it("the early closes of 2023-2026 match the NYSE lists", () => {
    expect(earlyClosesOf(2023)).toEqual(["2023-07-03", "2023-11-24"]);
    expect(earlyClosesOf(2024)).toEqual(["2024-07-03", "2024-11-29", "2024-12-24"]);
    expect(earlyClosesOf(2025)).toEqual(["2025-07-03", "2025-11-28", "2025-12-24"]);
    expect(earlyClosesOf(2026)).toEqual(["2026-11-27", "2026-12-24"]);
  });

  it("2024 had 252 trading days, 2023 had 250 and 2022 had 251", () => {
    expect(tradingDaysBetween("2024-01-01", "2024-12-31")).toHaveLength(252);
    expect(tradingDaysBetween("2023-01-01", "2023-12-31")).toHaveLength(250);
    expect(tradingDaysBetween("2022-01-01", "2022-12-31")).toHaveLength(251);
  });
});

describe("marketDay", () => {
  it("2024-07-04 is a holiday and the market is closed", () => {
    expect(marketDay("2024-07-04")).toEqual({
      date: "2024-07-04",
      open: false,
      reason: "holiday",
      holiday: "Independence Day",
      earlyClose: false,
      closeTimeEt: null,
    });
    expect(isTradingDay("2024-07-04")).toBe(false);
  });

  it("a Saturday is closed for the weekend", () => {
    expect(marketDay("2024-07-06")).toEqual({
      date: "2024-07-06",
      open: false,
      reason: "weekend",
      earlyClose: false,
      closeTimeEt: null,
    });
  });

  it("an ordinary weekday is open until 16:00", () => {
    expect(marketDay("2024-07-05")).toEqual({ date: "2024-07-05", open: true, earlyClose: false, closeTimeEt: "16:00" });
  });

  it("the day before Independence Day closes at 13:00 when it is a weekday", () => {
    expect(marketDay("2024-07-03")).toMatchObject({ open: true, earlyClose: true, closeTimeEt: "13:00" });
    expect(marketDay("2025-07-03")).toMatchObject({ open: true, earlyClose: true, closeTimeEt: "13:00" });
  });

  it("there is no early close before an observed Independence Day", () => {
    expect(marketDay("2026-07-02")).toMatchObject({ open: true, earlyClose: false, closeTimeEt: "16:00" });
    expect(marketDay("2021-07-02")).toMatchObject({ open: true, earlyClose: false });
  });

  it("the day after Thanksgiving closes at 13:00", () => {
    expect(marketDay("2024-11-29")).toMatchObject({ open: true, earlyClose: true, closeTimeEt: "13:00" });
    expect(marketDay("2005-11-25")).toMatchObject({ open: true, earlyClose: true, closeTimeEt: "13:00" });
  });

  it("Christmas Eve closes at 13:00 on a weekday but is the holiday itself when Christmas is a Saturday", () => {
    expect(marketDay("2024-12-24")).toMatchObject({ open: true, earlyClose: true, closeTimeEt: "13:00" });
    expect(marketDay("2021-12-24")).toMatchObject({ open: false, reason: "holiday", holiday: "Christmas Day" });
    expect(marketDay("2027-12-24")).toMatchObject({ open: false, holiday: "Christmas Day" });
  });

  it("2021-12-31 is open because NYSE does not observe a Saturday New Year's Day on Friday", () => {
    expect(isTradingDay("2021-12-31")).toBe(true);
    expect(isTradingDay("2010-12-31")).toBe(true);
    expect(isTradingDay("2022-01-03")).toBe(true);
  });

  it("a Sunday New Year's Day is observed on Monday January 2", () => {
    expect(marketDay("2017-01-02")).toMatchObject({ open: false, holiday: "New Year's Day" });
    expect(marketDay("2023-01-02")).toMatchObject({ open: false, holiday: "New Year's Day" });
  });

  it("2001-09-11 through 2001-09-14 are closed and trading resumes on 2001-09-17", () => {
    for (const d of ["2001-09-11", "2001-09-12", "2001-09-13", "2001-09-14"]) {
      expect(marketDay(d)).toMatchObject({ open: false, reason: "holiday", holiday: "September 11 attacks" });
    }
    expect(nextTradingDay("2001-09-10")).toBe("2001-09-17");
    expect(previousTradingDay("2001-09-17")).toBe("2001-09-10");
  });

  it("2025-01-09 is closed for the Jimmy Carter day of mourning", () => {
    expect(marketDay("2025-01-09")).toMatchObject({ open: false, reason: "holiday", holiday: "Jimmy Carter day of mourning" });
  });

  it("the other one-off closures are closed", () => {
    expect(marketDay("2012-10-29").holiday).toBe("Hurricane Sandy");
    expect(marketDay("2012-10-30").holiday).toBe("Hurricane Sandy");
    for (const d of ["2004-06-11", "2007-01-02", "2018-12-05"]) expect(isTradingDay(d)).toBe(false);
  });

  it("Martin Luther King Jr. Day is a holiday from 1998 on and Juneteenth from 2022 on", () => {
    expect(isTradingDay("1997-01-20")).toBe(true);
    expect(marketDay("1998-01-19").holiday).toBe("Martin Luther King Jr. Day");
    expect(isTradingDay("2021-06-18")).toBe(true);
    expect(marketDay("2027-06-18").holiday).toBe("Juneteenth");
  });

  it("Good Friday follows Easter across early, late and century-rule years", () => {
    // Easter: 2000-04-23, 2008-03-23, 2011-04-24, 2019-04-21, 2035-03-25.
    for (const d of ["2000-04-21", "2008-03-21", "2011-04-22", "2019-04-19", "2035-03-23"]) {
      expect(marketDay(d).holiday).toBe("Good Friday");
    }
  });
});

describe("date validation", () => {
  it("accepts real YYYY-MM-DD dates, including leap days", () => {
    for (const d of ["2024-02-29", "2000-02-29", "2024-12-31", "0001-01-01"]) expect(isValidIsoDate(d)).toBe(true);
  });

  it("rejects impossible or loosely formatted dates", () => {
    for (const d of [
      "2024-02-30",
      "2024-1-5",
      "2023-02-29",
      "1900-02-29",
      "2024-13-01",
      "2024-00-10",
      "2024-01-32",
      "24-01-05",
      " 2024-01-05",
      "2024-01-05T00:00",
      "20240105",
      "",
    ]) {
      expect(isValidIsoDate(d), d).toBe(false);
    }
  });

  it("marketDay throws a RangeError that names the bad input", () => {
    expect(() => marketDay("2024-02-30")).toThrow(RangeError);
    expect(() => marketDay("2024-1-5")).toThrow(/Invalid date "2024-1-5"/);
    expect(() => tradingDaysBetween("2024-01-01", "2024-02-30")).toThrow(RangeError);
    expect(() => previousTradingDay("nope")).toThrow(RangeError);
  });
});

describe("navigating trading days", () => {
  it("tradingDaysBetween is inclusive and ascending, and empty when from > to", () => {
    expect(tradingDaysBetween("2024-07-01", "2024-07-08")).toEqual(["2024-07-01", "2024-07-02", "2024-07-03", "2024-07-05", "2024-07-08"]);
    expect(tradingDaysBetween("2024-07-05", "2024-07-05")).toEqual(["2024-07-05"]);
    expect(tradingDaysBetween("2024-07-06", "2024-07-07")).toEqual([]);
    expect(tradingDaysBetween("2024-07-08", "2024-07-01")).toEqual([]);
  });

  it("tradingDaysBetween crosses year boundaries", () => {
    expect(tradingDaysBetween("2024-12-30", "2025-01-03")).toEqual(["2024-12-30", "2024-12-31", "2025-01-02", "2025-01-03"]);
  });

  it("tradingDaysBetween over 36 years is fast enough to call in loops", () => {
    tradingDaysBetween("2000-01-01", "2035-12-31"); // warm the per-year caches
    const start = performance.now();
    let total = 0;
    for (let i = 0; i < 10; i++) total += tradingDaysBetween("2000-01-01", "2035-12-31").length;
    expect(performance.now() - start).toBeLessThan(1000);
    expect(total / 10).toBeGreaterThan(9000);
  });

  it("past years have their published trading-day counts, one-off closures included", () => {
    const known: Record<number, number> = { 2000: 252, 2001: 248, 2008: 253, 2012: 250, 2018: 251, 2020: 253, 2025: 250 };
    for (const [year, count] of Object.entries(known)) {
      expect(tradingDaysBetween(`${year}-01-01`, `${year}-12-31`), year).toHaveLength(count);
    }
  });

  it("every year from 2000 to 2035 has between 248 and 253 trading days", () => {
    for (let y = 2000; y <= 2035; y++) {
      const n = tradingDaysBetween(`${y}-01-01`, `${y}-12-31`).length;
      expect(n, String(y)).toBeGreaterThanOrEqual(248);
      expect(n, String(y)).toBeLessThanOrEqual(253);
    }
  });

  it("previous and next trading day skip weekends and holidays, strictly", () => {
    expect(previousTradingDay("2024-07-05")).toBe("2024-07-03");
    expect(nextTradingDay("2024-07-03")).toBe("2024-07-05");
    expect(previousTradingDay("2024-09-03")).toBe("2024-08-30");
    expect(nextTradingDay("2024-08-30")).toBe("2024-09-03");
    expect(nextTradingDay("2024-12-31")).toBe("2025-01-02");
    expect(previousTradingDay("2025-01-10")).toBe("2025-01-08");
  });

  it("addDays moves across month, leap-day and year boundaries", () => {
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(addDays("2024-02-29", 1)).toBe("2024-03-01");
    expect(addDays("2024-12-31", 1)).toBe("2025-01-01");
    expect(addDays("2025-01-01", -1)).toBe("2024-12-31");
    expect(addDays("2024-03-10", 0)).toBe("2024-03-10");
    expect(addDays("2000-01-01", 366)).toBe("2001-01-01");
    expect(() => addDays("2024-01-01", 1.5)).toThrow(RangeError);
    expect(() => addDays("9999-12-31", 1)).toThrow(RangeError);
  });
});

describe("New York time", () => {
  // 00:00 ET = 05:00 UTC (EST) / 04:00 UTC (EDT); 16:00 ET = 21:00 UTC / 20:00 UTC.
  it("a bar stamped 16:00 ET and one stamped 00:00 ET land on the same date on both sides of a DST change", () => {
    const cases: Array<[number, number, string]> = [
      [1709874000000, 1709931600000, "2024-03-08"], // Fri, EST: 05:00Z and 21:00Z
      [1710129600000, 1710187200000, "2024-03-11"], // Mon, EDT: 04:00Z and 20:00Z
      [1730433600000, 1730491200000, "2024-11-01"], // Fri, EDT: 04:00Z and 20:00Z
      [1730696400000, 1730754000000, "2024-11-04"], // Mon, EST: 05:00Z and 21:00Z
    ];
    for (const [midnight, close, date] of cases) {
      expect(nyDateOf(midnight)).toBe(date);
      expect(nyDateOf(close)).toBe(date);
    }
  });

  it("one second before New York midnight is still the previous date", () => {
    expect(nyDateOf(1710129599000)).toBe("2024-03-10"); // 2024-03-11T03:59:59Z
  });

  it("todayInNewYork uses the New York date, not the UTC date", () => {
    expect(todayInNewYork(new Date("2024-07-05T01:00:00Z"))).toBe("2024-07-04");
    expect(todayInNewYork(new Date("2024-07-05T04:00:00Z"))).toBe("2024-07-05");
  });

  it("nyDateOf rejects a non-finite instant", () => {
    expect(() => nyDateOf(Number.NaN)).toThrow(RangeError);
  });
});

describe("latestCompletedSession", () => {
  it("a Monday run's latest completed session is the previous Friday", () => {
    expect(latestCompletedSession(new Date(1710162000000))).toBe("2024-03-08"); // Mon 09:00 EDT
  });

  it("a session counts as completed exactly at its 16:00 ET close, after the DST switch", () => {
    expect(latestCompletedSession(new Date(1710187200000))).toBe("2024-03-11"); // 16:00 EDT = 20:00Z
    expect(latestCompletedSession(new Date(1710187199000))).toBe("2024-03-08"); // 15:59:59 EDT
  });

  it("an early-close session is completed from 13:00 ET", () => {
    expect(latestCompletedSession(new Date(1732903200000))).toBe("2024-11-29"); // 13:00 EST = 18:00Z
    expect(latestCompletedSession(new Date(1732903199000))).toBe("2024-11-27"); // 12:59:59 EST
  });

  it("on a holiday evening the latest completed session is the day before", () => {
    expect(latestCompletedSession(new Date(1720141200000))).toBe("2024-07-03"); // 2024-07-04 21:00 EDT
  });

  it("the morning after a Monday holiday the latest completed session is the previous Friday", () => {
    expect(latestCompletedSession(new Date(1725364800000))).toBe("2024-08-30"); // Tue 2024-09-03 08:00 EDT
  });
});
