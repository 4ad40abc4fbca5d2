/**
 * A person's edits and deletes (made through the shared data-access module, as
 * the web app does) survive later pipeline runs, unless a run is told
 * --overwrite-manual.
 */
import type { Document } from "mongodb";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { applyManualDelete, applyManualEdit } from "../../src/db/manual-prices.server.js";
import { day, describeRun, useE2eWorld } from "./harness.js";

const w = await useE2eWorld({ name: "manual", tickers: "AAPL,MSFT,GOOGL" });
const prices = () => w.db.collection("daily_prices");
const DATE = "2025-01-03";
const EDITED = { open: 1.5, high: 2.5, low: 1.25, close: 2, volume: 7 };
const values = (d: Document | null) => d && { open: d.open, high: d.high, low: d.low, close: d.close, volume: d.volume, vwap: d.vwap, transactions: d.transactions };
const record = (symbol: string) => prices().findOne({ symbol, date: day(DATE) });
let original: { AAPL: Document; MSFT: Document; GOOGL: Document };

beforeAll(async () => {
  const r = await w.cli(["run", "--date", DATE]);
  expect(r.code, describeRun(r)).toBe(0);
  original = { AAPL: (await record("AAPL"))!, MSFT: (await record("MSFT"))!, GOOGL: (await record("GOOGL"))! };
  expect(await applyManualEdit(w.db, { symbol: "AAPL", date: DATE, values: EDITED, by: "e2e-editor" })).toBe(true);
  expect(await applyManualDelete(w.db, { symbol: "MSFT", date: DATE, by: "e2e-editor" })).toBe(true);
});

beforeEach(() => {
  w.fake.resetStats();
});

async function expectEditsKept(): Promise<void> {
  const aapl = await record("AAPL");
  expect(aapl).toMatchObject({ ...EDITED, source: "manual", updatedBy: "e2e-editor" });
  const msft = await record("MSFT");
  expect(msft).toMatchObject({ source: "manual", deletedAt: expect.any(Date) });
  expect(await prices().countDocuments({ date: day(DATE), deletedAt: { $exists: false } })).toBe(2);
  expect(await record("GOOGL")).toEqual(original.GOOGL);
}

describe("a record edited by hand and one deleted by hand", () => {
  it("are left alone by another load of the session", async () => {
    const r = await w.cli(["load", "--date", DATE, "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.json().counts).toMatchObject({ protectedManual: 2, inserted: 0, updated: 0, unchanged: 1 });
    expect(r.stderr).toMatch(/2 left alone \(edited by hand\)/);
    await expectEditsKept();
  });

  it("are left alone by reprocess from the lake", async () => {
    const r = await w.cli(["reprocess", "--from", DATE, "--to", DATE, "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.json().counts).toMatchObject({ protectedManual: 2, inserted: 0, updated: 0 });
    await expectEditsKept();
  });

  it("are left alone by a back-fill whose range covers the session", async () => {
    const r = await w.cli(["backfill", "--from", "2025-01-02", "--to", "2025-01-06", "--tickers", "AAPL,MSFT", "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    // Two range requests, and one each for the tickers' splits and dividends.
    expect(w.fake.stats().byRoute).toEqual({ range: 2, splits: 1, dividends: 1 });
    expect(r.json().counts).toMatchObject({ protectedManual: 2, inserted: 4 });
    await expectEditsKept();
  });

  it("are both replaced by the pipeline's values with --overwrite-manual", async () => {
    const r = await w.cli(["load", "--date", DATE, "--overwrite-manual", "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.json().counts).toMatchObject({ protectedManual: 0, updated: 2 });
    for (const symbol of ["AAPL", "MSFT"] as const) {
      const d = await record(symbol);
      expect(values(d)).toEqual(values(original[symbol]));
      expect(d).toMatchObject({ source: "pipeline", feed: "polygon" });
      expect(d).not.toHaveProperty("deletedAt");
      expect(d).not.toHaveProperty("updatedBy");
    }
    expect(await prices().countDocuments({ date: day(DATE), deletedAt: { $exists: false } })).toBe(3);
    expect(await prices().countDocuments({ date: day(DATE) })).toBe(3);
  });
});
