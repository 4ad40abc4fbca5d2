import { ObjectId, type Db, type Filter } from "mongodb";
import type { DailyPrice } from "../model/daily-price.js";
import { withDataWrite } from "./data-version.server.js";
import { ensureIndexes } from "./indexes.server.js";

/**
 * The audit trail of people's changes to `daily_prices`: who, when, what, the
 * document before and after. Written right after the change it describes
 * (there are no transactions to tie the two together; see the web app's
 * records model for the order of writes).
 */
export const AUDIT_LOG = "audit_log";

export type AuditAction = "create" | "update" | "delete" | "undo";

export interface AuditEntry {
  _id: ObjectId;
  at: Date;
  by: string;
  action: AuditAction;
  symbol: string;
  /** `YYYY-MM-DD` */
  date: string;
  /** The stored document before the change; null when there was none. */
  before: DailyPrice | null;
  /** The stored document after the change; null when it was removed (undo of a create). */
  after: DailyPrice | null;
  /** For an undo: the entry it undid. */
  undoOf?: ObjectId;
  /** Set on an entry once it has been undone. */
  undoneBy?: ObjectId;
  undoneAt?: Date;
}

function auditLog(db: Db) {
  return db.collection<AuditEntry>(AUDIT_LOG);
}

export async function ensureAuditIndexes(db: Db): Promise<void> {
  await ensureIndexes(auditLog(db), [
    { key: { at: -1 }, options: { name: "at" } },
    { key: { symbol: 1, date: 1, at: -1 }, options: { name: "symbol_date_at" } },
  ]);
}

/** Appends one entry; returns it with its id. Moves the data version: the audit page is served from the read cache. */
export async function recordAudit(db: Db, entry: Omit<AuditEntry, "_id">): Promise<AuditEntry> {
  const doc: AuditEntry = { _id: new ObjectId(), ...entry };
  await withDataWrite(db, () => auditLog(db).insertOne(doc));
  return doc;
}

/** Newest first, optionally for one symbol. */
export async function listAudit(db: Db, q: { symbol?: string; skip?: number; limit?: number } = {}): Promise<{ entries: AuditEntry[]; total: number }> {
  const filter: Filter<AuditEntry> = q.symbol ? { symbol: q.symbol } : {};
  const [entries, total] = await Promise.all([
    auditLog(db)
      .find(filter)
      .sort({ at: -1, _id: -1 })
      .skip(q.skip ?? 0)
      .limit(q.limit ?? 50)
      .toArray(),
    auditLog(db).countDocuments(filter),
  ]);
  return { entries, total };
}

/** One entry by its id (a 24-hex string); null for a malformed or unknown id. */
export function getAuditEntry(db: Db, id: string): Promise<AuditEntry | null> {
  if (!/^[0-9a-f]{24}$/i.test(id)) return Promise.resolve(null);
  return auditLog(db).findOne({ _id: new ObjectId(id) });
}

/** Marks an entry undone by `undoId`; false when it already was. */
export async function markAuditUndone(db: Db, id: ObjectId, undoId: ObjectId, at = new Date()): Promise<boolean> {
  const r = await withDataWrite(db, () => auditLog(db).updateOne({ _id: id, undoneBy: { $exists: false } }, { $set: { undoneBy: undoId, undoneAt: at } }));
  return r.modifiedCount === 1;
}
