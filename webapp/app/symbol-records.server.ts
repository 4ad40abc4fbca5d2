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
 * A write that died between its record and its summary leaves no mark: every
 * copy is read whole again FULL_READ_EVERY_MS after its last whole read, so
 * such a record shows within that time (decision 071). Bounded: at most
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
  gen: string;
  /** When the last whole read started. */
  fullAt: number;
  /** Live records by ascending date. */
  records: readonly RecordView[];
}

const state = ((
  globalThis as unknown as { __webappSymbolRecords?: { held: Map<string, Held>; weight: number; reads: Map<string, Promise<readonly RecordView[]>> } }
).__webappSymbolRecords ??= {
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
  if (held && Date.now() - held.fullAt < FULL_READ_EVERY_MS) {
    if (held.gen === gen) {
      hold(key, held); // most recently used
      return held.records;
    }
    const dates = changedSince(changes, held.gen);
    if (dates !== null && dates.length <= MAX_PATCH_DATES) {
      const fresh = await Promise.all(dates.map((d) => getRecordView(db, symbol, d)));
      const records = patched(held.records, dates, fresh);
      // A concurrent request may have moved it further meanwhile: keep the newer copy.
      if (state.held.get(key) === held) hold(key, { gen, fullAt: held.fullAt, records });
      return records;
    }
  }
  return readWhole(db, key, symbol, gen);
}

/** One whole read per (symbol, generation) at a time, however many requests want it. */
function readWhole(db: Db, key: string, symbol: string, gen: string): Promise<readonly RecordView[]> {
  const readKey = `${key}\u0000${gen}`;
  let read = state.reads.get(readKey);
  if (!read) {
    const fullAt = Date.now();
    read = getRecordViews(db, symbol)
      .then((records) => {
        hold(key, { gen, fullAt, records });
        return records;
      })
      .finally(() => state.reads.delete(readKey));
    state.reads.set(readKey, read);
  }
  return read;
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

/** Drops everything held (tests). */
export function clearSymbolRecords(): void {
  state.held.clear();
  state.weight = 0;
}

export function heldSymbolCount(): number {
  return state.held.size;
}
