import { randomUUID } from "node:crypto";
import type { Db } from "mongodb";
import { ensureIndexes } from "./indexes.server.js";

/**
 * Outcome of a pipeline command, as recorded and as shown by `status`.
 * "abandoned": the record was left "running" by a process that is gone
 * (killed, crashed, or unable to reach the database to record its end);
 * a later command marks it so (markAbandonedRuns).
 */
export type RunOutcome = "running" | "success" | "market-closed" | "rejected-records" | "failed" | "abandoned";

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
  /** The process running it, on `host`: how a later command tells a live run from an abandoned one. */
  pid?: number;
  /** Last sign of life of a running command (written every HEARTBEAT_MS). */
  heartbeatAt?: Date;
  /** When a later command found the run abandoned (it never recorded its own end). */
  abandonedAt?: Date;
}

export const PIPELINE_RUNS = "pipeline_runs";

export const emptyCounts = (): RunCounts => ({ rows: 0, valid: 0, rejected: 0, inserted: 0, updated: 0, unchanged: 0, protectedManual: 0 });

export async function ensureRunIndexes(db: Db): Promise<void> {
  await ensureIndexes(db.collection<RunRecord>(PIPELINE_RUNS), [{ key: { startedAt: -1 }, options: { name: "startedAt" } }]);
}

/** Records the start, so a run that dies still leaves a trace ("running" forever). */
export async function startRun(db: Db, run: Pick<RunRecord, "command" | "args" | "feed" | "host"> & Partial<Pick<RunRecord, "pid">>): Promise<string> {
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
  await runs.updateOne({ _id: id }, { $set: { ...result, finishedAt, durationMs: started ? finishedAt.getTime() - started.startedAt.getTime() : 0 } });
}

export function recentRuns(db: Db, limit = 10): Promise<RunRecord[]> {
  return db.collection<RunRecord>(PIPELINE_RUNS).find({}).sort({ startedAt: -1 }).limit(limit).toArray();
}

/** How often a running command touches its record. */
export const HEARTBEAT_MS = 60_000;
/** A running record without a heartbeat for this long is abandoned, when its process cannot be checked (another host). */
export const ABANDONED_AFTER_MS = 10 * 60_000;

/** A running command's sign of life. */
export async function heartbeat(db: Db, id: string, now = new Date()): Promise<void> {
  await db.collection<RunRecord>(PIPELINE_RUNS).updateOne({ _id: id, outcome: "running" }, { $set: { heartbeatAt: now } });
}

/**
 * Marks as "abandoned" the runs still recorded as "running" whose process is
 * gone, so that no record claims forever to be running (a SIGKILL, a crash,
 * or a database outage at the end of a run leaves one behind). A run of this
 * host is gone when its pid is; a run of another host (a container) when it
 * has given no heartbeat for ABANDONED_AFTER_MS. Returns the runs it marked.
 */
export async function markAbandonedRuns(db: Db, opts: { host: string; isAlive: (pid: number) => boolean; except?: string; now?: Date }): Promise<RunRecord[]> {
  const now = opts.now ?? new Date();
  const runs = db.collection<RunRecord>(PIPELINE_RUNS);
  const marked: RunRecord[] = [];
  for (const run of await runs.find({ outcome: "running" }).toArray()) {
    if (run._id === opts.except) continue;
    const lastSign = run.heartbeatAt ?? run.startedAt;
    let why: string | undefined;
    if (run.host === opts.host && run.pid !== undefined && !opts.isAlive(run.pid)) why = `its process (pid ${run.pid} on ${run.host}) is gone`;
    else if (now.getTime() - lastSign.getTime() > ABANDONED_AFTER_MS) why = `it has given no sign of life since ${lastSign.toISOString()}`;
    if (!why) continue;
    const error = {
      kind: "AbandonedRun",
      message: `this run never recorded an outcome and ${why} (killed, crashed, or its database was unreachable at the end); run the command again to complete its work`,
    };
    const r = await runs.updateOne({ _id: run._id, outcome: "running" }, { $set: { outcome: "abandoned", error, abandonedAt: now } });
    if (r.modifiedCount === 1) marked.push({ ...run, outcome: "abandoned", error });
  }
  return marked;
}
