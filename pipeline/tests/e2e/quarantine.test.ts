/** Invalid rows are quarantined with their reasons (exit 4) while the valid rows load; a corrupt object loads nothing (exit 1). */
import { beforeEach, describe, expect, it } from "vitest";
import { closeStampEst, day, describeRun, hasStackTrace, putGroupedResponse, useE2eWorld } from "./harness.js";

const w = await useE2eWorld({ name: "quarantine", tickers: "AAPL,MSFT,GOOGL,TSLA,NVDA,AMZN,META,KO" });
const prices = () => w.db.collection("daily_prices");
const quarantine = () => w.db.collection("quarantine");

const DATE = "2025-01-03";
const t = closeStampEst(DATE);
const ROWS: unknown[] = [
  { T: "AAPL", o: 180.5, h: 182.25, l: 179.75, c: 181, v: 51234567.5, vw: 181.1, n: 412345, t },
  { T: "MSFT", o: 380, h: 385, l: 379, c: 384, v: 20000000, t },
  { T: "GOOGL", o: 140, h: 139, l: 141, c: 140, v: 1000, t },
  { T: "TSLA", o: 220, h: 225, l: 218, c: 221, v: -5, t },
  { T: "NVDA", o: 120, h: 125, l: 119, v: 1000, t },
  { T: "AMZN", o: "abc", h: 175, l: 169, c: 171, v: 1000, t },
  { o: 10, h: 11, l: 9, c: 10, v: 1000, t },
  { T: "META", o: 450, h: 455, l: 449, c: 452, v: 1000 },
  { T: "JPM", o: 190, h: 180, l: 200, c: 190, v: -1, t },
  { T: "KO", o: 60, h: 61, l: 59.5, c: 60.5, v: 0, t },
  42,
];
/** Row index → what its reasons must say. JPM (row 8) is outside the watchlist: neither loaded nor quarantined. */
const BAD: Record<number, RegExp> = {
  2: /high \(h\).*must not be below/,
  3: /volume \(v\) must be 0 or more/,
  4: /close \(c\) is required/,
  5: /open \(o\) must be a number/,
  6: /ticker \(T\) is missing/,
  7: /t \(time stamp\) is missing/,
  10: /not an object/,
};

beforeEach(() => {
  w.fake.resetStats();
});

describe("load --date of a response mixing valid and invalid rows", () => {
  let key: string;

  it("exits 4, quarantines each invalid row with its reasons, and loads every valid row", async () => {
    key = await putGroupedResponse(w.lakeDir, DATE, { status: "OK", queryCount: ROWS.length, resultsCount: ROWS.length, adjusted: false, request_id: "hand-made", results: ROWS });
    const r = await w.cli(["load", "--date", DATE, "--json"]);
    expect(r.code, describeRun(r)).toBe(4);
    expect(r.stderr).toMatch(/7 row\(s\) were rejected and quarantined/);
    expect(r.json()).toMatchObject({ outcome: "rejected-records", exitCode: 4, counts: { valid: 3, rejected: 7, inserted: 3 } });

    const loaded = await prices()
      .find({ date: day(DATE) })
      .sort({ symbol: 1 })
      .toArray();
    expect(loaded.map((d) => d.symbol)).toEqual(["AAPL", "KO", "MSFT"]);
    expect(loaded[0]).toMatchObject({ open: 180.5, high: 182.25, low: 179.75, close: 181, volume: 51234567.5, vwap: 181.1, transactions: 412345, lakeObject: key });

    const q = await quarantine().find({}).sort({ rowIndex: 1 }).toArray();
    expect(q.map((d) => d.rowIndex)).toEqual(Object.keys(BAD).map(Number));
    for (const d of q) {
      expect(d.lakeObject).toBe(key);
      expect(d.reasons.join("; ")).toMatch(BAD[d.rowIndex as number]!);
      expect(JSON.parse(d.rowJson as string)).toEqual(ROWS[d.rowIndex as number]);
    }
    expect(q.find((d) => d.rowIndex === 3)).toMatchObject({ symbol: "TSLA", date: DATE });
    expect(w.fake.stats().total).toBe(0);
  });

  it("run again, exits 4 again without duplicating a quarantined row or a record", async () => {
    const r = await w.cli(["load", "--date", DATE, "--json"]);
    expect(r.code, describeRun(r)).toBe(4);
    expect(r.json().counts).toMatchObject({ rejected: 7, inserted: 0, updated: 0 });
    expect(await quarantine().countDocuments()).toBe(7);
    expect(await prices().countDocuments()).toBe(3);
  });
});

describe("load --date of a corrupt lake object", () => {
  it("exits 1 with one sentence naming the object, and writes nothing", async () => {
    const date = "2025-01-06";
    const key = await putGroupedResponse(w.lakeDir, date, '{"status":"OK","resultsCount":2,"results":[{"T":"AAPL","o":1');
    const before = { prices: await prices().countDocuments(), quarantine: await quarantine().countDocuments() };
    const r = await w.cli(["load", "--date", date, "--json"]);
    expect(r.code, describeRun(r)).toBe(1);
    const lines = r.stderr
      .trim()
      .split("\n")
      .filter((l) => l.startsWith("stock-pipeline load:"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(key);
    expect(lines[0]).toMatch(/not valid JSON/);
    expect(hasStackTrace(r.stderr), r.stderr).toBe(false);
    expect(r.json()).toMatchObject({ outcome: "failed", exitCode: 1, error: { kind: "RawObjectError" } });
    expect({ prices: await prices().countDocuments(), quarantine: await quarantine().countDocuments() }).toEqual(before);
    expect(await prices().countDocuments({ date: day(date) })).toBe(0);
  });
});
