import { type AnyBulkWriteOperation, type Collection, type Db } from "mongodb";
import { fromStoredDate, toStoredDate, type Feed } from "../model/daily-price.js";
import type { ActionKind, CorporateAction, SplitType } from "../model/corporate-action.js";
import { chunks } from "./batching.server.js";
import { duplicateKeyErrors } from "./duplicate-key.js";
import { ensureIndexes, type IndexDef } from "./indexes.server.js";
import { withDataWrite } from "./data-version.server.js";

/**
 * The one data-access module for `corporate_actions`: splits and cash
 * dividends of every ticker the pipeline has seen (not only the watchlist),
 * one document per (kind, API id), with the lake object it came from.
 */
export const CORPORATE_ACTIONS = "corporate_actions";

/** A document of `stock_market.corporate_actions`. */
export interface CorporateActionDoc {
  kind: ActionKind;
  /** The API's `id`. */
  apiId: string;
  symbol: string;
  /** Execution date (split) or ex-dividend date, at 00:00 UTC of that New York date. */
  date: Date;
  splitFrom?: number;
  splitTo?: number;
  adjustmentType?: SplitType;
  cashAmount?: number;
  currency?: string;
  declarationDate?: string;
  recordDate?: string;
  payDate?: string;
  frequency?: number;
  distributionType?: string;
  feed: Feed;
  lakeObject: string;
  runId: string;
  ingestedAt: Date;
  updatedAt: Date;
}

export function corporateActions(db: Db): Collection<CorporateActionDoc> {
  return db.collection<CorporateActionDoc>(CORPORATE_ACTIONS);
}

export const CORPORATE_ACTION_INDEXES: readonly IndexDef[] = [
  { key: { kind: 1, apiId: 1 }, options: { name: "kind_id_unique", unique: true } },
  { key: { symbol: 1, date: 1 }, options: { name: "symbol_date" } },
  { key: { date: 1 }, options: { name: "date" } },
];

/** Creates the indexes if missing; safe to call at every start-up. */
export async function ensureCorporateActionIndexes(db: Db): Promise<void> {
  await ensureIndexes(corporateActions(db), CORPORATE_ACTION_INDEXES);
}

export interface ActionUpsertOptions {
  feed: Feed;
  runId: string;
  lakeObjectOf: (action: CorporateAction) => string;
  now?: Date;
}

export interface ActionUpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

const keyOf = (kind: string, id: string) => `${kind}\u0000${id}`;

/**
 * Keyed upsert on (kind, API id): one read of the keys' current documents,
 * then unordered bulk writes of the changed ones (in chunks: see
 * batching.server.ts) and of the new ones. A correction
 * of an action (same id, other values) replaces it; an unchanged one costs no
 * write. A concurrent writer inserting the same key first makes our insert
 * fail with E11000; that action then goes round again as an update.
 */
export function upsertCorporateActions(db: Db, input: readonly CorporateAction[], opts: ActionUpsertOptions): Promise<ActionUpsertCounts> {
  // Adjusted prices depend on the actions: the data version moves with them (decision 071).
  return withDataWrite(db, () => upsertActions(db, input, opts));
}

async function upsertActions(db: Db, input: readonly CorporateAction[], opts: ActionUpsertOptions): Promise<ActionUpsertCounts> {
  const counts: ActionUpsertCounts = { inserted: 0, updated: 0, unchanged: 0 };
  let pending = [...new Map(input.map((a) => [keyOf(a.kind, a.id), a])).values()];
  for (let pass = 1; pending.length > 0; pass++) {
    if (pass > 3) throw new Error(`corporate actions kept colliding with another writer: ${pending.length} left after 3 passes`);
    const existing = new Map<string, CorporateActionDoc>();
    for (const kind of ["split", "dividend"] as const) {
      const ids = pending.filter((a) => a.kind === kind).map((a) => a.id);
      if (ids.length === 0) continue;
      for await (const doc of corporateActions(db).find({ kind, apiId: { $in: ids } })) existing.set(keyOf(doc.kind, doc.apiId), doc);
    }
    const now = opts.now ?? new Date();
    const ops: AnyBulkWriteOperation<CorporateActionDoc>[] = [];
    const updates: AnyBulkWriteOperation<CorporateActionDoc>[] = [];
    const inserts: CorporateAction[] = [];
    for (const a of pending) {
      const values = valuesOf(a);
      const old = existing.get(keyOf(a.kind, a.id));
      if (!old) {
        inserts.push(a);
        ops.push({ insertOne: { document: { ...values, feed: opts.feed, lakeObject: opts.lakeObjectOf(a), runId: opts.runId, ingestedAt: now, updatedAt: now } } });
      } else if (sameAction(old, values)) {
        counts.unchanged++;
      } else {
        counts.updated++;
        updates.push({
          updateOne: {
            filter: { kind: a.kind, apiId: a.id },
            // Fields the new row lacks must not survive from the old one.
            update: { $set: { ...values, feed: opts.feed, lakeObject: opts.lakeObjectOf(a), runId: opts.runId, updatedAt: now }, $unset: absentFields(values) },
          },
        });
      }
    }
    pending = [];
    for (const chunk of chunks(updates)) await corporateActions(db).bulkWrite(chunk, { ordered: false });
    if (ops.length === 0) break;
    try {
      await corporateActions(db).bulkWrite(ops, { ordered: false });
      counts.inserted += inserts.length;
    } catch (e) {
      const failed = duplicateInserts(e, ops);
      if (!failed) throw e;
      counts.inserted += inserts.length - failed.length;
      const ids = new Set(failed);
      pending = inserts.filter((a) => ids.has(keyOf(a.kind, a.id)));
    }
  }
  return counts;
}

type ActionValues = Omit<CorporateActionDoc, "feed" | "lakeObject" | "runId" | "ingestedAt" | "updatedAt">;

const OPTIONAL_FIELDS = ["splitFrom", "splitTo", "adjustmentType", "cashAmount", "currency", "declarationDate", "recordDate", "payDate", "frequency", "distributionType"] as const;

function valuesOf(a: CorporateAction): ActionValues {
  const base = { kind: a.kind, apiId: a.id, symbol: a.symbol, date: toStoredDate(a.date) };
  if (a.kind === "split") return { ...base, splitFrom: a.splitFrom, splitTo: a.splitTo, adjustmentType: a.adjustmentType };
  const v: ActionValues = { ...base, cashAmount: a.cashAmount };
  for (const f of ["currency", "declarationDate", "recordDate", "payDate", "frequency", "distributionType"] as const) {
    if (a[f] !== undefined) (v as unknown as Record<string, unknown>)[f] = a[f];
  }
  return v;
}

function absentFields(v: ActionValues): Record<string, ""> {
  const out: Record<string, ""> = {};
  for (const f of OPTIONAL_FIELDS) if (v[f] === undefined) out[f] = "";
  return out;
}

function sameAction(old: CorporateActionDoc, v: ActionValues): boolean {
  if (old.symbol !== v.symbol || old.date.getTime() !== v.date.getTime()) return false;
  return OPTIONAL_FIELDS.every((f) => old[f] === v[f]);
}

/** Keys of the inserts that failed as duplicates, when every error is one; otherwise undefined. */
function duplicateInserts(e: unknown, ops: readonly AnyBulkWriteOperation<CorporateActionDoc>[]): string[] | undefined {
  const errors = duplicateKeyErrors(e);
  if (!errors) return undefined;
  return errors.map((w) => {
    const op = ops[w.index];
    const doc = op && "insertOne" in op ? op.insertOne.document : undefined;
    return doc ? keyOf(doc.kind, doc.apiId) : "";
  });
}

/** A stored document as the action the adjusted views apply. */
export function toAction(doc: CorporateActionDoc): CorporateAction {
  const base = { id: doc.apiId, symbol: doc.symbol, date: fromStoredDate(doc.date) };
  if (doc.kind === "split") {
    return { ...base, kind: "split", splitFrom: doc.splitFrom ?? NaN, splitTo: doc.splitTo ?? NaN, adjustmentType: doc.adjustmentType ?? "forward_split" };
  }
  const d: CorporateAction = { ...base, kind: "dividend", cashAmount: doc.cashAmount ?? NaN };
  for (const f of ["currency", "declarationDate", "recordDate", "payDate", "frequency", "distributionType"] as const) {
    if (doc[f] !== undefined) (d as unknown as Record<string, unknown>)[f] = doc[f];
  }
  return d;
}

/** One symbol's actions, oldest first (announced ones included: the views decide what applies). */
export async function listCorporateActions(db: Db, symbol: string): Promise<CorporateAction[]> {
  const docs = await corporateActions(db).find({ symbol }).sort({ date: 1, kind: 1, apiId: 1 }).toArray();
  return docs.map(toAction);
}

/** Several symbols' actions, one list per symbol (empty for none), oldest first. */
export async function listCorporateActionsFor(db: Db, symbols: readonly string[]): Promise<Map<string, CorporateAction[]>> {
  const out = new Map<string, CorporateAction[]>(symbols.map((s) => [s, []]));
  if (symbols.length === 0) return out;
  for await (const doc of corporateActions(db)
    .find({ symbol: { $in: [...symbols] } })
    .sort({ symbol: 1, date: 1, kind: 1, apiId: 1 })) {
    out.get(doc.symbol)?.push(toAction(doc));
  }
  return out;
}

/** An action with where it came from: the lake object and the feed of its last write. */
export interface SourcedAction {
  action: CorporateAction;
  lakeObject: string;
  feed: Feed;
}

/** Several symbols' actions with their lake objects (the health page), in one query; oldest first per symbol. */
export async function listSourcedActionsFor(db: Db, symbols: readonly string[]): Promise<Map<string, SourcedAction[]>> {
  const out = new Map<string, SourcedAction[]>(symbols.map((s) => [s, []]));
  if (symbols.length === 0) return out;
  for await (const doc of corporateActions(db)
    .find({ symbol: { $in: [...symbols] } })
    .sort({ symbol: 1, date: 1, kind: 1, apiId: 1 })) {
    out.get(doc.symbol)?.push({ action: toAction(doc), lakeObject: doc.lakeObject, feed: doc.feed });
  }
  return out;
}

/** The actions of one kind on one session, every ticker (what a daily run stored). */
export async function actionsOn(db: Db, kind: ActionKind, date: string): Promise<CorporateAction[]> {
  const docs = await corporateActions(db)
    .find({ kind, date: toStoredDate(date) })
    .sort({ symbol: 1, apiId: 1 })
    .toArray();
  return docs.map(toAction);
}
