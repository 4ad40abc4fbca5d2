import { describe, it, expect } from "vitest";
import { nyDateOf, tradingDaysBetween } from "../calendar/nyse.js";
import { nyWallTimeToEpochMs } from "./ny-time.js";
import { WATCHLIST, isOtcTicker, syntheticBar, syntheticDay, syntheticUniverse } from "./synthetic.js";

const decimals = (x: number): number => (String(x).split(".")[1] ?? "").length;

describe("synthetic data", () => {
  it("gives the same bar for the same seed, ticker and date, and a different one for another seed", () => {
    expect(syntheticBar("AAPL", "2024-05-15", "demo")).toEqual(syntheticBar("AAPL", "2024-05-15", "demo"));
    expect(syntheticBar("AAPL", "2024-05-15", "demo")).not.toEqual(syntheticBar("AAPL", "2024-05-15", "other"));
    expect(syntheticBar("AAPL", "2024-05-15", "demo")).not.toEqual(syntheticBar("MSFT", "2024-05-15", "demo"));
  });

  it("has no bar on weekends, NYSE holidays, invalid dates or before the data start", () => {
    expect(syntheticBar("AAPL", "2024-07-06", "demo")).toBeUndefined();
    expect(syntheticBar("AAPL", "2024-07-04", "demo")).toBeUndefined();
    expect(syntheticBar("AAPL", "2024-12-25", "demo")).toBeUndefined();
    expect(syntheticBar("AAPL", "2024-02-30", "demo")).toBeUndefined();
    expect(syntheticBar("AAPL", "1999-06-01", "demo")).toBeUndefined();
    expect(syntheticDay(["AAPL", "MSFT"], "2024-07-04", "demo")).toEqual([]);
  });

  it("keeps every watchlist bar over a year OHLC-consistent, positive and rounded to 4 decimals", () => {
    const days = tradingDaysBetween("2023-01-01", "2023-12-31");
    expect(days.length).toBe(250);
    for (const ticker of [...WATCHLIST, "BRK.A"]) {
      for (const date of days) {
        const b = syntheticBar(ticker, date, "demo");
        expect(b).toBeDefined();
        if (!b) continue;
        expect(b.l).toBeGreaterThan(0);
        expect(b.l).toBeLessThanOrEqual(Math.min(b.o, b.c));
        expect(b.h).toBeGreaterThanOrEqual(Math.max(b.o, b.c));
        expect(b.vw).toBeGreaterThanOrEqual(b.l);
        expect(b.vw).toBeLessThanOrEqual(b.h);
        expect(b.v).toBeGreaterThan(0);
        expect(Number.isInteger(b.n)).toBe(true);
        for (const x of [b.o, b.h, b.l, b.c, b.vw ?? 0]) expect(decimals(x)).toBeLessThanOrEqual(4);
      }
    }
  });

  it("moves smoothly: day-to-day closes of the watchlist change by less than 15%", () => {
    const days = tradingDaysBetween("2023-01-01", "2023-12-31");
    for (const ticker of WATCHLIST) {
      const closes = days.map((d) => syntheticBar(ticker, d, "demo")!.c);
      for (let i = 1; i < closes.length; i++) expect(Math.abs(closes[i]! / closes[i - 1]! - 1)).toBeLessThan(0.15);
    }
  });

  it("has fractional volumes on some rows and integer volumes on others", () => {
    const bars = syntheticDay(syntheticUniverse(500), "2024-05-15", "demo");
    const fractional = bars.filter((b) => !Number.isInteger(b.v)).length;
    expect(fractional).toBeGreaterThan(50);
    expect(bars.length - fractional).toBeGreaterThan(50);
  });

  it("builds a universe of the requested size: watchlist first, BRK.A, a few OTC tickers, then SYNnnnn names", () => {
    const u = syntheticUniverse(11_000);
    expect(u.length).toBe(11_000);
    expect(new Set(u).size).toBe(11_000);
    expect(u.slice(0, 5)).toEqual([...WATCHLIST]);
    expect(u).toContain("BRK.A");
    expect(u).toContain("SYN0001");
    const otc = u.filter(isOtcTicker);
    expect(otc.length).toBeGreaterThan(0);
    expect(otc.length).toBeLessThan(10);
    expect(syntheticBar(otc[0]!, "2024-05-15", "demo")?.otc).toBe(true);
    expect(syntheticBar("AAPL", "2024-05-15", "demo")).not.toHaveProperty("otc");
    expect(syntheticUniverse(3)).toEqual(["AAPL", "GOOGL", "MSFT"]);
  });

  it("stamps close bars at 16:00 and range bars at 00:00 New York time on both sides of DST changes", () => {
    // 2024-03-10 (spring forward) and 2024-11-03 (fall back).
    const cases: Array<[string, string, string]> = [
      ["2024-03-08", "2024-03-08T21:00:00.000Z", "2024-03-08T05:00:00.000Z"],
      ["2024-03-11", "2024-03-11T20:00:00.000Z", "2024-03-11T04:00:00.000Z"],
      ["2024-11-01", "2024-11-01T20:00:00.000Z", "2024-11-01T04:00:00.000Z"],
      ["2024-11-04", "2024-11-04T21:00:00.000Z", "2024-11-04T05:00:00.000Z"],
    ];
    for (const [date, closeIso, midnightIso] of cases) {
      const close = syntheticBar("AAPL", date, "demo", "close")!;
      const midnight = syntheticBar("AAPL", date, "demo", "midnight")!;
      expect(new Date(close.t).toISOString()).toBe(closeIso);
      expect(new Date(midnight.t).toISOString()).toBe(midnightIso);
      expect(nyDateOf(close.t)).toBe(date);
      expect(nyDateOf(midnight.t)).toBe(date);
      expect(close.T).toBe("AAPL");
      expect(midnight).not.toHaveProperty("T");
      const { T: _t, t: _c, ...closeValues } = close;
      const { t: _m, ...midnightValues } = midnight;
      expect(midnightValues).toEqual(closeValues);
    }
  });

  it("converts New York wall times on the DST change days themselves", () => {
    expect(new Date(nyWallTimeToEpochMs("2024-03-10", 0)).toISOString()).toBe("2024-03-10T05:00:00.000Z");
    expect(new Date(nyWallTimeToEpochMs("2024-03-10", 16)).toISOString()).toBe("2024-03-10T20:00:00.000Z");
    expect(new Date(nyWallTimeToEpochMs("2024-11-03", 0)).toISOString()).toBe("2024-11-03T04:00:00.000Z");
    expect(new Date(nyWallTimeToEpochMs("2024-11-03", 16)).toISOString()).toBe("2024-11-03T21:00:00.000Z");
  });

  it("computes one 11,000-ticker day quickly, without walking the price history", () => {
    const universe = syntheticUniverse(11_000);
    const start = performance.now();
    const bars = syntheticDay(universe, "2024-05-16", "fresh-seed");
    const elapsed = performance.now() - start;
    expect(bars.length).toBe(11_000);
    expect(elapsed).toBeLessThan(500);
  });
});
