import type { Db, WithId } from "mongodb";
import { AS_TRADED, toStoredDate, type DailyPrice, type PriceValues } from "../model/daily-price.js";
import { dailyPrices, getDailyPrice, LIVE } from "./daily-prices.server.js";
import { withDataWrite } from "./data-version.server.js";
import { isDuplicateKey } from "./duplicate-key.js";
import { applySummaryChanges, recordState } from "./symbol-summaries.server.js";
import { withWriteLease } from "./write-lease.server.js";

// A person's create/edit/delete
// with optimistic concurrency (the caller sends the `updatedAt` it last saw),
// plus the restore that undoes one change. No transactions (FerretDB has none):
// every write is one single-document operation whose filter is its guard,
// taken under the write lease where that guard must hold against the pipeline
// (write-lease.server.ts).

/** A person's edit: marks the record manual so the pipeline leaves it alone. */
export async function applyManualEdit(db: Db, { symbol, date, values, by }: RecordKey & { values: PriceValues; by: string }): Promise<boolean> {
  const set = { ...values, source: "manual" as const, basis: AS_TRADED, updatedAt: new Date(), updatedBy: by };
  return manualWrite(
    db,
    symbol,
    () => withWriteLease(db, () => dailyPrices(db).findOneAndUpdate({ symbol, date: toStoredDate(date), ...LIVE }, { $set: set }, { returnDocument: "before" })),
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
export async function applyManualDelete(db: Db, { symbol, date, by }: RecordKey & { by: string }): Promise<boolean> {
  const now = new Date();
  const set = { source: "manual" as const, deletedAt: now, updatedAt: now, updatedBy: by };
  return manualWrite(
    db,
    symbol,
    () => withWriteLease(db, () => dailyPrices(db).findOneAndUpdate({ symbol, date: toStoredDate(date), ...LIVE }, { $set: set }, { returnDocument: "before" })),
    (before) => ({ ...before, ...set }),
  );
}

/** Which record a person's write is about. */
export interface RecordKey {
  symbol: string;
  /** YYYY-MM-DD. */
  date: string;
}

/** A guarded write: refused unless the record is still as the person last saw it (`updatedAt`); `now` stamps it. */
interface Seen extends RecordKey {
  seenUpdatedAt: Date;
  now?: Date;
}

/** Outcome of a person's write; `current` is what is stored now when refused. */
export type ManualWriteResult =
  | { ok: true; before: DailyPrice | null; after: DailyPrice | null }
  | { ok: false; reason: "duplicate" | "conflict"; current: DailyPrice }
  | { ok: false; reason: "missing"; current: null };

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
export function insertManualPrice(db: Db, { symbol, date, values, by, now = new Date() }: RecordKey & { values: PriceValues; by: string; now?: Date }): Promise<ManualWriteResult> {
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
export function editManualPrice(db: Db, { symbol, date, values, by, seenUpdatedAt, now = new Date() }: Seen & { values: PriceValues; by: string }): Promise<ManualWriteResult> {
  const set = { ...values, source: "manual" as const, basis: AS_TRADED, updatedAt: now, updatedBy: by };
  return withDataWrite(db, async () => {
    const before = await withWriteLease(db, () =>
      dailyPrices(db).findOneAndUpdate({ symbol, date: toStoredDate(date), updatedAt: seenUpdatedAt, ...LIVE }, { $set: set }, { returnDocument: "before" }),
    );
    return summarized(db, symbol, before ? { ok: true, before, after: { ...before, ...set } } : await refused(db, symbol, date));
  });
}

/** A person deletes a record they saw at `seenUpdatedAt`: a tombstone, refused when it changed since. */
export function deleteManualPrice(db: Db, { symbol, date, by, seenUpdatedAt, now = new Date() }: Seen & { by: string }): Promise<ManualWriteResult> {
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
export function restoreDailyPrice(db: Db, { symbol, date, state, seenUpdatedAt, now = new Date() }: Seen & { state: DailyPrice | null }): Promise<ManualWriteResult> {
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
