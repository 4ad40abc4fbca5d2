import type { Db } from "mongodb";
import type { RejectedRow } from "../transform/bars.js";
import { ensureIndexes } from "./indexes.server.js";

/** A row the pipeline refused, kept with its reasons for a person to look at. */
export interface QuarantinedRow {
  lakeObject: string;
  rowIndex: number;
  symbol: string | null;
  date: string | null;
  reasons: string[];
  /** The row as JSON text: raw rows may hold keys MongoDB refuses ($-prefixed, dotted). */
  rowJson: string;
  runId: string;
  quarantinedAt: Date;
}

export const QUARANTINE = "quarantine";

export async function ensureQuarantineIndexes(db: Db): Promise<void> {
  await ensureIndexes(db.collection(QUARANTINE), [{ key: { lakeObject: 1, rowIndex: 1 }, options: { name: "object_row_unique", unique: true } }]);
}

/** Upserts by (lake object, row index), so re-running a load does not pile up copies. */
export async function quarantineRows(db: Db, lakeObject: string, rows: readonly RejectedRow[], runId: string): Promise<void> {
  if (rows.length === 0) return;
  const now = new Date();
  await db.collection<QuarantinedRow>(QUARANTINE).bulkWrite(
    rows.map((r) => ({
      updateOne: {
        filter: { lakeObject, rowIndex: r.index },
        update: {
          $set: { symbol: r.symbol ?? null, date: r.date ?? null, reasons: r.reasons, rowJson: JSON.stringify(r.row) ?? "null", runId, quarantinedAt: now },
        },
        upsert: true,
      },
    })),
    { ordered: false },
  );
}

export function listQuarantine(db: Db, limit = 50): Promise<QuarantinedRow[]> {
  return db.collection<QuarantinedRow>(QUARANTINE).find({}).sort({ quarantinedAt: -1 }).limit(limit).toArray();
}
