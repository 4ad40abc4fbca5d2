import { randomUUID } from "node:crypto";
import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Db } from "mongodb";
import { fromStoredDate, type DailyPrice } from "../model/daily-price.js";
import { applyChanges, emptySummary, isNoop, summarize, type RecordChange, type RecordState, type SummaryFields } from "../model/symbol-summary.js";
import { chunks } from "./batching.server.js";
import { dailyPrices, LIVE } from "./daily-prices.server.js";
import { withDataWrite } from "./data-version.server.js";

/**
 * The one data-access module for `symbol_summaries`: one document per symbol
 * (`_id` is the symbol) with what pages need instead of scanning
 * `daily_prices`: first and last live session, live count, the gaps, feeds,
 * manual count. Every write to `daily_prices` reports its record changes
 * here (applySummaryChanges); `rebuildSymbolSummaries` recomputes from the
 * records. Why and how: docs/decisions/071-symbol-summaries-and-read-cache.md.
 */
export const SYMBOL_SUMMARIES = "symbol_summaries";

export interface SymbolSummary extends SummaryFields {
  _id: string;
  /** Changes on every write: the optimistic-concurrency guard. */
  rev: string;
  updatedAt: Date;
}

export function symbolSummaries(db: Db): Collection<SymbolSummary> {
  return db.collection<SymbolSummary>(SYMBOL_SUMMARIES);
}

/** What a summary counts of a stored record: nothing for a tombstone. */
export function recordState(doc: Pick<DailyPrice, "date" | "source" | "feed" | "basis" | "deletedAt"> | null | undefined): RecordState | null {
  if (!doc || doc.deletedAt !== undefined) return null;
  return { date: fromStoredDate(doc.date), ...(doc.feed ? { feed: doc.feed } : {}), manual: doc.source === "manual", ...(doc.basis ? {} : { oldBasis: true as const }) };
}

const MAX_PASSES = 5;

/**
 * Applies record changes to their symbols' summaries: one read of the
 * summaries by `_id: {$in}` and one unordered bulkWrite per pass. Each write
 * is filtered on the `rev` it read, so a concurrent writer's change is never
 * overwritten: the symbols whose write did not match go round again.
 */
export async function applySummaryChanges(db: Db, changes: readonly RecordChange[]): Promise<void> {
  const bySymbol = new Map<string, RecordChange[]>();
  for (const c of changes) {
    if (isNoop(c)) continue;
    let list = bySymbol.get(c.symbol);
    if (!list) bySymbol.set(c.symbol, (list = []));
    list.push(c);
  }
  let pending = [...bySymbol.keys()];
  for (let pass = 1; pending.length > 0; pass++) {
    if (pass > MAX_PASSES) {
      // Never leave a summary wrong: recompute what kept colliding from the records.
      await rebuildSymbolSummaries(db, pending);
      return;
    }
    const stored = new Map<string, SymbolSummary>();
    for await (const s of symbolSummaries(db).find({ _id: { $in: pending } })) stored.set(s._id, s);
    const now = new Date();
    const ops: AnyBulkWriteOperation<SymbolSummary>[] = [];
    const revs = new Map<string, string>();
    for (const symbol of pending) {
      const old = stored.get(symbol);
      const rev = randomUUID();
      revs.set(symbol, rev);
      const fields = applyChanges(old ?? emptySummary(), bySymbol.get(symbol)!);
      const doc: SymbolSummary = { _id: symbol, ...fields, rev, updatedAt: now };
      ops.push(old ? { replaceOne: { filter: { _id: symbol, rev: old.rev }, replacement: doc } } : { insertOne: { document: doc } });
    }
    if ((await writeOps(db, ops)) === ops.length) return;
    // Some insert met a summary another writer created, or some replace met a newer rev: find which did not land.
    const landed = new Set<string>();
    for await (const s of symbolSummaries(db).find({ _id: { $in: pending } }, { projection: { _id: 1, rev: 1 } })) {
      if (s.rev === revs.get(s._id)) landed.add(s._id);
    }
    pending = pending.filter((s) => !landed.has(s));
  }
}

/**
 * Sends the inserts in one command and the replaces in commands of at most
 * MAX_UPDATES_PER_COMMAND (FerretDB on PostgreSQL hangs on more: batching.server.ts).
 * Returns how many landed, inserts refused as duplicates not counted.
 */
async function writeOps(db: Db, ops: AnyBulkWriteOperation<SymbolSummary>[]): Promise<number> {
  let landed = 0;
  const inserts = ops.filter((o) => "insertOne" in o);
  const replaces = ops.filter((o) => !("insertOne" in o));
  for (const batch of [...(inserts.length ? [inserts] : []), ...chunks(replaces)]) {
    try {
      const r = await symbolSummaries(db).bulkWrite(batch, { ordered: false });
      landed += r.insertedCount + r.matchedCount + r.upsertedCount;
    } catch (e) {
      if (!(e instanceof MongoBulkWriteError)) throw e;
      const errors = Array.isArray(e.writeErrors) ? e.writeErrors : [e.writeErrors];
      if (!errors.every((w) => w.code === 11000)) throw e;
    }
  }
  return landed;
}

/**
 * Recomputes the summaries of `symbols` (every symbol when omitted) from the
 * live records: one projected read of `daily_prices`. A symbol left with no
 * live record keeps a summary that says so (records 0). Also for a person
 * who changed `daily_prices` by hand, outside the write paths.
 */
export function rebuildSymbolSummaries(db: Db, symbols?: readonly string[]): Promise<number> {
  // Pages read the summaries: rewriting them moves the data version like any write.
  return withDataWrite(db, () => rebuild(db, symbols));
}

async function rebuild(db: Db, symbols?: readonly string[]): Promise<number> {
  const states = new Map<string, RecordState[]>();
  for (const s of symbols ?? []) states.set(s, []);
  const cursor = dailyPrices(db).find(
    { ...(symbols ? { symbol: { $in: [...symbols] } } : {}), ...LIVE },
    { projection: { _id: 0, symbol: 1, date: 1, source: 1, feed: 1, basis: 1 } },
  );
  for await (const d of cursor) {
    let list = states.get(d.symbol);
    if (!list) states.set(d.symbol, (list = []));
    list.push(recordState(d)!);
  }
  if (!symbols) for await (const s of symbolSummaries(db).find({}, { projection: { _id: 1 } })) if (!states.has(s._id)) states.set(s._id, []);
  const now = new Date();
  const ops: AnyBulkWriteOperation<SymbolSummary>[] = [...states].map(([symbol, list]) => ({
    replaceOne: { filter: { _id: symbol }, replacement: { _id: symbol, ...summarize(list), rev: randomUUID(), updatedAt: now }, upsert: true },
  }));
  await writeOps(db, ops);
  return ops.length;
}

/**
 * Start-up migration: builds the summaries once when the collection is empty
 * but `daily_prices` is not (a database from before the summaries existed).
 */
export async function ensureSymbolSummaries(db: Db, log: (line: string) => void): Promise<void> {
  if ((await symbolSummaries(db).findOne({}, { projection: { _id: 1 } })) !== null) return;
  if ((await dailyPrices(db).findOne({}, { projection: { _id: 1 } })) === null) return;
  const started = Date.now();
  const n = await rebuildSymbolSummaries(db);
  log(`built the per-symbol summaries of ${n} symbol(s) from daily_prices in ${Date.now() - started} ms (once, for a database from before they existed)`);
}

/** Summaries of the given symbols (every one when omitted), by symbol. */
export async function getSymbolSummaries(db: Db, symbols?: readonly string[]): Promise<Map<string, SymbolSummary>> {
  const out = new Map<string, SymbolSummary>();
  for await (const s of symbolSummaries(db).find(symbols ? { _id: { $in: [...symbols] } } : {})) out.set(s._id, s);
  return out;
}

/** Symbols with live records, sorted. */
export async function listSummarizedSymbols(db: Db): Promise<string[]> {
  const docs = await symbolSummaries(db).find({ records: { $gt: 0 } }, { projection: { _id: 1 } }).toArray();
  return docs.map((d) => d._id).sort();
}

/** Symbols with live records from before prices were stored as traded, sorted. */
export async function symbolsWithOldBasis(db: Db): Promise<string[]> {
  const docs = await symbolSummaries(db).find({ oldBasis: { $gt: 0 } }, { projection: { _id: 1 } }).toArray();
  return docs.map((d) => d._id).sort();
}

/** Live records of one symbol, or of every symbol when omitted. */
export async function countLiveRecords(db: Db, symbol?: string): Promise<number> {
  if (symbol !== undefined) return (await symbolSummaries(db).findOne({ _id: symbol }, { projection: { records: 1 } }))?.records ?? 0;
  let total = 0;
  for await (const s of symbolSummaries(db).find({}, { projection: { records: 1 } })) total += s.records;
  return total;
}
