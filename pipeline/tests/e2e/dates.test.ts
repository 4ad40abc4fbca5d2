/**
 * New York trading dates: a grouped bar (16:00 ET, from `run`) and a range bar
 * (00:00 ET, from `backfill`) of one session are one record, on both sides of
 * the spring and autumn daylight-saving changes, whatever the machine's zone.
 */
import { describe, expect, it } from "vitest";
import { tradingDaysBetween } from "../../src/calendar/nyse.js";
import { describeRun, readLakeJson, useE2eWorld } from "./harness.js";

const TICKERS = ["AAPL", "MSFT", "BRK.A"];
const w = await useE2eWorld({ name: "dates", tickers: TICKERS.join(",") });
const prices = () => w.db.collection("daily_prices");

// DST began 2024-03-10 and ended 2024-11-03 in New York.
const SPRING = { from: "2024-03-04", to: "2024-03-15", runs: ["2024-03-08", "2024-03-11"] };
const AUTUMN = { from: "2024-10-28", to: "2024-11-08", runs: ["2024-11-01", "2024-11-04"] };

const isoDates = async (symbol: string) => (await prices().find({ symbol }).sort({ date: 1 }).toArray()).map((d) => (d.date as Date).toISOString());

describe("a session's grouped (16:00 ET) and range (00:00 ET) bars", () => {
  it("become the same record on both sides of a daylight-saving change", async () => {
    const expected = [...tradingDaysBetween(SPRING.from, SPRING.to), ...tradingDaysBetween(AUTUMN.from, AUTUMN.to)];
    expect(expected).toHaveLength(20);
    // West of New York, a range bar's 00:00 ET is the previous local day: a local-zone bug would show.
    for (const range of [SPRING, AUTUMN]) {
      const r = await w.cli(["backfill", "--from", range.from, "--to", range.to], { TZ: "Pacific/Honolulu" });
      expect(r.code, describeRun(r)).toBe(0);
    }
    expect(await prices().countDocuments()).toBe(expected.length * TICKERS.length);
    for (const symbol of TICKERS) expect(await isoDates(symbol)).toEqual(expected.map((d) => `${d}T00:00:00.000Z`));
    // The range objects really hold 00:00 ET stamps: 05:00 UTC in winter time, 04:00 UTC in summer time.
    for (const [range, session, utc] of [
      [SPRING, "2024-03-08", "05"],
      [SPRING, "2024-03-11", "04"],
      [AUTUMN, "2024-11-01", "04"],
      [AUTUMN, "2024-11-04", "05"],
    ] as const) {
      const page = await readLakeJson(w.lakeDir, `raw/polygon/range/ticker=AAPL/from=${range.from}_to=${range.to}/page-0001.json`);
      expect((page.results as { t: number }[]).map((b) => new Date(b.t).toISOString())).toContain(`${session}T${utc}:00:00.000Z`);
    }

    // East of New York (UTC+14), a grouped bar's 16:00 ET is the next local day.
    for (const date of [...SPRING.runs, ...AUTUMN.runs]) {
      const r = await w.cli(["run", "--date", date, "--json"], { TZ: "Pacific/Kiritimati" });
      expect(r.code, describeRun(r)).toBe(0);
      // counts.valid also holds the whole market's corporate-action rows of the session (details.actions).
      const { counts, details } = r.json();
      expect(counts).toMatchObject({ valid: TICKERS.length + details.actions.splits + details.actions.dividends, inserted: 0, rejected: 0 });
      // The lake object really holds 16:00 ET stamps: 20:00 UTC in summer time, 21:00 UTC in winter time.
      const grouped = await readLakeJson(w.lakeDir, `raw/polygon/grouped/date=${date}/grouped.json`);
      const aapl = (grouped.results as { T: string; t: number }[]).find((b) => b.T === "AAPL")!;
      const summer = date > "2024-03-10" && date < "2024-11-03";
      expect(new Date(aapl.t).toISOString()).toBe(`${date}T${summer ? "20" : "21"}:00:00.000Z`);
    }
    expect(await prices().countDocuments()).toBe(expected.length * TICKERS.length);
    const keys = await prices()
      .aggregate([{ $group: { _id: { symbol: "$symbol", date: "$date" }, n: { $sum: 1 } } }, { $match: { n: { $gt: 1 } } }])
      .toArray();
    expect(keys).toEqual([]);
    for (const symbol of TICKERS) expect(await isoDates(symbol)).toEqual(expected.map((d) => `${d}T00:00:00.000Z`));
  });
});
