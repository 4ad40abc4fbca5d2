/**
 * curated/daily_bars: one Parquet file per session, every ticker the lake
 * holds for it, as traded (decision 080). Built from raw/ only:
 *
 * - the session's grouped object, then the range pages covering it (those of
 *   their next_url chain only, as reprocess reads them), in that order; when
 *   a (symbol, session) repeats, the last one wins: the order and the rule
 *   of reprocess and of `upsertBars`, so the file holds what a reprocess of
 *   the same objects would load;
 * - parsed by the load step's parser (transform/bars.ts): a row it would
 *   quarantine is not curated;
 * - objects not as traded (`adjusted` not false: the old basis) are skipped.
 *
 * A session's file is rebuilt whole each time, so a re-run, a back-fill or a
 * truncated file all end with the same content; an unchanged file is not
 * written again (its lake version stays, so readers' caches stay valid).
 */
import { createHash } from "node:crypto";
import { groupedKey, groupedPrefix, parseKey, rangePrefix } from "../lake/layout.js";
import { parseAggregates, type CleanBar } from "../transform/bars.js";
import { rangeChains } from "../commands/backfill.server.js";
import type { Context } from "../commands/context.server.js";
import { progressBar } from "../commands/progress.js";
import { curatedBarsKey } from "./layout.js";
import type { CuratedBarRow, ParquetFiles } from "./parquet.server.js";

export type CurateContext = Pick<Context, "lake" | "log" | "config">;

export interface BarsReport {
  /** Sessions whose partition was (re)written or found equal. */
  sessions: string[];
  rows: number;
  written: number;
  unchanged: number;
  bytes: number;
  /** Rows the load step would quarantine: not curated. */
  rejected: number;
  /** Old-basis raw objects skipped. */
  skipped: string[];
}

export const PARQUET_CONTENT_TYPE = "application/vnd.apache.parquet";

/** One bar as a curated row: absent optional fields become null (vwap, transactions) or false (otc). */
export function curatedRow(b: CleanBar, feed: string): CuratedBarRow {
  return {
    symbol: b.symbol,
    open: b.open,
    high: b.high,
    low: b.low,
    close: b.close,
    volume: b.volume,
    vwap: b.vwap ?? null,
    transactions: b.transactions ?? null,
    otc: b.otc ?? false,
    feed,
  };
}

/** Parses one raw aggregates object, or returns null (and says so) when it is not as traded. */
async function asTradedBars(ctx: CurateContext, key: string, opts: { from: string; to: string; expectedDate?: string }, report: BarsReport): Promise<CleanBar[] | null> {
  const { body } = await ctx.lake.get(key);
  const parsed = parseAggregates(key, body, { tickers: "*", ...opts });
  if (parsed.adjusted !== false) {
    report.skipped.push(key);
    ctx.log(`curate: skipping ${key}: its bars are not as traded (adjusted: ${String(parsed.adjusted)}); the curated layer holds as-traded bars only`);
    return null;
  }
  report.rejected += parsed.rejects.length;
  return parsed.bars;
}

/**
 * (Re)writes the curated partition of every session in [from, to] for which
 * the lake holds a grouped object or a range page. Reads each raw object once.
 */
export async function curateBars(ctx: CurateContext, files: ParquetFiles, from: string, to: string, rangeSessionsOnly = false): Promise<BarsReport> {
  const feed = ctx.config.feed;
  const report: BarsReport = { sessions: [], rows: 0, written: 0, unchanged: 0, bytes: 0, rejected: 0, skipped: [] };
  const groupedDates = new Set<string>();
  for (const key of await ctx.lake.list(groupedPrefix(feed))) {
    const p = parseKey(key);
    if (p?.kind === "grouped" && p.date >= from && p.date <= to) groupedDates.add(p.date);
  }
  const ranges = (await ctx.lake.list(rangePrefix(feed))).filter((k) => {
    const p = parseKey(k);
    return p?.kind === "range" && p.from <= to && p.to >= from;
  });
  const { chained, stale } = await rangeChains(ctx, ranges);
  for (const k of stale) ctx.log(`curate: ignoring ${k}: it is not part of its response's next_url chain`);
  // Range bars are few (a back-fill's tickers); a grouped object (the whole market) is read one session at a time.
  const fromRanges = new Map<string, CleanBar[]>();
  for (const key of chained) {
    for (const bar of (await asTradedBars(ctx, key, { from, to }, report)) ?? []) {
      let list = fromRanges.get(bar.date);
      if (!list) fromRanges.set(bar.date, (list = []));
      list.push(bar);
    }
  }
  const sessions = [...new Set([...(rangeSessionsOnly ? [] : groupedDates), ...fromRanges.keys()])].sort();
  for (const [i, date] of sessions.entries()) {
    const grouped = groupedDates.has(date) ? await asTradedBars(ctx, groupedKey(feed, date), { from: date, to: date, expectedDate: date }, report) : null;
    const merged = new Map<string, CleanBar>();
    for (const b of [...(grouped ?? []), ...(fromRanges.get(date) ?? [])]) merged.set(b.symbol, b);
    if (merged.size === 0) continue;
    const rows = [...merged.values()].map((b) => curatedRow(b, feed));
    const body = await files.barsFile(rows);
    const changed = await putIfChanged(ctx, curatedBarsKey(date), body, { feed, rows: String(rows.length) });
    report.sessions.push(date);
    report.rows += rows.length;
    report.bytes += body.length;
    if (changed) report.written++;
    else report.unchanged++;
    if ((i + 1) % 25 === 0 || i + 1 === sessions.length) ctx.log(`${progressBar(i + 1, sessions.length)} curated ${curatedBarsKey(date)} (${rows.length} rows)`);
  }
  return report;
}

/** Puts `body` under `key` unless the lake already holds the same bytes; true when it wrote. */
export async function putIfChanged(ctx: CurateContext, key: string, body: Buffer, meta: Record<string, string>): Promise<boolean> {
  const sha256 = createHash("sha256").update(body).digest("hex");
  if (await ctx.lake.exists(key)) {
    const old = await ctx.lake.get(key).catch(() => undefined);
    if (old && old.body.equals(body)) return false;
  }
  await ctx.lake.put(key, body, { contentType: PARQUET_CONTENT_TYPE, bytes: String(body.length), sha256, ...meta });
  return true;
}
