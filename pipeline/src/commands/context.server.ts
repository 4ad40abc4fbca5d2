import { hostname } from "node:os";
import { join } from "node:path";
import type { Db, MongoClient } from "mongodb";
import { redact, redactMongoUri, type Config } from "../config.server.js";
import { asDatabaseError, connectMongo, mongoReason } from "../db/client.server.js";
import { ensureCorporateActionIndexes } from "../db/corporate-actions.server.js";
import { ensureDailyPriceIndexes } from "../db/daily-prices.server.js";
import { ensureQuarantineIndexes } from "../db/quarantine.server.js";
import { ensureSymbolSummaries } from "../db/symbol-summaries.server.js";
import { emptyCounts, ensureRunIndexes, finishRun, heartbeat, HEARTBEAT_MS, markAbandonedRuns, startRun, type RunCounts, type RunOutcome } from "../db/runs.server.js";
import { DatabaseError, InterruptedError, PipelineError } from "../errors.js";
import { startFakePolygon } from "../fake-polygon/server.js";
import { openLake, type Lake } from "../lake/lake.js";
import { PolygonClient } from "../polygon/client.server.js";
import { ensureEmbeddedMongo } from "../services/ferretdb.server.js";
import { isPidAlive } from "../services/process.server.js";
import { emptyActionCounts, type ActionCounts } from "./actions.server.js";

/** What a command returns; the CLI turns it into an exit code and a summary. */
export interface CommandResult {
  outcome: Exclude<RunOutcome, "running" | "failed" | "abandoned">;
  message: string;
  warnings?: string[];
  details?: Record<string, unknown>;
}

/** Shared per-command state: configuration, services and the run's counters. */
export interface Context {
  config: Config;
  log: (line: string) => void;
  db: Db;
  lake: Lake;
  runId: string;
  counts: RunCounts;
  /** What loads did to corporate_actions; their rows are also in `counts` (rows, valid, rejected). */
  actionCounts: ActionCounts;
  /**
   * Actions objects this command already loaded (or deliberately skipped as
   * off-chain). A catch-up loads several sessions under one run id, so without
   * it each session would reload the earlier sessions' pages as "healed".
   */
  actionKeysLoaded: Set<string>;
  lakeObjectsWritten: number;
  lakeObjectsRead: number;
  /** The API client, created on first use (commands like reprocess never call it). */
  polygon(): Promise<PolygonClient>;
}

export interface Services {
  db: Db;
  close(): Promise<void>;
}

/** Connects to MONGODB_URI, or to the embedded server (started if needed). Creates indexes. */
export async function openDatabase(config: Config, log: (line: string) => void): Promise<Services & { client: MongoClient }> {
  let uri = config.mongo.uri;
  if (!uri) {
    const embedded = await ensureEmbeddedMongo({ dataDir: join(config.dataDir, "ferretdb"), log });
    uri = embedded.uri;
    if (embedded.startedHere) log(`started the embedded MongoDB (FerretDB) at ${uri}, data in ${join(config.dataDir, "ferretdb")}`);
  }
  const { client, db } = await connectMongo(uri, config.mongo.dbName);
  try {
    await ensureDailyPriceIndexes(db);
    await ensureRunIndexes(db);
    await ensureQuarantineIndexes(db);
    await ensureCorporateActionIndexes(db);
    await ensureSymbolSummaries(db, log);
  } catch (e) {
    await client.close();
    throw new DatabaseError(`cannot create the indexes in ${config.mongo.dbName}: ${mongoReason(e)}`, { cause: e });
  }
  return { client, db, close: () => client.close() };
}

/**
 * Marks the runs left "running" by processes that are gone as "abandoned"
 * (see markAbandonedRuns) and says so. Never fails the command: at worst the
 * stale records stay until the next one.
 */
export async function recordAbandonedRuns(db: Db, log: (line: string) => void, except?: string): Promise<void> {
  try {
    const marked = await markAbandonedRuns(db, { host: hostname(), isAlive: isPidAlive, except });
    for (const r of marked) log(`note: run ${r._id} (${r.command}, started ${r.startedAt.toISOString()}) never recorded an outcome and its process is gone: marked "abandoned"`);
  } catch (e) {
    log(`warning: could not check for abandoned runs: ${mongoReason(e)}`);
  }
}

/** What withRun hands back: the body's result or its error (as a PipelineError where one fits). */
export interface RunResult {
  result?: CommandResult;
  error?: unknown;
  ctx: Pick<Context, "runId" | "counts" | "actionCounts" | "lakeObjectsWritten" | "lakeObjectsRead">;
  apiRequests: number;
}

/**
 * Runs one command with a run record around it: the record is written before
 * any work, and always finished with the true outcome and error.
 *
 * SIGINT and SIGTERM during the command finish the record as failed with an
 * InterruptedError and then call `opts.interrupted`, which must end the
 * process: the body cannot be cancelled midway, and letting it run on after
 * the record says "interrupted" would make the record lie. (A second signal
 * gets the default behaviour and kills the process at once.) If the process
 * dies without finishing the record (SIGKILL, a crash, the database gone),
 * the next command marks it "abandoned".
 */
export async function withRun(
  config: Config,
  command: string,
  args: Record<string, unknown>,
  body: (ctx: Context) => Promise<CommandResult>,
  opts: { log: (line: string) => void; interrupted?: (run: RunResult) => never },
): Promise<RunResult> {
  const log = (line: string) => opts.log(redact(line, config.secrets));
  const lake = openLake(config.lake.uri, {
    gcsApiEndpoint: config.lake.gcsApiEndpoint,
    projectId: config.lake.gcsProjectId,
    forbiddenValues: config.secrets,
  });
  const services = await openDatabase(config, log);
  let client: PolygonClient | undefined;
  let offline: { close(): Promise<void> } | undefined;
  let runId: string;
  try {
    runId = await startRun(services.db, { command, args, feed: config.feed, host: hostname(), pid: process.pid });
  } catch (e) {
    await services.close();
    throw new DatabaseError(`cannot write the run record: ${mongoReason(e)}`, { cause: e });
  }
  await recordAbandonedRuns(services.db, log, runId);
  const ctx: Context = {
    config,
    log,
    db: services.db,
    lake,
    runId,
    counts: emptyCounts(),
    actionCounts: emptyActionCounts(),
    actionKeysLoaded: new Set(),
    lakeObjectsWritten: 0,
    lakeObjectsRead: 0,
    async polygon() {
      if (client) return client;
      let baseUrl = config.polygon.baseUrl;
      let apiKey = config.polygon.apiKey;
      if (config.feed === "synthetic") {
        const fake = await startFakePolygon({ apiKeys: ["offline-synthetic"], seed: "demo" });
        offline = fake;
        baseUrl = fake.url;
        apiKey = "offline-synthetic";
        log("POLYGON_API_KEY is not set: using the offline SYNTHETIC source (deterministic made-up prices, not market data)");
      }
      client = new PolygonClient({ ...config.polygon, baseUrl: baseUrl!, apiKey: apiKey!, log });
      return client;
    },
  };
  log(`run ${runId}: ${command} (lake ${lake.description}, database ${config.mongo.dbName} on ${config.mongo.uri ? redactMongoUri(config.mongo.uri) : "the embedded server"})`);
  // Unref'd: a heartbeat never keeps the process alive, and a failed one is harmless (the next one may succeed).
  const beat = setInterval(() => void heartbeat(services.db, runId).catch(() => undefined), HEARTBEAT_MS).unref();
  let result: CommandResult | undefined;
  let error: unknown;
  const signals = onceInterrupted();
  try {
    result = await Promise.race([body(ctx), signals.interrupted]);
  } catch (e) {
    error = asDatabaseError(e, `running ${command}`);
  } finally {
    signals.dispose();
    clearInterval(beat);
  }
  const apiRequests = client?.requestCount ?? 0;
  try {
    await finishRun(services.db, runId, {
      outcome: result?.outcome ?? "failed",
      counts: ctx.counts,
      apiRequests,
      lakeObjectsWritten: ctx.lakeObjectsWritten,
      lakeObjectsRead: ctx.lakeObjectsRead,
      ...(result && { message: redact(result.message, config.secrets) }),
      ...(error !== undefined && { error: { kind: errorKind(error), message: redact(errorMessage(error), config.secrets) } }),
    });
  } catch (e) {
    log(`warning: could not record the outcome of run ${runId} (${mongoReason(e)}): it stays "running" until a later command finds its process gone and marks it "abandoned"`);
  } finally {
    await offline?.close();
    await services.close();
  }
  const done: RunResult = { result, error, ctx, apiRequests };
  if (error instanceof InterruptedError && opts.interrupted) opts.interrupted(done);
  return done;
}

/**
 * A promise that rejects with an InterruptedError on the first SIGINT or
 * SIGTERM. Registering a listener replaces Node's default (exit at once);
 * `dispose` restores it.
 */
function onceInterrupted(): { interrupted: Promise<never>; dispose: () => void } {
  let dispose = () => undefined as void;
  const interrupted = new Promise<never>((_, reject) => {
    const on = (signal: NodeJS.Signals) => {
      dispose();
      reject(new InterruptedError(signal));
    };
    process.once("SIGINT", on);
    process.once("SIGTERM", on);
    dispose = () => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
    };
  });
  interrupted.catch(() => undefined); // rejected after the race may be settled: never unhandled
  return { interrupted, dispose };
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function errorKind(e: unknown): string {
  if (e instanceof PipelineError) return e.name;
  return e instanceof Error ? e.name : "Error";
}
