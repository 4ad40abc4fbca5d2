/**
 * The records page and a person's changes: thin compositions of the shared
 * data-access verbs (daily-prices, audit) that the routes call. Order of
 * writes without transactions: the record first (its filter is the guard),
 * then the audit entry; if the process died in between, the change stands
 * without its entry, never an entry without its change.
 */
import { recordAudit, getAuditEntry, markAuditUndone, type AuditAction, type AuditEntry } from "@stock-market/pipeline/db/audit.server";
import { deleteManualPrice, editManualPrice, insertManualPrice, restoreDailyPrice, type ManualWriteResult } from "@stock-market/pipeline/db/manual-prices.server";
import { findDailyPricesPage, type DailyPriceQuery } from "@stock-market/pipeline/db/records-query.server";
import { fromStoredDate, type PriceValues } from "@stock-market/pipeline/model/daily-price";
import type { RecordView } from "@stock-market/pipeline/db/record-views.server";
import type { Db } from "mongodb";
import type { RecordsQuery } from "~/lib/records-query";
import { selectRecords } from "~/lib/select-records";
import { cachedRead } from "~/read-cache.server";
import { allSymbolRecords, symbolRecords } from "~/symbol-records.server";

/** A record as the browser gets it (plain JSON). */
export interface RecordRow {
  symbol: string;
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  vwap: number | null;
  transactions: number | null;
  source: "pipeline" | "manual";
  feed: string | null;
  updatedAt: string;
  updatedBy: string | null;
  deleted: boolean;
}

export function toRow(d: RecordView): RecordRow {
  return {
    symbol: d.symbol,
    date: fromStoredDate(d.date),
    open: d.open,
    high: d.high,
    low: d.low,
    close: d.close,
    volume: d.volume,
    vwap: d.vwap ?? null,
    transactions: d.transactions ?? null,
    source: d.source,
    feed: d.feed ?? null,
    updatedAt: d.updatedAt.toISOString(),
    updatedBy: d.updatedBy ?? null,
    deleted: d.deletedAt !== undefined,
  };
}

export function toDbQuery(q: RecordsQuery): DailyPriceQuery {
  return { symbol: q.symbol, from: q.from, to: q.to, source: q.source };
}

/** One page of the records table: one symbol's from the record store, others cached per data version and query (read-only). */
export function recordsPage(db: Db, q: RecordsQuery): Promise<{ rows: RecordRow[]; total: number }> {
  if (q.symbol) return symbolRecordsPage(db, q.symbol, q);
  return cachedRead(
    db,
    `records\u0000${JSON.stringify([q.symbol, q.from, q.to, q.source, q.sort, q.dir, q.page, q.size])}`,
    () => readRecordsPage(db, q),
    (p) => p.rows.length,
  );
}

/** One symbol's page from its records held in memory: current by that symbol's generation, not the data version. */
async function symbolRecordsPage(db: Db, symbol: string, q: RecordsQuery): Promise<{ rows: RecordRow[]; total: number }> {
  return pageOf(selectRecords(await symbolRecords(db, symbol), q), q);
}

function pageOf(selected: readonly RecordView[], q: RecordsQuery): { rows: RecordRow[]; total: number } {
  const skip = (q.page - 1) * q.size;
  return { rows: selected.slice(skip, skip + q.size).map(toRow), total: selected.length };
}

/**
 * A page of every symbol. In date order with no source filter the database
 * walks dates (records-by-date.server.ts); any other view would make it read
 * and sort every record, so it is taken from the records held in memory while
 * they fit (symbol-records.server.ts).
 */
async function readRecordsPage(db: Db, q: RecordsQuery): Promise<{ rows: RecordRow[]; total: number }> {
  if (q.sort !== "date" || q.source) {
    const all = await allSymbolRecords(db);
    if (all) return pageOf(selectRecords(all, q), q);
  }
  const { rows, total } = await findDailyPricesPage(db, toDbQuery(q), {
    sort: q.sort,
    dir: q.dir === "asc" ? 1 : -1,
    skip: (q.page - 1) * q.size,
    limit: q.size,
  });
  return { rows: rows.map(toRow), total };
}

export type ChangeResult =
  { ok: true; entry: AuditEntry } | { ok: false; reason: "duplicate" | "conflict"; current: RecordRow } | { ok: false; reason: "missing" | "already-undone" };

/** The audit entry of a write that landed (only the fields named here go into it), or why it was refused. */
async function audited(db: Db, r: ManualWriteResult, { action, by, symbol, date, undoOf }: Change & { action: AuditAction; undoOf?: AuditEntry["undoOf"] }): Promise<ChangeResult> {
  if (!r.ok) return r.reason === "missing" ? { ok: false, reason: "missing" } : { ok: false, reason: r.reason, current: toRow(r.current) };
  const entry = await recordAudit(db, { at: new Date(), by, action, symbol, date, before: r.before, after: r.after, ...(undoOf && { undoOf }) });
  return { ok: true, entry };
}

/** A person's change of one record: who, which record. */
interface Change {
  by: string;
  symbol: string;
  date: string;
}

export async function createRecord(db: Db, c: Change & { values: PriceValues }): Promise<ChangeResult> {
  return audited(db, await insertManualPrice(db, c), { action: "create", ...c });
}

export async function editRecord(db: Db, c: Change & { values: PriceValues; seenUpdatedAt: Date }): Promise<ChangeResult> {
  return audited(db, await editManualPrice(db, c), { action: "update", ...c });
}

export async function deleteRecord(db: Db, c: Change & { seenUpdatedAt: Date }): Promise<ChangeResult> {
  return audited(db, await deleteManualPrice(db, c), { action: "delete", ...c });
}

/**
 * Undoes one audited change: puts the record back as it was before it, only
 * if nothing changed it since (else a conflict showing what is stored now).
 */
export async function undoChange(db: Db, by: string, auditId: string): Promise<ChangeResult> {
  const entry = await getAuditEntry(db, auditId);
  if (!entry || entry.action === "undo" || !entry.after) return { ok: false, reason: "missing" };
  if (entry.undoneBy) return { ok: false, reason: "already-undone" };
  const r = await restoreDailyPrice(db, { symbol: entry.symbol, date: entry.date, state: entry.before, seenUpdatedAt: entry.after.updatedAt });
  const result = await audited(db, r, { action: "undo", by, symbol: entry.symbol, date: entry.date, undoOf: entry._id });
  if (result.ok) await markAuditUndone(db, entry._id, result.entry._id);
  return result;
}

/** `updatedAt` as sent back by a form (ISO with milliseconds); null when malformed. */
export function parseSeenUpdatedAt(v: FormDataEntryValue | null): Date | null {
  if (typeof v !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(v)) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}
