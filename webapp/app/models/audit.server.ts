import { listAudit, type AuditEntry } from "@stock-market/pipeline/db/audit.server";
import type { Db } from "mongodb";
import { toRow, type RecordRow } from "~/models/records.server";
import { cachedRead } from "~/read-cache.server";

export interface AuditRow {
  id: string;
  at: string;
  by: string;
  action: AuditEntry["action"];
  symbol: string;
  date: string;
  before: RecordRow | null;
  after: RecordRow | null;
  undoOf: string | null;
  undoneBy: string | null;
  undoneAt: string | null;
}

export function toAuditRow(e: AuditEntry): AuditRow {
  return {
    id: e._id.toHexString(),
    at: e.at.toISOString(),
    by: e.by,
    action: e.action,
    symbol: e.symbol,
    date: e.date,
    before: e.before ? toRow(e.before) : null,
    after: e.after ? toRow(e.after) : null,
    undoOf: e.undoOf?.toHexString() ?? null,
    undoneBy: e.undoneBy?.toHexString() ?? null,
    undoneAt: e.undoneAt?.toISOString() ?? null,
  };
}

export const AUDIT_PAGE_SIZE = 50;

export async function auditPage(db: Db, q: { symbol?: string; page: number }): Promise<{ rows: AuditRow[]; total: number }> {
  // Every audit write moves the data version (recordAudit, markAuditUndone), so a cached page is never stale.
  return cachedRead(
    db,
    `audit\u0000${JSON.stringify([q.symbol ?? null, q.page])}`,
    async () => {
      const { entries, total } = await listAudit(db, { symbol: q.symbol, skip: (q.page - 1) * AUDIT_PAGE_SIZE, limit: AUDIT_PAGE_SIZE });
      return { rows: entries.map(toAuditRow), total };
    },
    (p) => p.rows.length,
  );
}
