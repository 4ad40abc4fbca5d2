import { MongoBulkWriteError, type Db } from "mongodb";
import type { RejectedRow } from "../transform/bars.js";
import { chunks } from "./batching.server.js";
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

/** A rejected symbol longer than this is cut: valid ones have at most 20 characters. */
const MAX_SYMBOL = 64;
/** Rows are kept whole up to this size; a hand-edited object may hold far bigger ones. */
export const MAX_ROW_JSON = 16 * 1024;

/**
 * The row as JSON text, always valid JSON and at most about MAX_ROW_JSON
 * long: a row too big (a document may not pass 16 MB) or too deeply nested
 * to serialise is replaced by a note saying so, with the start of its text.
 */
export function rowJsonOf(row: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(row) ?? "null";
  } catch (e) {
    return JSON.stringify({ unstorableRow: `the row could not be written as JSON (${(e as Error).message})` });
  }
  if (text.length <= MAX_ROW_JSON) return text;
  return JSON.stringify({ unstorableRow: `the row is ${text.length} characters of JSON; its start is kept`, start: text.slice(0, MAX_ROW_JSON) });
}

/**
 * Upserts by (lake object, row index), so re-running a load does not pile up
 * copies. Two commands quarantining the same row at once can both try the
 * insert; the unique index refuses one (E11000), whose second attempt then
 * finds the row and updates it.
 */
export async function quarantineRows(db: Db, lakeObject: string, rows: readonly RejectedRow[], runId: string): Promise<void> {
  if (rows.length === 0) return;
  const now = new Date();
  const ops = rows.map((r) => ({
    updateOne: {
      filter: { lakeObject, rowIndex: r.index },
      update: {
        $set: { symbol: r.symbol?.slice(0, MAX_SYMBOL) ?? null, date: r.date ?? null, reasons: r.reasons, rowJson: rowJsonOf(r.row), runId, quarantinedAt: now },
      },
      upsert: true,
    },
  }));
  // A re-run matches every row: at most MAX_UPDATES_PER_COMMAND per command (batching.server.ts).
  for (const chunk of chunks(ops)) {
    try {
      await db.collection<QuarantinedRow>(QUARANTINE).bulkWrite(chunk, { ordered: false });
    } catch (e) {
      if (!onlyDuplicateKeys(e)) throw e;
      await db.collection<QuarantinedRow>(QUARANTINE).bulkWrite(chunk, { ordered: false });
    }
  }
}

function onlyDuplicateKeys(e: unknown): boolean {
  if (!(e instanceof MongoBulkWriteError)) return false;
  const errors = Array.isArray(e.writeErrors) ? e.writeErrors : [e.writeErrors];
  return errors.length > 0 && errors.every((w) => w.code === 11000);
}

export function listQuarantine(db: Db, limit = 50): Promise<QuarantinedRow[]> {
  return db.collection<QuarantinedRow>(QUARANTINE).find({}).sort({ quarantinedAt: -1 }).limit(limit).toArray();
}
