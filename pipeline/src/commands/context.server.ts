import { hostname } from "node:os";
import { join } from "node:path";
import type { Db, MongoClient } from "mongodb";
import { redact, redactMongoUri, type Config } from "../config.server.js";
import { connectMongo, mongoReason } from "../db/client.server.js";
import { ensureDailyPriceIndexes } from "../db/daily-prices.server.js";
import { ensureQuarantineIndexes } from "../db/quarantine.server.js";
import { emptyCounts, ensureRunIndexes, finishRun, startRun, type RunCounts, type RunOutcome } from "../db/runs.server.js";
import { DatabaseError, PipelineError } from "../errors.js";
import { startFakePolygon } from "../fake-polygon/server.js";
import { openLake, type Lake } from "../lake/lake.js";
import { PolygonClient } from "../polygon/client.server.js";
import { ensureEmbeddedMongo } from "../services/ferretdb.server.js";

/** What a command returns; the CLI turns it into an exit code and a summary. */
export interface CommandResult {
  outcome: Exclude<RunOutcome, "running" | "failed">;
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
  } catch (e) {
    await client.close();
    throw new DatabaseError(`cannot create the indexes in ${config.mongo.dbName}: ${mongoReason(e)}`, { cause: e });
  }
  return { client, db, close: () => client.close() };
}

/**
 * Runs one command with a run record around it: the record is written before
 * any work, and always finished with the true outcome and error.
 */
export async function withRun(
  config: Config,
  command: string,
  args: Record<string, unknown>,
  body: (ctx: Context) => Promise<CommandResult>,
  opts: { log: (line: string) => void },
): Promise<{ result?: CommandResult; error?: unknown; ctx: Pick<Context, "runId" | "counts" | "lakeObjectsWritten" | "lakeObjectsRead">; apiRequests: number }> {
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
    runId = await startRun(services.db, { command, args, feed: config.feed, host: hostname() });
  } catch (e) {
    await services.close();
    throw new DatabaseError(`cannot write the run record: ${mongoReason(e)}`, { cause: e });
  }
  const ctx: Context = {
    config,
    log,
    db: services.db,
    lake,
    runId,
    counts: emptyCounts(),
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
  log(`run ${runId}: ${command} (lake ${lake.description}, database ${config.mongo.uri ? redactMongoUri(config.mongo.uri) : "embedded"}/${config.mongo.dbName})`);
  let result: CommandResult | undefined;
  let error: unknown;
  try {
    result = await body(ctx);
  } catch (e) {
    error = e;
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
    log(`warning: could not finish the run record ${runId}: ${errorMessage(e)}`);
  } finally {
    await offline?.close();
    await services.close();
  }
  return { result, error, ctx, apiRequests };
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function errorKind(e: unknown): string {
  if (e instanceof PipelineError) return e.name;
  return e instanceof Error ? e.name : "Error";
}
