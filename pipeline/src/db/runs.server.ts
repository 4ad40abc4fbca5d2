import { randomUUID } from "node:crypto";
import type { Db } from "mongodb";
import { ensureIndexes } from "./indexes.server.js";

/** Outcome of a pipeline command, as recorded and as shown by `status`. */
export type RunOutcome = "running" | "success" | "market-closed" | "rejected-records" | "failed";

export interface RunCounts {
  rows: number;
  valid: number;
  rejected: number;
  inserted: number;
  updated: number;
  unchanged: number;
  protectedManual: number;
}

/** A record of one CLI command, in `pipeline_runs`. */
export interface RunRecord {
  _id: string;
  command: string;
  args: Record<string, unknown>;
  feed: string;
  startedAt: Date;
  finishedAt?: Date;
  durationMs?: number;
  outcome: RunOutcome;
  counts: RunCounts;
  apiRequests: number;
  lakeObjectsWritten: number;
  lakeObjectsRead: number;
  message?: string;
  error?: { kind: string; message: string };
  host: string;
}

export const PIPELINE_RUNS = "pipeline_runs";

export const emptyCounts = (): RunCounts => ({ rows: 0, valid: 0, rejected: 0, inserted: 0, updated: 0, unchanged: 0, protectedManual: 0 });

export async function ensureRunIndexes(db: Db): Promise<void> {
  await ensureIndexes(db.collection<RunRecord>(PIPELINE_RUNS), [{ key: { startedAt: -1 }, options: { name: "startedAt" } }]);
}

/** Records the start, so a run that dies still leaves a trace ("running" forever). */
export async function startRun(db: Db, run: Pick<RunRecord, "command" | "args" | "feed" | "host">): Promise<string> {
  const _id = `${new Date().toISOString().replace(/[-:.]/g, "").slice(0, 15)}-${randomUUID().slice(0, 8)}`;
  await db.collection<RunRecord>(PIPELINE_RUNS).insertOne({
    _id,
    ...run,
    startedAt: new Date(),
    outcome: "running",
    counts: emptyCounts(),
    apiRequests: 0,
    lakeObjectsWritten: 0,
    lakeObjectsRead: 0,
  });
  return _id;
}

export async function finishRun(
  db: Db,
  id: string,
  result: Pick<RunRecord, "outcome" | "counts" | "apiRequests" | "lakeObjectsWritten" | "lakeObjectsRead"> & Partial<Pick<RunRecord, "message" | "error">>,
): Promise<void> {
  const runs = db.collection<RunRecord>(PIPELINE_RUNS);
  const started = await runs.findOne({ _id: id }, { projection: { startedAt: 1 } });
  const finishedAt = new Date();
  await runs.updateOne(
    { _id: id },
    { $set: { ...result, finishedAt, durationMs: started ? finishedAt.getTime() - started.startedAt.getTime() : 0 } },
  );
}

export function recentRuns(db: Db, limit = 10): Promise<RunRecord[]> {
  return db.collection<RunRecord>(PIPELINE_RUNS).find({}).sort({ startedAt: -1 }).limit(limit).toArray();
}
