/**
 * End-to-end harness: runs the BUILT `stock-pipeline` CLI as a child process,
 * the way a user or Airflow does, against real local servers: the run's
 * FerretDB (`inject("mongoUri")`), fake-gcs-server (`inject("gcsEndpoint")`)
 * and a fake Polygon server started in-process per test file.
 *
 *   const w = await useE2eWorld({ name: "daily" });   // top-level await in a test file
 *   const r = await w.cli(["run", "--date", "2025-01-03", "--json"]);
 *
 * Each world has its own API key, database (dropped afterwards) and lake
 * folder (removed afterwards). The child gets a clean environment: nothing of
 * the parent's POLYGON_* / MONGODB_* leaks in. Before tearing down, every
 * world checks that its key appears in no output of any command it ran and in
 * no file of its lake (secrets.test.ts checks more places, in depth).
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BSON, MongoClient, type Db } from "mongodb";
import { afterAll, inject } from "vitest";
import { startFakePolygon, type FakePolygon, type FakePolygonOptions } from "../../src/fake-polygon/server.js";
import { openLake } from "../../src/lake/lake.js";

const PIPELINE_DIR = fileURLToPath(new URL("../../", import.meta.url));
/**
 * The compiled CLI's entry point (what `npx stock-pipeline` runs), or
 * STOCK_PIPELINE_E2E_BIN to run the suite against another build.
 */
export const CLI_BIN = process.env.STOCK_PIPELINE_E2E_BIN || path.join(PIPELINE_DIR, "bin", "stock-pipeline.js");

/**
 * Fails fast when the compiled CLI is missing, and warns when it is older than
 * its sources (the tests would then exercise yesterday's code). A warning, not
 * a failure: scripts/test.sh always builds first, and in a tree others are
 * editing a source can change while the suite runs.
 */
function checkBuild(): void {
  if (process.env.STOCK_PIPELINE_E2E_BIN) return;
  const built = path.join(PIPELINE_DIR, "dist", "cli.js");
  if (!existsSync(built)) throw new Error(`the CLI is not built (${built} is missing): run npm run build --workspace pipeline`);
  const builtAt = statSync(built).mtimeMs;
  const stale: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== "test-support") walk(p);
      } else if (e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") && statSync(p).mtimeMs > builtAt) stale.push(path.relative(PIPELINE_DIR, p));
    }
  };
  walk(path.join(PIPELINE_DIR, "src"));
  if (stale.length) console.warn(`e2e: the compiled CLI is older than ${stale.slice(0, 3).join(", ")}: run npm run build --workspace pipeline`);
}
checkBuild();

/** A command's stdout as the one JSON document `--json` promises, or an error that shows what came out instead. */
export function parseJsonOutput(args: readonly string[], stdout: string, stderr: string): unknown {
  try {
    return JSON.parse(stdout);
  } catch {
    throw new Error(`stdout of stock-pipeline ${args.join(" ")} is not one JSON document:\n${stdout}\nstderr:\n${stderr}`);
  }
}

/** An API key that looks real and is unique, so searching for it means something. */
export function newApiKey(): string {
  return `e2e_${randomBytes(12).toString("hex")}`;
}

/** One finished CLI invocation. */
export interface CliRun {
  args: string[];
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as the one JSON document `--json` promises. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- read loosely by a hundred assertions across the suites, which are the check
  json(): any;
}

/** Environment for one child: `undefined` removes a variable of the world's base env. */
export type EnvOverrides = Record<string, string | undefined>;

const CLI_TIMEOUT_MS = 45_000;

/** Runs the built CLI with exactly `env` (plus PATH) and collects its output. */
export function runCli(args: string[], env: Record<string, string>, cwd: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, cwd, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill("SIGKILL"), CLI_TIMEOUT_MS);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      if (signal) return reject(new Error(`stock-pipeline ${args.join(" ")} was killed (${signal}) after ${CLI_TIMEOUT_MS} ms; stderr:\n${stderr}`));
      resolve({
        args,
        code,
        stdout,
        stderr,
        json: () => parseJsonOutput(args, stdout, stderr),
      });
    });
  });
}

/** A readable failure message: the command, its exit code and its stderr. */
export function describeRun(r: CliRun): string {
  return `stock-pipeline ${r.args.join(" ")} exited ${r.code}\n--- stderr ---\n${r.stderr}--- stdout ---\n${r.stdout}`;
}

/** True when the text holds a JavaScript stack trace ("    at fn (file:line)"). */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+(:\d+:\d+\)?|\(native\))$/m.test(text);
}

export interface E2eWorld {
  apiKey: string;
  fake: FakePolygon;
  db: Db;
  client: MongoClient;
  dbName: string;
  lakeDir: string;
  /** A scratch folder for the test file (the children's cwd, HOME and DATA_DIR live here). */
  scratch: string;
  /** The children's base environment. */
  env: Record<string, string>;
  /** Every run of this world, for searches over all output. */
  runs: CliRun[];
  cli(args: string[], overrides?: EnvOverrides): Promise<CliRun>;
}

export interface WorldOptions {
  /** Short name, part of the database name. */
  name: string;
  fake?: Omit<FakePolygonOptions, "apiKeys">;
  /** TICKERS of the children (default: the product's default watchlist). */
  tickers?: string;
  /** Extra base environment. */
  env?: Record<string, string>;
}

/**
 * Starts a fake Polygon server and makes a database name and a lake folder
 * for one test file; registers an afterAll that tears it all down. Call with
 * top-level await.
 */
export async function useE2eWorld(opts: WorldOptions): Promise<E2eWorld> {
  const apiKey = newApiKey();
  const fake = await startFakePolygon({ universeSize: 60, ...opts.fake, apiKeys: [apiKey] });
  const scratch = await mkdtemp(path.join(tmpdir(), `e2e-${opts.name}-`));
  const lakeDir = path.join(scratch, "lake");
  const dbName = `e2e_${opts.name}_${process.env.VITEST_POOL_ID ?? "0"}_${randomBytes(4).toString("hex")}`;
  const client = new MongoClient(inject("mongoUri"), { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  const db = client.db(dbName);
  const env: Record<string, string> = {
    HOME: scratch,
    DATA_DIR: path.join(scratch, "data"),
    POLYGON_API_KEY: apiKey,
    POLYGON_BASE_URL: fake.url,
    MONGODB_URI: inject("mongoUri"),
    MONGODB_DB: dbName,
    LAKE_URI: lakeDir,
    POLYGON_RETRY_BASE_MS: "20",
    POLYGON_MAX_REQUESTS_PER_MINUTE: "6000",
    // A zone far from New York: dates must come from America/New_York, never the machine's zone.
    TZ: "Pacific/Kiritimati",
    ...(opts.tickers !== undefined && { TICKERS: opts.tickers }),
    ...opts.env,
  };
  const runs: CliRun[] = [];
  afterAll(async () => {
    const leak = await assertKeyNowhere(apiKey, runs, lakeDir).catch((e: unknown) => e);
    await fake.close();
    try {
      await db.dropDatabase();
    } finally {
      await client.close();
      await rm(scratch, { recursive: true, force: true });
    }
    if (leak) throw leak;
  });
  return {
    apiKey,
    fake,
    db,
    client,
    dbName,
    lakeDir,
    scratch,
    env,
    runs,
    async cli(args, overrides = {}) {
      const childEnv: Record<string, string> = { ...env };
      for (const [k, v] of Object.entries(overrides)) {
        if (v === undefined) delete childEnv[k];
        else childEnv[k] = v;
      }
      const r = await runCli(args, childEnv, scratch);
      runs.push(r);
      return r;
    },
  };
}

/** Throws if the key is in any command's output, or in a lake file's name or content. */
async function assertKeyNowhere(apiKey: string, runs: readonly CliRun[], lakeDir: string): Promise<void> {
  const leaks = runs.filter((r) => r.stdout.includes(apiKey) || r.stderr.includes(apiKey)).map((r) => `the output of stock-pipeline ${r.args.join(" ")}`);
  for (const f of await listFiles(lakeDir)) {
    if (f.includes(apiKey) || (await readFile(path.join(lakeDir, f), "utf8")).includes(apiKey)) leaks.push(`lake file ${f}`);
  }
  if (leaks.length) throw new Error(`the API key leaked into ${leaks.join(", ")}`);
}

/** Every file under `dir` (relative paths, "/"-separated), sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      throw e;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else out.push(r);
    }
  };
  await walk("");
  return out.sort();
}

/** Reads a lake object's body as JSON (local lake). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- raw API pages as stored: each test asserts the fields it reads
export async function readLakeJson(lakeDir: string, key: string): Promise<any> {
  return JSON.parse(await readFile(path.join(lakeDir, ...key.split("/")), "utf8"));
}

/** A document or collection as text, for searching it for secrets. */
export function serialize(value: unknown): string {
  return BSON.EJSON.stringify(value, { relaxed: false });
}

/** The comparable content of `daily_prices`: values and provenance that must survive a rebuild, sorted by key. */
export async function priceRows(db: Db, filter: Record<string, unknown> = {}): Promise<Record<string, unknown>[]> {
  const docs = await db.collection("daily_prices").find(filter).sort({ symbol: 1, date: 1 }).toArray();
  return docs.map((d) => ({
    symbol: d.symbol,
    date: (d.date as Date).toISOString(),
    open: d.open,
    high: d.high,
    low: d.low,
    close: d.close,
    volume: d.volume,
    vwap: d.vwap,
    transactions: d.transactions,
    otc: d.otc,
    source: d.source,
    feed: d.feed,
    lakeObject: d.lakeObject,
    deletedAt: d.deletedAt,
  }));
}

/** `YYYY-MM-DD` → the stored Date (00:00 UTC of that date), as the data model fixes it. */
export const day = (iso: string): Date => new Date(`${iso}T00:00:00.000Z`);

/**
 * Puts a hand-made grouped-daily response into a local lake with the metadata
 * an extract would have stored beside it, as if the API had sent these bytes.
 */
export async function putGroupedResponse(lakeDir: string, date: string, body: string | object): Promise<string> {
  const key = `raw/polygon/grouped/date=${date}/grouped.json`;
  const bytes = Buffer.from(typeof body === "string" ? body : JSON.stringify(body), "utf8");
  let resultsCount = 0;
  try {
    resultsCount = (JSON.parse(bytes.toString("utf8")) as { results?: unknown[] }).results?.length ?? 0;
  } catch {
    // A corrupt body on purpose.
  }
  await openLake(lakeDir).put(key, bytes, {
    feed: "polygon",
    request: `GET /v2/aggs/grouped/locale/us/market/stocks/${date}?adjusted=false&include_otc=false`,
    status: "200",
    requestedAt: new Date().toISOString(),
    contentType: "application/json",
    bytes: String(bytes.length),
    sha256: createHash("sha256").update(bytes).digest("hex"),
    resultsCount: String(resultsCount),
    runId: "hand-made-by-e2e",
  });
  return key;
}

/** 16:00 New York time of a winter (EST) session, as grouped bars are stamped. */
export const closeStampEst = (date: string): number => Date.parse(`${date}T21:00:00.000Z`);
