import { MongoBulkWriteError, type AnyBulkWriteOperation, type Db, type Filter, type WithId } from "mongodb";
import { AS_TRADED, fromStoredDate, sameValues, toStoredDate, type DailyPrice, type Feed, type PriceValues } from "../model/daily-price.js";
import type { RecordChange } from "../model/symbol-summary.js";
import type { CleanBar } from "../transform/bars.js";
import { dailyPrices } from "./daily-prices.server.js";
import { withDataWrite } from "./data-version.server.js";
import { duplicateKeyErrors } from "./duplicate-key.js";
import { applySummaryChanges, rebuildSymbolSummaries, recordState } from "./symbol-summaries.server.js";
import { MAX_HELD_UPDATES, withWriteLease } from "./write-lease.server.js";

/** The pipeline's load path into `daily_prices`: the keyed upsert of a batch of bars (decision 004). */

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

const VALUE_PROJECTION = {
  _id: 1,
  symbol: 1,
  date: 1,
  open: 1,
  high: 1,
  low: 1,
  close: 1,
  volume: 1,
  vwap: 1,
  transactions: 1,
  otc: 1,
  source: 1,
  feed: 1,
  basis: 1,
  deletedAt: 1,
} as const;
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
    await applySummaryChanges(
      db,
      added.map((b) => inserted(b, opts)),
    );
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

async function writeBatch(db: Db, batch: CleanBar[], existing: Map<string, Existing>, opts: UpsertOptions, counts: UpsertCounts, mayRetry: boolean): Promise<CleanBar[]> {
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
    await applySummaryChanges(
      db,
      inserts.map((i) => inserted(i.bar, opts)),
    );
    return [];
  } catch (e) {
    const errors = duplicateKeyErrors(e);
    if (!errors || !(e instanceof MongoBulkWriteError)) throw e;
    counts.inserted += e.result.insertedCount;
    const failed = new Set(errors.map((w) => w.index));
    await applySummaryChanges(
      db,
      inserts.filter((_, i) => !failed.has(i)).map((i) => inserted(i.bar, opts)),
    );
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
