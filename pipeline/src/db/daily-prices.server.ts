import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Db, type Filter, type WithId } from "mongodb";
import { AS_TRADED, fromStoredDate, sameValues, toStoredDate, type DailyPrice, type Feed, type PriceValues } from "../model/daily-price.js";
import type { CleanBar } from "../transform/bars.js";
import type { RecordChange } from "../model/symbol-summary.js";
import { withDataWrite } from "./data-version.server.js";
import { ensureIndexes, type IndexDef } from "./indexes.server.js";
import { findPageByDate } from "./records-by-date.server.js";
import { applySummaryChanges, countLiveRecords, listSummarizedSymbols, rebuildSymbolSummaries, recordState } from "./symbol-summaries.server.js";
import { MAX_HELD_UPDATES, withWriteLease } from "./write-lease.server.js";

/**
 * The one data-access module for `daily_prices`, shared by the pipeline and the
 * web app: indexes, the pipeline's upsert path and the queries. Routes and
 * commands never build queries on this collection themselves.
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

export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Left alone because a person edited or deleted them. */
  protectedManual: number;
}

/**
 * The bars are as traded: the only basis the pipeline loads now (loadObject
 * refuses split-adjusted objects), so every record written here is marked
 * `basis: "as-traded"`.
 */
export interface UpsertOptions {
  feed: Feed;
  runId: string;
  /** lake key per bar (bars of one object share it). */
  lakeObjectOf: (bar: CleanBar) => string;
  /** Overwrite (and resurrect) records a person edited or deleted. */
  overwriteManual?: boolean;
  batchSize?: number;
  now?: Date;
}

const VALUE_PROJECTION = { _id: 1, symbol: 1, date: 1, open: 1, high: 1, low: 1, close: 1, volume: 1, vwap: 1, transactions: 1, otc: 1, source: 1, feed: 1, basis: 1, deletedAt: 1 } as const;
type Existing = Pick<WithId<DailyPrice>, keyof typeof VALUE_PROJECTION>;

const keyOf = (symbol: string, date: string) => `${symbol}\u0000${date}`;

/**
 * Writes bars as a keyed upsert on (symbol, date): it reads what is stored for
 * the input's keys in one query, then sends unordered bulkWrites per batch:
 * the updates of changed records (under the write lease, in holds of at most
 * MAX_HELD_UPDATES), then the inserts of new keys.
 * Unchanged records cost no write (a re-run modifies nothing); a record with
 * the same values but no basis (stored split-adjusted before the switch, on a
 * day no split made the two differ) is updated, so a re-fetch as traded marks
 * it. Hand-edited
 * ones are counted as protected, and the update filters repeat that
 * protection so a person's edit landing between the read and the write wins.
 * The unique index is the guard against duplicates: a concurrent writer that
 * inserts a key first makes ours fail with E11000, and those bars go round
 * again against the new state. (Why not `updateOne({upsert: true})` for
 * every bar: docs/decisions/004-keyed-upsert.md.)
 */
export function upsertPipelineBars(db: Db, input: readonly CleanBar[], opts: UpsertOptions): Promise<UpsertCounts> {
  // Every write bumps the data version and reports its record changes to the summaries (decision 071).
  return withDataWrite(db, () => upsertBars(db, input, opts));
}

async function upsertBars(db: Db, input: readonly CleanBar[], opts: UpsertOptions): Promise<UpsertCounts> {
  const counts: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0, protectedManual: 0 };
  const size = opts.batchSize ?? 1000;
  // Last one wins when a key repeats (grouped and range objects of the same day).
  const unique = [...new Map(input.map((b) => [keyOf(b.symbol, b.date), b])).values()];
  // Insert first: a new day or a new back-fill range then costs no read at all
  // (on FerretDB the read scans the whole collection). A probe batch tells a new
  // load from a re-run; keys that already exist come back as E11000 and take the
  // compare path below, which is also where hand-edited records stay protected.
  const probe = unique.slice(0, Math.min(PROBE_SIZE, size));
  const added: CleanBar[] = [];
  let pending: CleanBar[];
  try {
    pending = await insertNew(db, probe, opts, counts, added);
    if (pending.length === 0) {
      for (let i = probe.length; i < unique.length; i += size) pending.push(...(await insertNew(db, unique.slice(i, i + size), opts, counts, added)));
    } else {
      pending.push(...unique.slice(probe.length));
    }
  } finally {
    // One summary write for all the inserts, not one per batch (a whole-market day touches every
    // summary bucket, and each batch would read and rewrite them all), and also when a later batch failed.
    await applySummaryChanges(db, added.map((b) => inserted(b, opts)));
  }
  for (let pass = 1; pending.length > 0; pass++) {
    const existing = await readExisting(db, pending);
    const raced: CleanBar[] = [];
    for (let i = 0; i < pending.length; i += size) {
      raced.push(...(await writeBatch(db, pending.slice(i, i + size), existing, opts, counts, pass < 3)));
    }
    pending = raced;
  }
  return counts;
}

const PROBE_SIZE = 100;

/** A new pipeline record, as the summaries count it. */
const inserted = (bar: CleanBar, opts: UpsertOptions): RecordChange => ({ symbol: bar.symbol, before: null, after: { date: bar.date, feed: opts.feed, manual: false } });

/** Unordered inserts; adds the inserted bars to `added`, returns the bars whose key already exists (E11000). */
async function insertNew(db: Db, bars: readonly CleanBar[], opts: UpsertOptions, counts: UpsertCounts, added: CleanBar[]): Promise<CleanBar[]> {
  if (bars.length === 0) return [];
  const now = opts.now ?? new Date();
  try {
    const r = await dailyPrices(db).bulkWrite(
      bars.map((bar) => ({ insertOne: { document: newDocument(bar, opts, now) } })),
      { ordered: false },
    );
    counts.inserted += r.insertedCount;
    added.push(...bars);
    return [];
  } catch (e) {
    const errors = duplicateKeyErrors(e);
    if (!errors) throw e;
    counts.inserted += bars.length - errors.length;
    const failed = new Set(errors.map((w) => w.index));
    added.push(...bars.filter((_, i) => !failed.has(i)));
    return bars.filter((_, i) => failed.has(i));
  }
}

function newDocument(bar: CleanBar, opts: UpsertOptions, now: Date): DailyPrice {
  return {
    symbol: bar.symbol,
    date: toStoredDate(bar.date),
    ...valuesOf(bar),
    source: "pipeline",
    basis: AS_TRADED,
    feed: opts.feed,
    lakeObject: opts.lakeObjectOf(bar),
    runId: opts.runId,
    updatedAt: now,
    ingestedAt: now,
  };
}

/** The write errors of a bulk write when every one of them is a duplicate key; otherwise undefined. */
function duplicateKeyErrors(e: unknown): { index: number }[] | undefined {
  if (!(e instanceof MongoBulkWriteError)) return undefined;
  const errors = Array.isArray(e.writeErrors) ? e.writeErrors : [e.writeErrors];
  return errors.length > 0 && errors.every((w) => w.code === 11000) ? errors : undefined;
}

/** What is stored for the bars' keys, in one query shaped to use an index. */
async function readExisting(db: Db, bars: readonly CleanBar[]): Promise<Map<string, Existing>> {
  const symbols = [...new Set(bars.map((b) => b.symbol))];
  const dates = [...new Set(bars.map((b) => b.date))].sort();
  const wanted = new Set(bars.map((b) => keyOf(b.symbol, b.date)));
  // A grouped day is one date and many symbols; a back-fill is one symbol and many dates.
  const filter: Filter<DailyPrice> =
    dates.length <= symbols.length
      ? { date: dates.length === 1 ? toStoredDate(dates[0]!) : { $in: dates.map(toStoredDate) } }
      : { symbol: { $in: symbols }, date: { $gte: toStoredDate(dates[0]!), $lte: toStoredDate(dates[dates.length - 1]!) } };
  const out = new Map<string, Existing>();
  for await (const doc of dailyPrices(db).find(filter, { projection: VALUE_PROJECTION })) {
    const key = keyOf(doc.symbol, fromStoredDate(doc.date));
    if (wanted.has(key)) out.set(key, doc);
  }
  return out;
}

async function writeBatch(
  db: Db,
  batch: CleanBar[],
  existing: Map<string, Existing>,
  opts: UpsertOptions,
  counts: UpsertCounts,
  mayRetry: boolean,
): Promise<CleanBar[]> {
  const now = opts.now ?? new Date();
  const inserts: { op: AnyBulkWriteOperation<DailyPrice>; bar: CleanBar }[] = [];
  const updates: AnyBulkWriteOperation<DailyPrice>[] = [];
  const updated: RecordChange[] = [];
  for (const bar of batch) {
    const old = existing.get(keyOf(bar.symbol, bar.date));
    const values = valuesOf(bar);
    const provenance = { feed: opts.feed, lakeObject: opts.lakeObjectOf(bar), runId: opts.runId, updatedAt: now };
    if (!old) {
      inserts.push({ op: { insertOne: { document: newDocument(bar, opts, now) } }, bar });
    } else if (old.source === "manual" && !opts.overwriteManual) {
      counts.protectedManual++;
    } else if (old.source !== "manual" && old.feed === opts.feed && old.basis === AS_TRADED && sameValues(old, values)) {
      counts.unchanged++;
    } else {
      // Fields the new values lack must go, and so does a person's tombstone when overwriting.
      const unset: Record<string, ""> = { deletedAt: "", updatedBy: "" };
      for (const f of ["vwap", "transactions", "otc"] as const) if (values[f] === undefined) unset[f] = "";
      updated.push({ symbol: bar.symbol, before: recordState(old), after: { date: bar.date, feed: opts.feed, manual: false } });
      updates.push({
        updateOne: {
          filter: { _id: old._id, ...(opts.overwriteManual ? {} : { source: "pipeline" }) },
          update: { $set: { ...values, source: "pipeline", basis: AS_TRADED, ...provenance }, $unset: unset },
        },
      });
    }
  }
  // Updates are guarded by their filter; the lease makes that guard hold on
  // servers whose updates are not atomic (write-lease.server.ts). Short holds,
  // so a person's edit waits for at most one of them.
  for (let i = 0; i < updates.length; i += MAX_HELD_UPDATES) {
    const chunk = updates.slice(i, i + MAX_HELD_UPDATES);
    const r = await withWriteLease(db, () => dailyPrices(db).bulkWrite(chunk, { ordered: false }));
    const changes = updated.slice(i, i + MAX_HELD_UPDATES);
    // All matched: each went from the state read to ours. Otherwise which did is unknown: recount those symbols.
    if (r.matchedCount === chunk.length) await applySummaryChanges(db, changes);
    else await rebuildSymbolSummaries(db, [...new Set(changes.map((c) => c.symbol))]);
    counts.updated += r.modifiedCount;
    counts.unchanged += r.matchedCount - r.modifiedCount;
    // An update whose filter no longer matched (a person's edit in between) leaves the record as it is.
    counts.protectedManual += chunk.length - r.matchedCount;
  }
  if (inserts.length === 0) return [];
  try {
    const r = await dailyPrices(db).bulkWrite(
      inserts.map((i) => i.op),
      { ordered: false },
    );
    counts.inserted += r.insertedCount;
    await applySummaryChanges(db, inserts.map((i) => inserted(i.bar, opts)));
    return [];
  } catch (e) {
    const errors = duplicateKeyErrors(e);
    if (!errors || !(e instanceof MongoBulkWriteError)) throw e;
    counts.inserted += e.result.insertedCount;
    const failed = new Set(errors.map((w) => w.index));
    await applySummaryChanges(db, inserts.filter((_, i) => !failed.has(i)).map((i) => inserted(i.bar, opts)));
    if (!mayRetry) throw e;
    return inserts.filter((_, i) => failed.has(i)).map((i) => i.bar);
  }
}

function valuesOf(bar: CleanBar): PriceValues {
  const v: PriceValues = { open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: bar.volume };
  if (bar.vwap !== undefined) v.vwap = bar.vwap;
  if (bar.transactions !== undefined) v.transactions = bar.transactions;
  if (bar.otc !== undefined) v.otc = bar.otc;
  return v;
}

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
  const cursor = dailyPrices(db).find({ ...(symbols ? { symbol: { $in: [...symbols] } } : {}), basis: { $exists: false }, ...LIVE }, { projection: { _id: 0, symbol: 1, date: 1, source: 1 } });
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

/** A person's edit: marks the record manual so the pipeline leaves it alone. */
export async function applyManualEdit(db: Db, symbol: string, date: string, values: PriceValues, by: string): Promise<boolean> {
  const set = { ...values, source: "manual" as const, basis: AS_TRADED, updatedAt: new Date(), updatedBy: by };
  return manualWrite(db, symbol, () =>
    withWriteLease(db, () => dailyPrices(db).findOneAndUpdate({ symbol, date: toStoredDate(date), ...LIVE }, { $set: set }, { returnDocument: "before" })),
    (before) => ({ ...before, ...set }),
  );
}

/** One person's write of one record between the data-version bumps, its change reported to the summary. */
async function manualWrite(db: Db, symbol: string, write: () => Promise<DailyPrice | null>, after: (before: DailyPrice) => DailyPrice): Promise<boolean> {
  return withDataWrite(db, async () => {
    const before = await write();
    if (before) await applySummaryChanges(db, [{ symbol, before: recordState(before), after: recordState(after(before)) }]);
    return before !== null;
  });
}

/** Reports a person's write (ManualWriteResult) to the summary. */
async function summarized(db: Db, symbol: string, r: ManualWriteResult): Promise<ManualWriteResult> {
  if (r.ok) await applySummaryChanges(db, [{ symbol, before: recordState(r.before), after: recordState(r.after) }]);
  return r;
}

/** A person's delete: a tombstone, so a later pipeline run does not resurrect the record. */
export async function applyManualDelete(db: Db, symbol: string, date: string, by: string): Promise<boolean> {
  const now = new Date();
  const set = { source: "manual" as const, deletedAt: now, updatedAt: now, updatedBy: by };
  return manualWrite(db, symbol, () =>
    withWriteLease(db, () => dailyPrices(db).findOneAndUpdate({ symbol, date: toStoredDate(date), ...LIVE }, { $set: set }, { returnDocument: "before" })),
    (before) => ({ ...before, ...set }),
  );
}

// --- Verbs for the web app: the records page, and a person's create/edit/delete
// with optimistic concurrency (the caller sends the `updatedAt` it last saw),
// plus the restore that undoes one change. No transactions (FerretDB has none):
// every write is one single-document operation whose filter is its guard,
// taken under the write lease where that guard must hold against the pipeline
// (write-lease.server.ts).

/** Filters of the records page and of its CSV export. */
export interface DailyPriceQuery {
  symbol?: string;
  from?: string;
  to?: string;
  source?: import("../model/daily-price.js").RecordSource;
}

export type DailyPriceSortField = "date" | "symbol" | "close" | "volume" | "updatedAt";

export interface DailyPriceOrder {
  sort: DailyPriceSortField;
  dir: 1 | -1;
}

function dailyPriceFilter(q: DailyPriceQuery): Filter<DailyPrice> {
  const date: Record<string, Date> = {};
  if (q.from) date.$gte = toStoredDate(q.from);
  if (q.to) date.$lte = toStoredDate(q.to);
  return {
    ...(q.symbol ? { symbol: q.symbol } : {}),
    ...(q.from || q.to ? { date } : {}),
    ...(q.source ? { source: q.source } : {}),
    ...LIVE,
  };
}

/** A total order (the unique key breaks ties), so skip/limit pages never overlap. */
function dailyPriceSort(o: DailyPriceOrder): import("mongodb").Sort {
  const d = o.dir;
  switch (o.sort) {
    case "symbol":
      return { symbol: d, date: d };
    case "date":
      return { date: d, symbol: d };
    default:
      return { [o.sort]: d, symbol: 1, date: 1 };
  }
}

/** Creates the extra index the records page sorts on; safe at every start-up. */
export async function ensureRecordsPageIndexes(db: Db): Promise<void> {
  await ensureIndexes(dailyPrices(db), [{ key: { date: 1, symbol: 1 }, options: { name: "date_symbol" } }]);
}

/**
 * One page of live records and the number of matches: from the summaries when
 * only a symbol (or nothing) filters, else countDocuments (not $facet).
 */
export async function findDailyPricesPage(
  db: Db,
  q: DailyPriceQuery,
  page: DailyPriceOrder & { skip: number; limit: number },
): Promise<{ rows: DailyPrice[]; total: number }> {
  const filter = dailyPriceFilter(q);
  // Every symbol in date order (the page's default) is read date by date: records-by-date.server.ts.
  const byDate = page.sort === "date" && !q.symbol && !q.source;
  const [rows, total] = await Promise.all([
    byDate
      ? findPageByDate(db, { from: q.from, to: q.to }, page.dir, page.skip, page.limit)
      : dailyPrices(db).find(filter).sort(dailyPriceSort(page)).skip(page.skip).limit(page.limit).toArray(),
    q.from || q.to || q.source ? dailyPrices(db).countDocuments(filter) : countLiveRecords(db, q.symbol),
  ]);
  return { rows, total };
}

/** Every live record matching the filters, in page order: a cursor to stream (CSV export). */
export function findDailyPrices(db: Db, q: DailyPriceQuery, order: DailyPriceOrder): import("mongodb").FindCursor<DailyPrice> {
  return dailyPrices(db).find(dailyPriceFilter(q)).sort(dailyPriceSort(order));
}

/** The symbol's most recent live record. */
export function latestDailyPrice(db: Db, symbol: string): Promise<DailyPrice | null> {
  return dailyPrices(db).findOne({ symbol, ...LIVE }, { sort: { date: -1 } });
}

/** Outcome of a person's write; `current` is what is stored now when refused. */
export type ManualWriteResult =
  | { ok: true; before: DailyPrice | null; after: DailyPrice | null }
  | { ok: false; reason: "duplicate" | "conflict"; current: DailyPrice }
  | { ok: false; reason: "missing"; current: null };

const isDuplicateKey = (e: unknown) => typeof e === "object" && e !== null && (e as { code?: unknown }).code === 11000;

/** After a refused guarded write: the record changed (conflict) or is gone (missing). */
async function refused(db: Db, symbol: string, date: string): Promise<ManualWriteResult> {
  const current = await getDailyPrice(db, symbol, date);
  return current ? { ok: false, reason: "conflict", current } : { ok: false, reason: "missing", current: null };
}

/**
 * A person creates a record. An existing live (symbol, date) is a duplicate,
 * never a second row (the unique index decides); a key a person deleted
 * before (a tombstone) is brought back with the new values.
 */
export function insertManualPrice(db: Db, symbol: string, date: string, values: PriceValues, by: string, now = new Date()): Promise<ManualWriteResult> {
  return withDataWrite(db, async () => summarized(db, symbol, await insertManual(db, symbol, date, values, by, now)));
}

async function insertManual(db: Db, symbol: string, date: string, values: PriceValues, by: string, now: Date): Promise<ManualWriteResult> {
  const doc: DailyPrice = { symbol, date: toStoredDate(date), ...values, source: "manual", basis: AS_TRADED, ingestedAt: now, updatedAt: now, updatedBy: by };
  try {
    await dailyPrices(db).insertOne({ ...doc });
    return { ok: true, before: null, after: doc };
  } catch (e) {
    if (!isDuplicateKey(e)) throw e;
  }
  const unset: Record<string, ""> = { deletedAt: "" };
  for (const f of ["vwap", "transactions", "otc"] as const) if (values[f] === undefined) unset[f] = "";
  const set = { ...values, source: "manual" as const, basis: AS_TRADED, updatedAt: now, updatedBy: by };
  const before = await withWriteLease(db, () =>
    dailyPrices(db).findOneAndUpdate({ symbol, date: toStoredDate(date), deletedAt: { $exists: true } }, { $set: set, $unset: unset }, { returnDocument: "before" }),
  );
  if (before) {
    const after: DailyPrice = { ...before, ...set };
    for (const f of Object.keys(unset)) delete (after as unknown as Record<string, unknown>)[f];
    return { ok: true, before, after };
  }
  const current = await getDailyPrice(db, symbol, date);
  return current ? { ok: false, reason: "duplicate", current } : insertManual(db, symbol, date, values, by, now);
}

/**
 * A person edits a record they saw at `seenUpdatedAt`. Refused as a conflict
 * when it changed since (another person, or a pipeline run), so no update is lost.
 */
export function editManualPrice(
  db: Db,
  symbol: string,
  date: string,
  values: PriceValues,
  by: string,
  seenUpdatedAt: Date,
  now = new Date(),
): Promise<ManualWriteResult> {
  const set = { ...values, source: "manual" as const, basis: AS_TRADED, updatedAt: now, updatedBy: by };
  return withDataWrite(db, async () => {
    const before = await withWriteLease(db, () =>
      dailyPrices(db).findOneAndUpdate({ symbol, date: toStoredDate(date), updatedAt: seenUpdatedAt, ...LIVE }, { $set: set }, { returnDocument: "before" }),
    );
    return summarized(db, symbol, before ? { ok: true, before, after: { ...before, ...set } } : await refused(db, symbol, date));
  });
}

/** A person deletes a record they saw at `seenUpdatedAt`: a tombstone, refused when it changed since. */
export function deleteManualPrice(db: Db, symbol: string, date: string, by: string, seenUpdatedAt: Date, now = new Date()): Promise<ManualWriteResult> {
  const set = { source: "manual" as const, deletedAt: now, updatedAt: now, updatedBy: by };
  return withDataWrite(db, async () => {
    const before = await withWriteLease(db, () =>
      dailyPrices(db).findOneAndUpdate({ symbol, date: toStoredDate(date), updatedAt: seenUpdatedAt, ...LIVE }, { $set: set }, { returnDocument: "before" }),
    );
    return summarized(db, symbol, before ? { ok: true, before, after: { ...before, ...set } } : await refused(db, symbol, date));
  });
}

/**
 * Puts a record back to an earlier state (undo): `state` null removes the
 * document, otherwise it replaces it (tombstone or live, with its provenance)
 * stamped `updatedAt: now`. Only if the stored document is still the one
 * last seen at `seenUpdatedAt`; otherwise a conflict with what is stored.
 */
export function restoreDailyPrice(
  db: Db,
  symbol: string,
  date: string,
  state: DailyPrice | null,
  seenUpdatedAt: Date,
  now = new Date(),
): Promise<ManualWriteResult> {
  return withDataWrite(db, async () => summarized(db, symbol, await restore(db, symbol, date, state, seenUpdatedAt, now)));
}

async function restore(db: Db, symbol: string, date: string, state: DailyPrice | null, seenUpdatedAt: Date, now: Date): Promise<ManualWriteResult> {
  const filter = { symbol, date: toStoredDate(date), updatedAt: seenUpdatedAt };
  const done = await withWriteLease(db, async (): Promise<ManualWriteResult | undefined> => {
    const before = await dailyPrices(db).findOne(filter);
    if (!before) return undefined;
    if (state === null) {
      const r = await dailyPrices(db).deleteOne(filter);
      if (r.deletedCount === 1) return { ok: true, before, after: null };
    } else {
      const { _id: _ignored, ...rest } = state as WithId<DailyPrice>;
      const after: DailyPrice = { ...rest, symbol, date: toStoredDate(date), updatedAt: now };
      const r = await dailyPrices(db).replaceOne(filter, after);
      if (r.matchedCount === 1) return { ok: true, before, after };
    }
    return undefined;
  });
  if (done) return done;
  const current = await getDailyPrice(db, symbol, date, { includeDeleted: true });
  return current ? { ok: false, reason: "conflict", current } : { ok: false, reason: "missing", current: null };
}
