/** `run --date`: three requests per trading day (bars, splits, dividends) whatever the watchlist, idempotent re-runs, closed days. */
import { beforeEach, describe, expect, it } from "vitest";
import { day, describeRun, readLakeJson, useE2eWorld } from "./harness.js";

const UNIVERSE = 2000;
const w = await useE2eWorld({ name: "daily", fake: { universeSize: UNIVERSE }, tickers: "AAPL,GOOGL,MSFT,TSLA,NVDA" });
const prices = () => w.db.collection("daily_prices");

beforeEach(() => {
  w.fake.resetStats();
  w.fake.clearFaults();
});

describe("run --date for a trading day", () => {
  it("makes exactly three API requests (grouped bars, splits, dividends) for a five-ticker watchlist and loads the five records", async () => {
    const r = await w.cli(["run", "--date", "2025-01-03", "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    expect(w.fake.stats().total).toBe(3);
    expect(w.fake.stats().byRoute).toEqual({ grouped: 1, splits: 1, dividends: 1 });
    const summary = r.json();
    expect(summary).toMatchObject({ outcome: "success", exitCode: 0, apiRequests: 3, counts: { inserted: 5, updated: 0, rejected: 0 } });
    const docs = await prices()
      .find({ date: day("2025-01-03") })
      .sort({ symbol: 1 })
      .toArray();
    expect(docs.map((d) => d.symbol)).toEqual(["AAPL", "GOOGL", "MSFT", "NVDA", "TSLA"]);
  });

  it("a second identical run leaves the record count unchanged, inserts and updates nothing, and touches no updatedAt", async () => {
    const before = await prices().find({}).sort({ symbol: 1, date: 1 }).toArray();
    expect(before.length).toBeGreaterThan(0);
    const r = await w.cli(["run", "--date", "2025-01-03", "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    expect(w.fake.stats().total).toBe(3);
    expect(r.json()).toMatchObject({ outcome: "success", counts: { inserted: 0, updated: 0, unchanged: 5 } });
    const after = await prices().find({}).sort({ symbol: 1, date: 1 }).toArray();
    expect(after).toEqual(before);
  });

  it("with TICKERS=* makes the same three API requests and loads every ticker of the whole-market response, once", async () => {
    const first = await w.cli(["run", "--date", "2025-01-06", "--json"], { TICKERS: "*" });
    expect(first.code, describeRun(first)).toBe(0);
    expect(w.fake.stats().total).toBe(3);
    const grouped = await readLakeJson(w.lakeDir, "raw/polygon/grouped/date=2025-01-06/grouped.json");
    const expected = (grouped.results as { T: string }[]).map((b) => b.T).sort();
    expect(expected.length).toBeGreaterThan(UNIVERSE * 0.95);
    const symbols = (
      await prices()
        .find({ date: day("2025-01-06") }, { projection: { symbol: 1 } })
        .toArray()
    )
      .map((d) => d.symbol as string)
      .sort();
    expect(symbols).toEqual(expected);
    expect(first.json().counts).toMatchObject({ inserted: expected.length, rejected: 0 });

    w.fake.resetStats();
    const updatedAt = await prices()
      .find({ date: day("2025-01-06") }, { projection: { symbol: 1, updatedAt: 1 } })
      .sort({ symbol: 1 })
      .toArray();
    const second = await w.cli(["run", "--date", "2025-01-06", "--json"], { TICKERS: "*" });
    expect(second.code, describeRun(second)).toBe(0);
    expect(w.fake.stats().total).toBe(3);
    expect(second.json().counts).toMatchObject({ inserted: 0, updated: 0, unchanged: expected.length });
    expect(await prices().countDocuments({ date: day("2025-01-06") })).toBe(expected.length);
    expect(
      await prices()
        .find({ date: day("2025-01-06") }, { projection: { symbol: 1, updatedAt: 1 } })
        .sort({ symbol: 1 })
        .toArray(),
    ).toEqual(updatedAt);
  });
});

describe("a day the market was closed", () => {
  it.each([
    ["a weekend", "2025-01-04", /weekend/i],
    ["a past holiday", "2024-07-04", /holiday.*Independence/i],
  ])("%s (%s) exits 0, says the market was closed, calls no API and writes nothing", async (_what, date, why) => {
    const count = await prices().countDocuments();
    const r = await w.cli(["run", "--date", date, "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stderr).toMatch(/market was closed/i);
    expect(r.stderr).toMatch(why);
    expect(r.json()).toMatchObject({ outcome: "market-closed", exitCode: 0, apiRequests: 0 });
    expect(w.fake.stats().total).toBe(0);
    expect(await prices().countDocuments()).toBe(count);
    expect(await prices().countDocuments({ date: day(date) })).toBe(0);
  });
});
