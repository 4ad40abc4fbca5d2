import { getRecordView, getRecordViews, type RecordView } from "@stock-market/pipeline/db/record-views.server";
import { getAllSymbolChanges, getSymbolChanges } from "@stock-market/pipeline/db/symbol-summaries.server";
import { fromStoredDate } from "@stock-market/pipeline/model/daily-price";
import { changedSince, genOf, type SymbolChanges } from "@stock-market/pipeline/model/symbol-changes";
import type { Db } from "mongodb";

/**
 * Each symbol's live records held in process memory and kept current by its
 * generation (model/symbol-changes.ts), not by the global data version: a
 * write to one record of one symbol costs the next reader of that symbol one
 * keyed read of the changed date, and costs readers of other symbols nothing.
 * A request reads the generation (one `_id` read of the summary bucket)
 * BEFORE the records, so what it holds is never older than its label and a
 * write finished before the request is always seen, from any process.
 *
 * A write that died between its record and its summary leaves no mark: the
 * first request for a symbol FULL_READ_EVERY_MS after its last whole read is
 * answered from what is held and starts a whole read in the background, so
 * such a record shows within that time plus one request (decision 071),
 * and no reader waits for the crash net. Bounded: at most
 * MAX_HELD_RECORDS records, least recently used symbol first out. The arrays
 * are shared between requests: callers must treat them as read-only.
 */
export const MAX_HELD_RECORDS = 300_000;
export const FULL_READ_EVERY_MS = 120_000;
/**
 * Views across every symbol are answered from memory up to this many live
 * records: the first such view reads every symbol whole, which beyond this
 * costs more than the database's own scan of a page.
 */
export const ALL_RECORDS_LIMIT = 60_000;
/** More changed dates than this: one read of the symbol beats that many keyed reads. */
export const MAX_PATCH_DATES = 8;

interface Held {
  /** The generation and change log read before the records: the records are never older than `changes.gen`. */
  changes: SymbolChanges;
  /** When the last whole read started. */
  fullAt: number;
  /** Live records by ascending date. */
  records: readonly RecordView[];
}

interface Store {
  held: Map<string, Held>;
  /** Records held, across symbols. */
  weight: number;
  /** Whole reads in flight, by symbol and generation. */
  reads: Map<string, Promise<readonly RecordView[]>>;
}

// Typed here, not inferred: `new Map()` alone would make the maps `Map<any, any>`.
const state: Store = ((globalThis as unknown as { __webappSymbolRecords?: Store }).__webappSymbolRecords ??= {
  held: new Map(),
  weight: 0,
  reads: new Map(),
});

function hold(key: string, h: Held): void {
  const old = state.held.get(key);
  if (old) state.weight -= old.records.length;
  state.held.delete(key);
  if (h.records.length > MAX_HELD_RECORDS) return;
  state.held.set(key, h);
  state.weight += h.records.length;
  for (const [k, e] of state.held) {
    if (state.weight <= MAX_HELD_RECORDS) break;
    state.held.delete(k);
    state.weight -= e.records.length;
  }
}

/** The live records of `symbol`, ascending by date; shared and read-only. */
export async function symbolRecords(db: Db, symbol: string): Promise<readonly RecordView[]> {
  const changes = await getSymbolChanges(db, symbol);
  // No summary: no live record was ever counted (or the summaries are being rebuilt): read, hold nothing.
  if (changes === null) return getRecordViews(db, symbol);
  return recordsOf(db, symbol, changes);
}

/**
 * Every live record of every symbol, by symbol then date, when they number at
 * most ALL_RECORDS_LIMIT (null otherwise: the caller asks the database). One
 * read of every summary bucket, then each symbol as symbolRecords would.
 */
export async function allSymbolRecords(db: Db): Promise<RecordView[] | null> {
  const all = await getAllSymbolChanges(db);
  let total = 0;
  for (const c of all.values()) total += c.records;
  if (total > ALL_RECORDS_LIMIT) return null;
  const symbols = [...all.keys()].filter((s) => all.get(s)!.records > 0).sort();
  const lists = await Promise.all(symbols.map((s) => recordsOf(db, s, all.get(s)!)));
  return lists.flat();
}

/** The held records of `symbol` brought to the generation in `changes`, read after them. */
async function recordsOf(db: Db, symbol: string, changes: SymbolChanges): Promise<readonly RecordView[]> {
  const key = `${db.databaseName}\u0000${symbol}`;
  const gen = genOf(changes);
  const held = state.held.get(key);
  if (!held) return readWhole(db, key, symbol, changes);
  // The crash net must not cost a request: this one is answered as any other, the re-read lands for a later one.
  if (Date.now() - held.fullAt >= FULL_READ_EVERY_MS) rereadInBackground(db, key, symbol, changes);
  if (genOf(held.changes) === gen) {
    hold(key, held); // most recently used
    return held.records;
  }
  const dates = changedSince(changes, genOf(held.changes));
  if (dates === null || dates.length > MAX_PATCH_DATES) return readWhole(db, key, symbol, changes);
  const fresh = await Promise.all(dates.map((d) => getRecordView(db, symbol, d)));
  const records = patched(held.records, dates, fresh);
  // A concurrent request may have moved it further meanwhile: keep the newer copy.
  if (state.held.get(key) === held) hold(key, { changes, fullAt: held.fullAt, records });
  return records;
}

/** One whole read per (symbol, generation) at a time, however many requests want it. */
function readWhole(db: Db, key: string, symbol: string, changes: SymbolChanges): Promise<readonly RecordView[]> {
  const readKey = `${key}\u0000${genOf(changes)}`;
  let read = state.reads.get(readKey);
  if (!read) {
    const fullAt = Date.now();
    read = getRecordViews(db, symbol)
      .then((records) => {
        landWhole(key, { changes, fullAt, records });
        return records;
      })
      .finally(() => state.reads.delete(readKey));
    state.reads.set(readKey, read);
  }
  return read;
}

/** At most one background read per symbol, and none while any whole read of it is in flight. */
function rereadInBackground(db: Db, key: string, symbol: string, changes: SymbolChanges): void {
  for (const k of state.reads.keys()) if (k.startsWith(`${key}\u0000`)) return;
  readWhole(db, key, symbol, changes).catch((e: unknown) => {
    // The held copy stays and the next request past the interval tries again.
    console.error(`re-reading the records of ${symbol} failed: ${e instanceof Error ? e.message : String(e)}`);
  });
}

/**
 * Holds a whole read unless a newer copy was stored while it was in flight.
 * "Newer" is known from the held copy's change log: our label is in it and is
 * not its last mark. Then the held copy's records of the dates changed since
 * our label are put into the whole read, labelled with the held generation.
 * It is never older than that label: each of those dates is the held copy's,
 * which is never older than the same label, and every other date had no
 * marked write between our label and it, and the whole read holds every
 * write marked up to our label (it was read after that label). What the
 * whole read adds over the held copy, a change without its mark, is kept.
 * Anything else (the same generation, an older or unknown one) is replaced:
 * the whole read is never older than its own label.
 */
function landWhole(key: string, read: Held): void {
  const current = state.held.get(key);
  const gen = genOf(read.changes);
  const newer = current !== undefined && genOf(current.changes) !== gen && (current.changes.log ?? []).some((mark) => mark[0] === gen);
  if (!newer) return hold(key, read);
  const dates = changedSince(current.changes, gen);
  // A write since our label listed no dates: which dates to take from the held copy is not known.
  if (dates === null) return;
  const byDate = new Map(current.records.map((r) => [fromStoredDate(r.date), r]));
  const taken = dates.map((d) => byDate.get(d) ?? null);
  hold(key, { changes: current.changes, fullAt: read.fullAt, records: patched(read.records, dates, taken) });
}

/** `records` with the records of `dates` replaced by what was read now (null: no live record any more). */
function patched(records: readonly RecordView[], dates: readonly string[], fresh: readonly (RecordView | null)[]): RecordView[] {
  const byDate = new Map(records.map((r) => [fromStoredDate(r.date), r]));
  dates.forEach((d, i) => {
    const r = fresh[i];
    if (r) byDate.set(d, r);
    else byDate.delete(d);
  });
  return [...byDate.values()].sort((a, b) => a.date.getTime() - b.date.getTime());
}

/** Resolves when every whole read in flight, background ones included, has landed or failed (tests). */
export async function settleSymbolReads(): Promise<void> {
  while (state.reads.size > 0) await Promise.allSettled([...state.reads.values()]);
}

/** Drops everything held (tests). */
export function clearSymbolRecords(): void {
  state.held.clear();
  state.weight = 0;
}

export function heldSymbolCount(): number {
  return state.held.size;
}
