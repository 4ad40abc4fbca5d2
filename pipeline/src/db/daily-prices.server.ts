import type { Collection, Db, Filter } from "mongodb";
import { fromStoredDate, toStoredDate, type DailyPrice } from "../model/daily-price.js";
import { ensureIndexes, type IndexDef } from "./indexes.server.js";
import { listSummarizedSymbols } from "./symbol-summaries.server.js";

/**
 * `daily_prices`: the collection, its indexes and the reads both the pipeline
 * and the web app make. The writes live beside it, one module per caller:
 * pipeline-upserts.server.ts (the load path), manual-prices.server.ts (a
 * person's writes), and the records page's queries in records-query.server.ts.
 * Routes and commands never build queries on this collection themselves.
 */
export const DAILY_PRICES = "daily_prices";

export function dailyPrices(db: Db): Collection<DailyPrice> {
  return db.collection<DailyPrice>(DAILY_PRICES);
}

/** The indexes of `daily_prices` (the records page adds `date_symbol`). */
export const DAILY_PRICE_INDEXES: readonly IndexDef[] = [
  { key: { symbol: 1, date: 1 }, options: { name: "symbol_date_unique", unique: true } },
  { key: { date: 1 }, options: { name: "date" } },
  // Only tombstones carry deletedAt: a sparse index finds them without reading the live records.
  { key: { deletedAt: 1 }, options: { name: "deleted_sparse", sparse: true } },
];

/** Creates the indexes if missing; safe to call at every start-up. */
export async function ensureDailyPriceIndexes(db: Db): Promise<void> {
  await ensureIndexes(dailyPrices(db), DAILY_PRICE_INDEXES);
}

/** Not deleted by a person: what readers see. */
export const LIVE: Filter<DailyPrice> = { deletedAt: { $exists: false } };

/** One record by key (tombstones included only when asked). */
export function getDailyPrice(db: Db, symbol: string, date: string, opts: { includeDeleted?: boolean } = {}): Promise<DailyPrice | null> {
  return dailyPrices(db).findOne({ symbol, date: toStoredDate(date), ...(opts.includeDeleted ? {} : LIVE) });
}

/** A symbol's history in date order, for charts and checks. */
export function getHistory(db: Db, symbol: string, range: { from?: string; to?: string } = {}): Promise<DailyPrice[]> {
  const date: Record<string, Date> = {};
  if (range.from) date.$gte = toStoredDate(range.from);
  if (range.to) date.$lte = toStoredDate(range.to);
  return dailyPrices(db)
    .find({ symbol, ...(range.from || range.to ? { date } : {}), ...LIVE })
    .sort({ date: 1 })
    .toArray();
}

/** Distinct symbols that have live records, sorted: from their summaries, never a scan of the records. */
export function listSymbols(db: Db): Promise<string[]> {
  return listSummarizedSymbols(db);
}

/** Live records of one symbol stored before the switch to as-traded prices (no `basis`). */
export interface OldBasisRange {
  symbol: string;
  records: number;
  /** First and last date, YYYY-MM-DD. */
  from: string;
  to: string;
}

/**
 * Live records without a basis, per symbol (sorted): `pipeline` ones hold
 * split-adjusted values and are re-fetched as traded; `manual` ones were
 * edited by hand before the switch, which a person checks (the pipeline
 * never rewrites them unasked). Tombstones are left out: nobody reads them.
 */
export async function oldBasisRecords(db: Db, symbols?: readonly string[]): Promise<{ pipeline: OldBasisRange[]; manual: OldBasisRange[] }> {
  // No index can hold "field missing", and FerretDB has no $min/$max in $group: one projected pass, summed here,
  // over only the symbols the caller knows to have some (their summaries count them).
  const groups = { pipeline: new Map<string, OldBasisRange>(), manual: new Map<string, OldBasisRange>() };
  if (symbols?.length === 0) return { pipeline: [], manual: [] };
  const cursor = dailyPrices(db).find(
    { ...(symbols ? { symbol: { $in: [...symbols] } } : {}), basis: { $exists: false }, ...LIVE },
    { projection: { _id: 0, symbol: 1, date: 1, source: 1 } },
  );
  for await (const d of cursor) {
    const date = fromStoredDate(d.date);
    const group = d.source === "manual" ? groups.manual : groups.pipeline;
    const range = group.get(d.symbol);
    if (!range) group.set(d.symbol, { symbol: d.symbol, records: 1, from: date, to: date });
    else {
      range.records++;
      if (date < range.from) range.from = date;
      if (date > range.to) range.to = date;
    }
  }
  const sorted = (m: Map<string, OldBasisRange>) => [...m.values()].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  return { pipeline: sorted(groups.pipeline), manual: sorted(groups.manual) };
}

/** The symbol's most recent live record. */
export function latestDailyPrice(db: Db, symbol: string): Promise<DailyPrice | null> {
  return dailyPrices(db).findOne({ symbol, ...LIVE }, { sort: { date: -1 } });
}
