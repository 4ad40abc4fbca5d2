import { setTimeout as sleep } from "node:timers/promises";
import type { Db } from "mongodb";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureDailyPriceIndexes } from "../db/daily-prices.server.js";
import { applyManualDelete } from "../db/manual-prices.server.js";
import { upsertPipelineBars } from "../db/pipeline-upserts.server.js";
import { emptyCounts, finishRun, startRun } from "../db/runs.server.js";
import { ensureSymbolSummaries } from "../db/symbol-summaries.server.js";
import type { Feed } from "../model/daily-price.js";
import { testDatabase } from "../test-support/db.js";
import type { CleanBar } from "../transform/bars.js";
import { formatStatus, statusReport, type StatusReport } from "./status.server.js";

// Wednesday 2025-01-15: 16:30 EST (after the close) and 15:00 EST (before it).
const AFTER_CLOSE = new Date("2025-01-15T21:30:00Z");
const BEFORE_CLOSE = new Date("2025-01-15T20:00:00Z");
const SATURDAY = new Date("2025-01-18T15:00:00Z");

const bar = (symbol: string, date: string): CleanBar => ({ symbol, date, open: 10, high: 11, low: 9, close: 10.5, volume: 100 });

async function load(db: Db, feed: Feed, rows: Array<[string, string[]]>): Promise<void> {
  const bars = rows.flatMap(([symbol, dates]) => dates.map((d) => bar(symbol, d)));
  await upsertPipelineBars(db, bars, { feed, runId: "seed", lakeObjectOf: () => "raw/seed.json" });
}

/** The table row of a symbol in formatStatus's output, split into its columns. */
function rowOf(text: string, symbol: string): string[] {
  const line = text.split("\n").find((l) => l.startsWith(`${symbol} `));
  expect(line, `a row for ${symbol}`).toBeDefined();
  return line!.split(/ {2,}/);
}

describe("statusReport against the NYSE calendar", () => {
  const t = testDatabase();

  beforeAll(async () => {
    await ensureDailyPriceIndexes(t.db);
    await load(t.db, "polygon", [
      // 2025-01-08 is missing; 2025-01-09 was a closure (Carter day of mourning), not a gap.
      ["AAA", ["2025-01-06", "2025-01-07", "2025-01-10"]],
      ["BBB", ["2025-01-13", "2025-01-14", "2025-01-15"]],
      // 2025-01-01 was a holiday: no gap between these two.
      ["DDD", ["2024-12-31", "2025-01-02"]],
      ["EEE", ["2025-01-10", "2025-01-13", "2025-01-14"]],
    ]);
    // A deleted record is no coverage: it becomes a gap.
    await applyManualDelete(t.db, { symbol: "EEE", date: "2025-01-13", by: "tester" });
  });

  it("reports records, first/last, gaps on trading days only, and sessions behind the latest completed one", async () => {
    const r = await statusReport(t.db, ["AAA", "BBB", "CCC", "DDD", "EEE"], AFTER_CLOSE);
    expect(r.latestCompletedSession).toBe("2025-01-15");
    expect(r.symbols).toEqual([
      { symbol: "AAA", records: 3, first: "2025-01-06", last: "2025-01-10", gaps: ["2025-01-08"], behind: 3 },
      { symbol: "BBB", records: 3, first: "2025-01-13", last: "2025-01-15", gaps: [], behind: 0 },
      { symbol: "CCC", records: 0, first: null, last: null, gaps: [], behind: 0 },
      // Behind by Jan 3, 6, 7, 8, 10, 13, 14, 15 (not the 9th).
      { symbol: "DDD", records: 2, first: "2024-12-31", last: "2025-01-02", gaps: [], behind: 8 },
      { symbol: "EEE", records: 2, first: "2025-01-10", last: "2025-01-14", gaps: ["2025-01-13"], behind: 1 },
    ]);
    expect(r.feeds).toEqual(["polygon"]);
  });

  it("before the day's close, the latest completed session is the previous one", async () => {
    const r = await statusReport(t.db, ["AAA", "BBB"], BEFORE_CLOSE);
    expect(r.latestCompletedSession).toBe("2025-01-14");
    expect(r.symbols.map((s) => [s.symbol, s.behind])).toEqual([
      ["AAA", 2],
      ["BBB", 0],
    ]);
  });

  it("on a weekend, Friday is the latest completed session", async () => {
    const r = await statusReport(t.db, ["BBB"], SATURDAY);
    expect(r.latestCompletedSession).toBe("2025-01-17");
    expect(r.symbols[0]!.behind).toBe(2);
  });

  it("`*` reports every symbol that has live records", async () => {
    const r = await statusReport(t.db, "*", AFTER_CLOSE);
    expect(r.symbols.map((s) => s.symbol)).toEqual(["AAA", "BBB", "DDD", "EEE"]);
  });

  it("lists the recent runs, newest first, with duration, message and error", async () => {
    const ok = await startRun(t.db, { command: "load", args: {}, feed: "polygon", host: "h" });
    await finishRun(t.db, ok, { outcome: "success", counts: emptyCounts(), apiRequests: 0, lakeObjectsWritten: 0, lakeObjectsRead: 1, message: "loaded 3 records" });
    await sleep(5); // distinct startedAt milliseconds, so the order is defined
    const failed = await startRun(t.db, { command: "extract", args: {}, feed: "polygon", host: "h" });
    await finishRun(t.db, failed, {
      outcome: "failed",
      counts: emptyCounts(),
      apiRequests: 4,
      lakeObjectsWritten: 0,
      lakeObjectsRead: 0,
      error: { kind: "ApiError", message: "HTTP 503" },
    });
    await sleep(5);
    const running = await startRun(t.db, { command: "backfill", args: {}, feed: "polygon", host: "h" });

    const r = await statusReport(t.db, ["AAA"], AFTER_CLOSE);
    expect(r.recentRuns.map((x) => x.id)).toEqual([running, failed, ok]);
    expect(r.recentRuns[0]).toMatchObject({ command: "backfill", outcome: "running", durationMs: null, message: null, error: null, apiRequests: 0 });
    expect(r.recentRuns[1]).toMatchObject({ command: "extract", outcome: "failed", error: "HTTP 503", message: null, apiRequests: 4, durationMs: expect.any(Number) });
    expect(r.recentRuns[2]).toMatchObject({ command: "load", outcome: "success", message: "loaded 3 records", error: null });
    expect(Date.parse(r.recentRuns[2]!.startedAt)).not.toBeNaN();

    const text = formatStatus(r);
    expect(text).toContain("Recent runs:");
    expect(text).toMatch(/extract +failed in \d+\.\d s, 4 API request\(s\): HTTP 503/);
    expect(text).toMatch(/backfill +running, 0 API request\(s\): $/m);
  });

  it("formatStatus prints one row per symbol and no synthetic note for real data", async () => {
    const text = formatStatus(await statusReport(t.db, ["AAA", "BBB", "CCC"], AFTER_CLOSE));
    expect(text.split("\n")[0]).toBe("Latest completed NYSE session: 2025-01-15");
    expect(text).not.toMatch(/synthetic/i);
    expect(rowOf(text, "symbol")).toEqual(["symbol", "records", "first", "last", "gaps", "behind"]);
    expect(rowOf(text, "AAA")).toEqual(["AAA", "3", "2025-01-06", "2025-01-10", "1 (2025-01-08)", "3"]);
    expect(rowOf(text, "BBB")).toEqual(["BBB", "3", "2025-01-13", "2025-01-15", "0", "0"]);
    expect(rowOf(text, "CCC")).toEqual(["CCC", "0", "-", "-", "no data", "-"]);
  });
});

describe("formatStatus and synthetic data", () => {
  const t = testDatabase();

  beforeAll(async () => {
    await ensureDailyPriceIndexes(t.db);
    await load(t.db, "polygon", [["REAL", ["2025-01-13"]]]);
  });

  it("says nothing about synthetic data while there is none", async () => {
    const r = await statusReport(t.db, "*", AFTER_CLOSE);
    expect(r.feeds).toEqual(["polygon"]);
    expect(formatStatus(r)).not.toContain("SYNTHETIC");
    expect(formatStatus(r)).toContain("No pipeline runs recorded yet.");
  });

  it("warns that the database holds synthetic records as soon as one exists", async () => {
    await load(t.db, "synthetic", [["FAKE", ["2025-01-13"]]]);
    const r = await statusReport(t.db, "*", AFTER_CLOSE);
    expect(r.feeds).toEqual(["polygon", "synthetic"]);
    const lines = formatStatus(r).split("\n");
    expect(lines[1]).toBe("Note: the database holds SYNTHETIC records from the offline source (made-up prices, not market data).");
  });

  it("a synthetic record a person deleted no longer triggers the note", async () => {
    await applyManualDelete(t.db, { symbol: "FAKE", date: "2025-01-13", by: "tester" });
    const r = await statusReport(t.db, "*", AFTER_CLOSE);
    expect(r.feeds).toEqual(["polygon"]);
    expect(formatStatus(r)).not.toContain("SYNTHETIC");
  });

  it("lists at most three gaps, then an ellipsis", async () => {
    await load(t.db, "polygon", [["GAPS", ["2025-01-02", "2025-01-08"]]]);
    const r: StatusReport = await statusReport(t.db, ["GAPS"], AFTER_CLOSE);
    expect(r.symbols[0]!.gaps).toEqual(["2025-01-03", "2025-01-06", "2025-01-07"]);
    await load(t.db, "polygon", [["GAPS2", ["2025-01-02", "2025-01-10"]]]);
    const text = formatStatus(await statusReport(t.db, ["GAPS2"], AFTER_CLOSE));
    expect(rowOf(text, "GAPS2")[4]).toBe("4 (2025-01-03, 2025-01-06, 2025-01-07, …)");
  });
});

describe("statusReport: records on the old, split-adjusted basis", () => {
  const t = testDatabase();
  /** As the pipeline stored records before it stored prices as traded: no basis. */
  const old = (symbol: string, date: string, source: "pipeline" | "manual" = "pipeline") => ({
    symbol,
    date: new Date(`${date}T00:00:00.000Z`),
    open: 10,
    high: 11,
    low: 9,
    close: 10.5,
    volume: 100,
    source,
    feed: "polygon",
    lakeObject: `raw/polygon/grouped/date=${date}/grouped.json`,
    ingestedAt: AFTER_CLOSE,
    updatedAt: AFTER_CLOSE,
  });

  beforeAll(async () => {
    await ensureDailyPriceIndexes(t.db);
    await t.db
      .collection("daily_prices")
      .insertMany([
        old("OLDA", "2024-12-30"),
        old("OLDA", "2025-01-02"),
        old("OLDA", "2025-01-03"),
        old("OLDB", "2025-01-06"),
        old("OLDB", "2025-01-07"),
        old("HAND", "2025-01-08", "manual"),
      ]);
    // A database from before the summaries: start-up builds them (openDatabase does this).
    await ensureSymbolSummaries(t.db, () => undefined);
    await load(t.db, "polygon", [["NEWC", ["2025-01-10", "2025-01-13"]]]);
  });

  it("names each symbol with its count and first and last date, and the one back-fill that re-fetches them all, whatever the watchlist", async () => {
    const r = await statusReport(t.db, ["NEWC"], AFTER_CLOSE);
    expect(r.oldBasis).toEqual({
      symbols: [
        { symbol: "OLDA", records: 3, from: "2024-12-30", to: "2025-01-03" },
        { symbol: "OLDB", records: 2, from: "2025-01-06", to: "2025-01-07" },
      ],
      command: "stock-pipeline backfill --refetch --from 2024-12-30 --to 2025-01-07 --tickers OLDA,OLDB",
      manual: [{ symbol: "HAND", records: 1, from: "2025-01-08", to: "2025-01-08" }],
    });
  });

  it("formatStatus prints the affected ranges, the command on a line of its own, and the hand-edited records apart", async () => {
    const lines = formatStatus(await statusReport(t.db, ["NEWC"], AFTER_CLOSE)).split("\n");
    const at = lines.findIndex((l) => l.startsWith("OLD BASIS:"));
    expect(lines[at]).toBe("OLD BASIS: 5 record(s) of 2 symbol(s) are split-adjusted as of the day they were fetched, not as traded:");
    expect(lines.slice(at + 1, at + 5)).toEqual([
      "  OLDA  3 record(s)  2024-12-30..2025-01-03",
      "  OLDB  2 record(s)  2025-01-06..2025-01-07",
      "Re-fetch them as traded (docs/migration-as-traded.md):",
      "  stock-pipeline backfill --refetch --from 2024-12-30 --to 2025-01-07 --tickers OLDA,OLDB",
    ]);
    const hand = lines.findIndex((l) => l.startsWith("Edited by hand before"));
    expect(hand).toBeGreaterThan(at);
    expect(lines[hand + 1]).toBe("  HAND  1 record(s)  2025-01-08..2025-01-08");
  });

  it("once the records are re-loaded as traded the section is gone, except the hand-edited record a person has to check", async () => {
    await load(t.db, "polygon", [
      ["OLDA", ["2024-12-30", "2025-01-02", "2025-01-03"]],
      ["OLDB", ["2025-01-06", "2025-01-07"]],
    ]);
    const r = await statusReport(t.db, "*", AFTER_CLOSE);
    expect(r.oldBasis).toEqual({ symbols: [], command: null, manual: [{ symbol: "HAND", records: 1, from: "2025-01-08", to: "2025-01-08" }] });
    const text = formatStatus(r);
    expect(text).not.toContain("OLD BASIS");
    expect(text).not.toContain("backfill --refetch");
    expect(text).toContain("Edited by hand before prices were stored as traded");
  });
});
