import { describe, expect, it } from "vitest";
import { tradingDaysBetween } from "../calendar/nyse.js";
import type { CleanBar } from "../transform/bars.js";
import { useTestDatabase } from "../test-support/db.js";
import { dailyPrices, ensureDailyPriceIndexes, getDailyPrice, listSymbols } from "./daily-prices.server.js";
import { deleteManualPrice, editManualPrice, insertManualPrice, restoreDailyPrice } from "./manual-prices.server.js";
import { upsertPipelineBars } from "./pipeline-upserts.server.js";
import { findDailyPricesPage } from "./records-query.server.js";
import { upsertCorporateActions } from "./corporate-actions.server.js";
import { readDataVersion } from "./data-version.server.js";
import { changedSince, genOf } from "../model/symbol-changes.js";
import {
  bucketOf,
  ensureSymbolSummaries,
  getSymbolChanges,
  getSymbolSummaries,
  rebuildSymbolSummaries,
  SUMMARY_BUCKETS,
  symbolSummaries,
  type SymbolSummary,
} from "./symbol-summaries.server.js";

const { db } = await useTestDatabase();
await ensureDailyPriceIndexes(db);

const v = (close: number) => ({ open: close, high: close + 1, low: close - 1, close, volume: 100 });
const bar = (symbol: string, date: string, close: number): CleanBar => ({ symbol, date, ...v(close) });
const load = (bars: CleanBar[], feed: "synthetic" | "polygon" = "synthetic", overwriteManual = false) =>
  upsertPipelineBars(db, bars, { feed, runId: "r", lakeObjectOf: () => "k", overwriteManual });

/** The summaries without their bookkeeping fields, by symbol. */
async function summaries(symbols: string[]): Promise<Record<string, unknown>> {
  const strip = ({ rev: _r, updatedAt: _u, ...rest }: SymbolSummary) => rest;
  return Object.fromEntries([...(await getSymbolSummaries(db, symbols))].map(([s, doc]) => [s, strip(doc)]));
}

/** Deterministic pseudo-random numbers (a failing sequence can be replayed). */
function rng(seed: number): () => number {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

describe("symbol_summaries", () => {
  it("after random loads, edits, deletes, creates and undos, every summary equals a recomputation from daily_prices", async () => {
    const symbols = ["RS1", "RS2", "RS3"];
    const days = tradingDaysBetween("2024-01-02", "2024-03-28");
    const extraDays = ["2024-01-06", "2024-02-17"]; // Saturdays a person might type
    const next = rng(11);
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
    const undo: { symbol: string; date: string; before: Awaited<ReturnType<typeof getDailyPrice>>; seen: Date }[] = [];
    for (let step = 0; step < 120; step++) {
      const symbol = pick(symbols);
      const date = pick(days);
      const op = Math.floor(next() * 6);
      if (op === 0) {
        const start = Math.floor(next() * days.length);
        await load(
          days.slice(start, start + 1 + Math.floor(next() * 15)).map((d) => bar(symbol, d, 10 + next())),
          pick(["synthetic", "polygon"] as const),
          next() < 0.2,
        );
      } else if (op === 1) {
        const r = await insertManualPrice(db, { symbol, date: next() < 0.2 ? pick(extraDays) : date, values: v(20), by: "p" });
        if (r.ok) undo.push({ symbol, date: r.after!.date.toISOString().slice(0, 10), before: r.before, seen: r.after!.updatedAt });
      } else if (op === 2 || op === 3) {
        const current = await getDailyPrice(db, symbol, date);
        if (!current) continue;
        const r =
          op === 2
            ? await editManualPrice(db, { symbol, date, values: v(30), by: "p", seenUpdatedAt: current.updatedAt })
            : await deleteManualPrice(db, { symbol, date, by: "p", seenUpdatedAt: current.updatedAt });
        if (r.ok) undo.push({ symbol, date, before: r.before, seen: r.after!.updatedAt });
      } else if (op === 4 && undo.length > 0) {
        const u = undo.pop()!;
        await restoreDailyPrice(db, { symbol: u.symbol, date: u.date, state: u.before, seenUpdatedAt: u.seen });
      } else {
        await load(
          symbols.map((s) => bar(s, date, 12)),
          "polygon",
        );
      }
      if (step % 20 === 19) {
        const incremental = await summaries(symbols);
        await rebuildSymbolSummaries(db, symbols);
        expect(incremental, `after step ${step}`).toEqual(await summaries(symbols));
      }
    }
    const live = await dailyPrices(db).countDocuments({ symbol: { $in: symbols }, deletedAt: { $exists: false } });
    const all = await getSymbolSummaries(db, symbols);
    expect([...all.values()].reduce((n, s) => n + s.records, 0)).toBe(live);
  });

  it("a tombstone takes its date out: the first session moves on and a middle one becomes a gap; the undo puts both back", async () => {
    await load(["2024-04-01", "2024-04-02", "2024-04-03", "2024-04-04"].map((d) => bar("TB1", d, 5)));
    const seen = async (d: string) => (await getDailyPrice(db, "TB1", d))!.updatedAt;
    const del1 = await deleteManualPrice(db, { symbol: "TB1", date: "2024-04-01", by: "p", seenUpdatedAt: await seen("2024-04-01") });
    await deleteManualPrice(db, { symbol: "TB1", date: "2024-04-03", by: "p", seenUpdatedAt: await seen("2024-04-03") });
    expect(await summaries(["TB1"])).toMatchObject({ TB1: { records: 2, first: "2024-04-02", last: "2024-04-04", gaps: ["2024-04-03"], feeds: { synthetic: 2 }, manual: 0 } });
    await restoreDailyPrice(db, { symbol: "TB1", date: "2024-04-01", state: del1.ok ? del1.before : null, seenUpdatedAt: del1.ok ? del1.after!.updatedAt : new Date() });
    expect(await summaries(["TB1"])).toMatchObject({ TB1: { records: 3, first: "2024-04-01", gaps: ["2024-04-03"] } });
  });

  it("listSymbols and the records page's counts come from the summaries, and a symbol whose records are all deleted drops out", async () => {
    await load([bar("LS1", "2024-05-01", 1), bar("LS1", "2024-05-02", 1), bar("LS2", "2024-05-01", 1)]);
    expect((await listSymbols(db)).filter((s) => s.startsWith("LS"))).toEqual(["LS1", "LS2"]);
    const page = await findDailyPricesPage(db, { symbol: "LS1" }, { sort: "date", dir: -1, skip: 0, limit: 1 });
    expect(page.total).toBe(2);
    await deleteManualPrice(db, { symbol: "LS2", date: "2024-05-01", by: "p", seenUpdatedAt: (await getDailyPrice(db, "LS2", "2024-05-01"))!.updatedAt });
    expect((await listSymbols(db)).filter((s) => s.startsWith("LS"))).toEqual(["LS1"]);
  });

  it("a whole-market day of 2,000 symbols writes at most one document per summary bucket, not one per symbol", async () => {
    const many = Array.from({ length: 2000 }, (_, i) => bar(`WM${i}`, "2024-06-03", 1));
    const started = Date.now();
    await load(many);
    const elapsed = Date.now() - started;
    const s = await getSymbolSummaries(db, ["WM0", "WM1999"]);
    expect(s.get("WM1999")).toMatchObject({ records: 1, first: "2024-06-03", last: "2024-06-03" });
    expect(elapsed).toBeLessThan(30_000);
    expect(await symbolSummaries(db).countDocuments({})).toBeLessThanOrEqual(SUMMARY_BUCKETS);
  });

  it("concurrent writers to different symbols of one bucket both land: the bucket's rev guard retries, nothing is overwritten", async () => {
    const inOneBucket = Array.from({ length: 400 }, (_, i) => `CB${i}`)
      .filter((s) => bucketOf(s) === bucketOf("CB0"))
      .slice(0, 4);
    expect(inOneBucket.length).toBe(4);
    const days = tradingDaysBetween("2024-08-01", "2024-08-30");
    await Promise.all(
      inOneBucket.flatMap((symbol, k) =>
        days.slice(0, 6).map((d, j) => (j % 2 ? insertManualPrice(db, { symbol, date: d, values: v(5 + k), by: "p" }) : load([bar(symbol, d, 5 + k)]))),
      ),
    );
    await Promise.all(inOneBucket.map((symbol) => load(days.slice(6, 12).map((d) => bar(symbol, d, 7)))));
    const kept = await summaries(inOneBucket);
    await rebuildSymbolSummaries(db, inOneBucket);
    expect(kept).toEqual(await summaries(inOneBucket));
    for (const s of inOneBucket) expect(kept[s]).toMatchObject({ records: 12, first: days[0], last: days[11] });
  });

  it("summaries stored one document per symbol (the layout of before) are rebuilt into buckets at start-up", async () => {
    await load([bar("OL1", "2024-09-03", 1), bar("OL1", "2024-09-04", 1)]);
    await symbolSummaries(db).deleteMany({});
    await db.collection("symbol_summaries").insertOne({
      _id: "OL1" as never,
      records: 99,
      first: "2020-01-02",
      last: "2020-01-02",
      gaps: [],
      offCalendar: [],
      feeds: {},
      manual: 0,
      oldBasis: 0,
      rev: "x",
      updatedAt: new Date(),
    });
    const lines: string[] = [];
    await ensureSymbolSummaries(db, (l) => lines.push(l));
    expect(lines.join("\n")).toMatch(/one document per symbol before/);
    expect(await db.collection("symbol_summaries").countDocuments({ entries: { $exists: false } })).toBe(0);
    expect(await summaries(["OL1"])).toMatchObject({ OL1: { records: 2, first: "2024-09-03", last: "2024-09-04" } });
  });

  it("a damaged summary document is named in a sentence, and a rebuild (status --verify) repairs it", async () => {
    await load([bar("DM1", "2024-10-01", 1), bar("DM1", "2024-10-02", 1)]);
    await symbolSummaries(db).updateOne({ _id: bucketOf("DM1") }, { $set: { entries: '[{"symbol": "DM1", trunc' } });
    await expect(getSymbolSummaries(db, ["DM1"])).rejects.toThrow(new RegExp(`symbol_summaries document ${bucketOf("DM1")} is damaged.*status --verify`));
    await rebuildSymbolSummaries(db);
    expect(await summaries(["DM1"])).toMatchObject({ DM1: { records: 2, first: "2024-10-01", last: "2024-10-02" } });
  });

  it("every write path moves the data version: loads, a person's writes and corporate-action loads", async () => {
    const before = (await readDataVersion(db)).v;
    await load([bar("DV1", "2024-07-01", 1)]);
    const afterLoad = await readDataVersion(db);
    expect(afterLoad.v).not.toBe(before);
    expect(afterLoad.cacheable).toBe(true);
    await insertManualPrice(db, { symbol: "DV1", date: "2024-07-02", values: v(1), by: "p" });
    const afterInsert = (await readDataVersion(db)).v;
    expect(afterInsert).not.toBe(afterLoad.v);
    await upsertCorporateActions(db, [{ kind: "split", id: "S-DV1", symbol: "DV1", date: "2024-07-03", splitFrom: 1, splitTo: 2, adjustmentType: "forward_split" }], {
      feed: "synthetic",
      runId: "r",
      lakeObjectOf: () => "k",
    });
    expect((await readDataVersion(db)).v).not.toBe(afterInsert);
  });

  it("every live change moves the symbol's generation and logs its date, a change no summary field shows too; other symbols keep theirs", async () => {
    await load([bar("GN1", "2024-08-01", 1), bar("GN1", "2024-08-02", 1), bar("GN2", "2024-08-01", 1)]);
    const g0 = await getSymbolChanges(db, "GN1");
    const other = await getSymbolChanges(db, "GN2");
    await load([bar("GN1", "2024-08-02", 2)]); // new values only: the summary's fields stay as they are
    const g1 = await getSymbolChanges(db, "GN1");
    expect(genOf(g1)).not.toBe(genOf(g0));
    expect(changedSince(g1, genOf(g0))).toEqual(["2024-08-02"]);
    const seen = (await getDailyPrice(db, "GN1", "2024-08-01"))!.updatedAt;
    await editManualPrice(db, { symbol: "GN1", date: "2024-08-01", values: v(3), by: "p", seenUpdatedAt: seen });
    await deleteManualPrice(db, { symbol: "GN1", date: "2024-08-02", by: "p", seenUpdatedAt: (await getDailyPrice(db, "GN1", "2024-08-02"))!.updatedAt });
    expect(changedSince(await getSymbolChanges(db, "GN1"), genOf(g0))).toEqual(["2024-08-01", "2024-08-02"]);
    expect(await getSymbolChanges(db, "GN2")).toEqual(other);
    await load([bar("GN1", "2024-08-01", 3)]); // the same values again: nothing changed, nothing logged
    expect(changedSince(await getSymbolChanges(db, "GN1"), genOf(g0))).toEqual(["2024-08-01", "2024-08-02"]);
    expect(await getSymbolChanges(db, "NOPE")).toBeNull();
  });

  it("a rebuild starts every symbol's log afresh, so a reader of an older generation reads whole", async () => {
    const before = await getSymbolChanges(db, "GN1");
    await rebuildSymbolSummaries(db, ["GN1"]);
    const after = await getSymbolChanges(db, "GN1");
    expect(genOf(after)).not.toBe(genOf(before));
    expect(changedSince(after, genOf(before))).toBeNull();
    expect((await summaries(["GN1"])).GN1).not.toHaveProperty("gen");
  });

  it("ensureSymbolSummaries builds the summaries of a database from before they existed, once", async () => {
    await symbolSummaries(db).deleteMany({});
    const lines: string[] = [];
    await ensureSymbolSummaries(db, (l) => lines.push(l));
    await ensureSymbolSummaries(db, (l) => lines.push(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/built the per-symbol summaries/);
    expect(await summaries(["LS1"])).toMatchObject({ LS1: { records: 2, first: "2024-05-01", last: "2024-05-02" } });
  });
});
