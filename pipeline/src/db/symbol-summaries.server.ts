import { createHash, randomUUID } from "node:crypto";
import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Db } from "mongodb";
import { fromStoredDate, type DailyPrice } from "../model/daily-price.js";
import { marked, rebased, type SymbolChanges } from "../model/symbol-changes.js";
import { applyChanges, emptySummary, isNoop, summarize, type RecordChange, type RecordState, type SummaryFields } from "../model/symbol-summary.js";
import { chunks } from "./batching.server.js";
import { dailyPrices, LIVE } from "./daily-prices.server.js";
import { DatabaseError } from "../errors.js";
import { duplicateKeyErrors } from "./duplicate-key.js";
import { withDataWrite } from "./data-version.server.js";
import { withWriteLease } from "./write-lease.server.js";

/**
 * The one data-access module for `symbol_summaries`: per symbol, what pages need instead of scanning
 * `daily_prices`: first and last live session, live count, the gaps, feeds,
 * manual count. Every write to `daily_prices` reports its record changes
 * here (applySummaryChanges); `rebuildSymbolSummaries` recomputes from the
 * records. Why and how: docs/decisions/071-symbol-summaries-and-read-cache.md.
 */
export const SYMBOL_SUMMARIES = "symbol_summaries";

/**
 * Summaries are stored in SUMMARY_BUCKETS documents (`_id` "bucket:NN", the
 * symbol's hash picks NN), not one document per symbol, and each bucket holds
 * its symbols' summaries as one JSON string. Both for FerretDB, whose cost is
 * per document and per decoded value: a keyed update costs ~7 ms at 11,000
 * documents on its PostgreSQL backend (it scans for the key), so a
 * whole-market day's 11,000 summary updates took two minutes; and decoding
 * 11,000 summaries as fields took over a second a read, where one string a
 * bucket takes milliseconds. Nothing queries inside a summary (pages filter
 * them in memory), so the string loses nothing. On MongoDB any layout is fine.
 */
export const SUMMARY_BUCKETS = 64;

export interface SymbolSummary extends SummaryFields {
  _id: string;
  /** The rev of the bucket it was read from. */
  rev: string;
  updatedAt: Date;
}

/** What a bucket stores per symbol: the summary, and the generation readers of its records check. */
type EntryFields = SummaryFields & SymbolChanges;

interface SummaryEntry extends EntryFields {
  symbol: string;
}

/** A bucket as stored: `entries` is the JSON of its SummaryEntry list, sorted by symbol. */
export interface StoredBucket {
  _id: string;
  entries: string;
  /** How many symbols the entries hold (for a person reading the collection). */
  count: number;
  /** Changes on every write: the optimistic-concurrency guard. */
  rev: string;
  updatedAt: Date;
}

interface Bucket {
  _id: string;
  symbols: SummaryEntry[];
  rev: string;
  updatedAt: Date;
}

export function symbolSummaries(db: Db): Collection<StoredBucket> {
  return db.collection<StoredBucket>(SYMBOL_SUMMARIES);
}

/** The bucket a symbol's summary lives in (stable across processes and versions). */
export function bucketOf(symbol: string): string {
  const n = createHash("sha1").update(symbol).digest().readUInt32BE(0) % SUMMARY_BUCKETS;
  return `bucket:${String(n).padStart(2, "0")}`;
}

/** What a summary counts of a stored record: nothing for a tombstone. */
export function recordState(doc: Pick<DailyPrice, "date" | "source" | "feed" | "basis" | "deletedAt"> | null | undefined): RecordState | null {
  if (!doc || doc.deletedAt !== undefined) return null;
  return { date: fromStoredDate(doc.date), ...(doc.feed ? { feed: doc.feed } : {}), manual: doc.source === "manual", ...(doc.basis ? {} : { oldBasis: true as const }) };
}

const MAX_PASSES = 5;

/**
 * Applies record changes to their symbols' summaries: one read of the
 * buckets they live in and one write per bucket. Each write is filtered on
 * the `rev` it read, so a concurrent writer's change is never overwritten:
 * the buckets whose write did not match go round again.
 */
export async function applySummaryChanges(db: Db, changes: readonly RecordChange[]): Promise<void> {
  // Also a change no summary field shows (new values): the symbol's generation moves with every live change.
  const bySymbol = new Map<string, { moves: RecordChange[]; dates: string[] }>();
  for (const c of changes) {
    const date = c.after?.date ?? c.before?.date;
    if (date === undefined) continue;
    let of = bySymbol.get(c.symbol);
    if (!of) bySymbol.set(c.symbol, (of = { moves: [], dates: [] }));
    of.dates.push(date);
    if (!isNoop(c)) of.moves.push(c);
  }
  if (bySymbol.size === 0) return;
  const gen = newGen();
  const next = (symbol: string, old: EntryFields | undefined): EntryFields => {
    const { moves, dates } = bySymbol.get(symbol)!;
    return { ...applyChanges(old ? fieldsOf(old) : emptySummary(), moves), ...marked(old, gen, dates) };
  };
  const left = await updateBuckets(db, [...bySymbol.keys()], next, { passes: MAX_PASSES, rebuild: false });
  // Never leave a summary wrong: recompute what kept colliding from the records.
  if (left.length > 0) await rebuildSymbolSummaries(db, left);
}

/**
 * Sets the summaries of `symbols` to `next(symbol, stored)` with the
 * optimistic guard, trying up to `passes` times; returns the symbols whose
 * bucket never landed.
 */
async function updateBuckets(
  db: Db,
  symbols: readonly string[],
  next: (symbol: string, old: EntryFields | undefined) => EntryFields,
  opts: { passes: number; rebuild: boolean },
): Promise<string[]> {
  const byBucket = new Map<string, string[]>();
  for (const s of symbols) {
    const b = bucketOf(s);
    let list = byBucket.get(b);
    if (!list) byBucket.set(b, (list = []));
    list.push(s);
  }
  let pending = [...byBucket.keys()];
  for (let pass = 1; pending.length > 0 && pass <= opts.passes; pass++) {
    // On FerretDB the rev in the filter alone does not stop a lost update (its replace reads,
    // then writes by _id): the summaries' lease keeps a read and its write together there.
    pending = await withWriteLease(db, () => writePass(db, pending, byBucket, next, opts.rebuild), { name: "symbol_summaries" });
  }
  return pending.flatMap((b) => byBucket.get(b)!);
}

/** One read of the buckets and one guarded write of each; returns the buckets that did not land. */
async function writePass(
  db: Db,
  pending: string[],
  byBucket: Map<string, string[]>,
  next: (symbol: string, old: EntryFields | undefined) => EntryFields,
  rebuild: boolean,
): Promise<string[]> {
  const stored = await readBuckets(db, pending, rebuild);
  const now = new Date();
  const ops: AnyBulkWriteOperation<StoredBucket>[] = [];
  const revs = new Map<string, string>();
  for (const id of pending) {
    const old = stored.get(id);
    const entries = new Map((old?.symbols ?? []).map((e) => [e.symbol, e]));
    for (const symbol of byBucket.get(id)!) {
      const current = entries.get(symbol);
      entries.set(symbol, { ...next(symbol, current && withoutSymbol(current)), symbol });
    }
    const rev = randomUUID();
    revs.set(id, rev);
    const list = [...entries.values()].sort((a, b) => (a.symbol < b.symbol ? -1 : 1));
    const doc: StoredBucket = { _id: id, entries: JSON.stringify(list), count: list.length, rev, updatedAt: now };
    ops.push(old ? { replaceOne: { filter: { _id: id, rev: old.rev }, replacement: doc } } : { insertOne: { document: doc } });
  }
  if ((await writeOps(db, ops)) === ops.length) return [];
  // Some insert met a bucket another writer created, or some replace met a newer rev: find which did not land.
  const landed = new Set<string>();
  for await (const b of symbolSummaries(db).find({ _id: { $in: pending } }, { projection: { _id: 1, rev: 1 } })) {
    if (b.rev === revs.get(b._id)) landed.add(b._id);
  }
  return pending.filter((b) => !landed.has(b));
}

function withoutSymbol({ symbol: _symbol, ...fields }: SummaryEntry): EntryFields {
  return fields;
}

function fieldsOf({ gen: _gen, log: _log, ...fields }: EntryFields): SummaryFields {
  return fields;
}

/** Short and fresh: a label, compared for equality only, stored once per symbol and mark. */
const newGen = (): string => randomUUID().slice(0, 13);

/** The buckets (every one when `ids` is omitted), decoded. A bucket whose JSON is damaged is an error, or empty when `lenient` (a rebuild rewrites it). */
async function readBuckets(db: Db, ids?: readonly string[], lenient = false): Promise<Map<string, Bucket>> {
  const out = new Map<string, Bucket>();
  // One id by equality: the plainest filter, served by the key on any server.
  const filter = ids ? (ids.length === 1 ? { _id: ids[0]! } : { _id: { $in: [...ids] } }) : {};
  for await (const b of symbolSummaries(db).find(filter)) {
    let symbols: SummaryEntry[];
    try {
      symbols = JSON.parse(b.entries) as SummaryEntry[];
      if (!Array.isArray(symbols)) throw new Error("not a list");
    } catch (e) {
      if (lenient) symbols = [];
      else
        throw new DatabaseError(
          `${SYMBOL_SUMMARIES} document ${b._id} is damaged (${e instanceof Error ? e.message : String(e)}): run \`stock-pipeline status --verify\` to rebuild the summaries`,
        );
    }
    out.set(b._id, { _id: b._id, symbols, rev: b.rev, updatedAt: b.updatedAt });
  }
  return out;
}

/**
 * Sends the inserts in one command and the replaces in commands of at most
 * MAX_UPDATES_PER_COMMAND (FerretDB on PostgreSQL hangs on more: batching.server.ts).
 * Returns how many landed, inserts refused as duplicates not counted.
 */
async function writeOps(db: Db, ops: AnyBulkWriteOperation<StoredBucket>[]): Promise<number> {
  let landed = 0;
  const inserts = ops.filter((o) => "insertOne" in o);
  const replaces = ops.filter((o) => !("insertOne" in o));
  for (const batch of [...(inserts.length ? [inserts] : []), ...chunks(replaces)]) {
    try {
      const r = await symbolSummaries(db).bulkWrite(batch, { ordered: false });
      landed += r.insertedCount + r.matchedCount + r.upsertedCount;
    } catch (e) {
      if (!duplicateKeyErrors(e) || !(e instanceof MongoBulkWriteError)) throw e;
      landed += e.result.insertedCount + e.result.matchedCount + e.result.upsertedCount;
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
  // A few symbols: one equality read each, which FerretDB hands to PostgreSQL (an $in it does not: a scan).
  const filters = symbols && symbols.length <= FEW_SYMBOLS ? symbols.map((s) => ({ symbol: s })) : [symbols ? { symbol: { $in: [...symbols] } } : {}];
  for (const filter of filters) {
    for await (const d of dailyPrices(db).find({ ...filter, ...LIVE }, { projection: { _id: 0, symbol: 1, date: 1, source: 1, feed: 1, basis: 1 } })) {
      let list = states.get(d.symbol);
      if (!list) states.set(d.symbol, (list = []));
      list.push(recordState(d)!);
    }
  }
  if (!symbols) for (const b of (await readBuckets(db, undefined, true)).values()) for (const e of b.symbols) if (!states.has(e.symbol)) states.set(e.symbol, []);
  // What changed before a rebuild is not known: a new base makes every reader read its symbols whole.
  const gen = newGen();
  const left = await updateBuckets(db, [...states.keys()], (symbol) => ({ ...summarize(states.get(symbol)!), ...rebased(gen) }), { passes: REBUILD_PASSES, rebuild: true });
  if (left.length > 0)
    throw new DatabaseError(
      `the summaries of ${left.slice(0, 5).join(", ")}${left.length > 5 ? "…" : ""} kept changing under a rebuild (${REBUILD_PASSES} tries): run \`stock-pipeline status --verify\` again`,
    );
  return states.size;
}

const REBUILD_PASSES = 20;
const FEW_SYMBOLS = 16;

/**
 * Start-up migration: builds the summaries once when none is stored but
 * `daily_prices` is not empty (a database from before they existed), and
 * rebuilds them when they are in the one-document-per-symbol layout of before.
 */
export async function ensureSymbolSummaries(db: Db, log: (line: string) => void): Promise<void> {
  const oldLayout = (await symbolSummaries(db).findOne({ entries: { $exists: false } }, { projection: { _id: 1 } })) !== null;
  if (oldLayout) await symbolSummaries(db).deleteMany({ entries: { $exists: false } });
  else if ((await symbolSummaries(db).findOne({}, { projection: { _id: 1 } })) !== null) return;
  if ((await dailyPrices(db).findOne({}, { projection: { _id: 1 } })) === null) return;
  const started = Date.now();
  const n = await rebuildSymbolSummaries(db);
  const why = oldLayout ? "they were stored one document per symbol before" : "the database is from before they existed";
  log(`built the per-symbol summaries of ${n} symbol(s) from daily_prices in ${Date.now() - started} ms (once: ${why})`);
}

/** Summaries of the given symbols (every one when omitted), by symbol. */
export async function getSymbolSummaries(db: Db, symbols?: readonly string[]): Promise<Map<string, SymbolSummary>> {
  const wanted = symbols ? new Set(symbols) : undefined;
  const buckets = await readBuckets(db, wanted ? [...new Set([...wanted].map(bucketOf))] : undefined);
  const out = new Map<string, SymbolSummary>();
  for (const b of buckets.values()) {
    for (const { symbol, gen: _gen, log: _log, ...fields } of b.symbols)
      if (!wanted || wanted.has(symbol)) out.set(symbol, { _id: symbol, ...fields, rev: b.rev, updatedAt: b.updatedAt });
  }
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * The symbol's generation and change log (model/symbol-changes.ts); null
 * when it has no summary. One `_id` read of its bucket.
 */
export async function getSymbolChanges(db: Db, symbol: string): Promise<SymbolChanges | null> {
  const entry = (await readBuckets(db, [bucketOf(symbol)])).get(bucketOf(symbol))?.symbols.find((e) => e.symbol === symbol);
  return entry ? { ...(entry.gen !== undefined && { gen: entry.gen }), ...(entry.log && { log: entry.log }) } : null;
}

/** Every symbol's generation and change log, and its live count: one read of every bucket. */
export async function getAllSymbolChanges(db: Db): Promise<Map<string, SymbolChanges & { records: number }>> {
  const out = new Map<string, SymbolChanges & { records: number }>();
  for (const b of (await readBuckets(db)).values()) {
    for (const e of b.symbols) out.set(e.symbol, { ...(e.gen !== undefined && { gen: e.gen }), ...(e.log && { log: e.log }), records: e.records });
  }
  return out;
}

/** Symbols with live records, sorted. */
export async function listSummarizedSymbols(db: Db): Promise<string[]> {
  return [...(await getSymbolSummaries(db)).values()].filter((s) => s.records > 0).map((s) => s._id);
}

/** Symbols with live records from before prices were stored as traded, sorted. */
export async function symbolsWithOldBasis(db: Db): Promise<string[]> {
  return [...(await getSymbolSummaries(db)).values()].filter((s) => s.oldBasis > 0).map((s) => s._id);
}

/** Live records of one symbol, or of every symbol when omitted. */
export async function countLiveRecords(db: Db, symbol?: string): Promise<number> {
  let total = 0;
  for (const s of (await getSymbolSummaries(db, symbol === undefined ? undefined : [symbol])).values()) total += s.records;
  return total;
}
