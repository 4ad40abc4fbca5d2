/**
 * The embedded MongoDB: FerretDB v1.24 (tools/ferretdb, built by
 * scripts/ensure-tools.sh into .tools/bin/ferretdb-embedded) on a PostgreSQL
 * cluster in `<dataDir>/pg` (postgres.server.ts; decision 070), or on SQLite
 * files in `<dataDir>` (the former default: old data and benchmark baselines).
 * Two ways to run it:
 * - startFerretDb: a child of this process with its own cluster, both stopped by stop() (tests).
 * - ensureEmbeddedMongo: one detached server (PostgreSQL + FerretDB) per data
 *   directory, shared by the CLI, the demo and the web app, found again through
 *   `<dataDir>/server.json` and the cluster's `postmaster.pid`.
 * Starting the shared one is guarded by the exclusive lock file `<dataDir>/start.lock`.
 */
import { spawn } from "node:child_process";
import { appendFileSync, closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { mkdir, readFile, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { MongoClient } from "mongodb";
import { ConfigError, DatabaseError } from "../errors.js";
import { isPostgresRunning, postgresPid, startPostgres, stopPostgres } from "./postgres.server.js";
import { migrateSqliteData, sqliteFiles } from "./sqlite-migration.server.js";
import { captureTail, isExecutable, isPidAlive, killOnExit, stopChild, stopPid, tailLines, takeLockFile, toolPath, waitUntil } from "./process.server.js";

export interface FerretDbServer {
  uri: string;
  pid: number;
  stop(): Promise<void>;
}
export interface EmbeddedMongo {
  uri: string;
  /** False when an already running server was reused; stop() then does nothing. */
  startedHere: boolean;
  stop(): Promise<void>;
}
interface ServerInfo {
  uri: string;
  pid: number;
}
/** Where FerretDB keeps its data: PostgreSQL (the default) or SQLite files. */
export type FerretBackend = "postgresql" | "sqlite";

const START_TIMEOUT_MS = 30_000;
const NAME = "the embedded MongoDB (FerretDB)";

/** `.tools/bin/ferretdb-embedded` of the repository, or `$FERRETDB_BIN`. */
export function ferretDbBinPath(): string {
  return toolPath("ferretdb-embedded", "FERRETDB_BIN");
}

function missingBinary(bin: string): ConfigError {
  return new ConfigError(`${NAME} is not built: run scripts/ensure-tools.sh, or set MONGODB_URI (there is no executable at ${bin})`);
}

/** True when a MongoDB wire-protocol server at `uri` answers `ping` within `timeoutMs`. */
export async function pingMongo(uri: string, timeoutMs = 1_000): Promise<boolean> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs });
  try {
    await client.connect();
    await client.db("admin").command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => undefined);
  }
}

function ferretArgs(dataDir: string, pgUrl: string | undefined, stateFile?: string, logLevel = "error"): string[] {
  const backend = pgUrl === undefined ? ["-handler", "sqlite"] : ["-handler", "postgresql", "-postgresql-url", pgUrl];
  const args = ["-listen", "127.0.0.1:0", "-data", dataDir, ...backend, "-log-level", logLevel];
  return stateFile ? [...args, "-state-file", stateFile] : args;
}

function parseInfo(text: string | undefined): ServerInfo | undefined {
  try {
    const info = JSON.parse(text ?? "") as Partial<ServerInfo>;
    return typeof info.uri === "string" && typeof info.pid === "number" ? { uri: info.uri, pid: info.pid } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts FerretDB as a child of this process, on a PostgreSQL cluster in
 * `<dataDir>/pg` (started here, stopped with it) unless `backend` is "sqlite";
 * resolves once it answers `ping`.
 */
export async function startFerretDb(opts: { dataDir: string; backend?: FerretBackend; binPath?: string; stateFile?: string; logLevel?: string }): Promise<FerretDbServer> {
  const bin = opts.binPath ?? ferretDbBinPath();
  if (!isExecutable(bin)) throw missingBinary(bin);
  await mkdir(opts.dataDir, { recursive: true });
  const postgres = (opts.backend ?? "postgresql") === "postgresql";
  const pgUrl = postgres ? (await startPostgres(opts.dataDir)).url : undefined;
  const stopPg = killPostgresOnExit(opts.dataDir, postgres);
  const child = spawn(bin, ferretArgs(opts.dataDir, pgUrl, opts.stateFile, opts.logLevel), { stdio: ["ignore", "pipe", "pipe"] });
  const unregisterChild = killOnExit(child);
  const unregister = () => {
    unregisterChild();
    stopPg.unregister();
  };
  const stderr = captureTail(child.stderr);
  let firstLine: string | undefined;
  let failure: Error | undefined;
  createInterface({ input: child.stdout! }).on("line", (line) => (firstLine ??= line));
  child.on("error", (error) => (failure ??= new DatabaseError(`${NAME} could not be started from ${bin}: ${error.message}`)));
  child.on("close", (code, signal) => {
    failure ??= new DatabaseError(`${NAME} exited (${signal ?? `code ${code}`}) before it was ready${tailLines(stderr())}`);
  });
  const stop = async () => {
    unregister();
    await stopChild(child);
    if (postgres) await stopPostgres(opts.dataDir);
  };
  try {
    const failed = () => failure;
    await waitUntil(async () => firstLine !== undefined, { timeoutMs: START_TIMEOUT_MS, what: `${NAME} to print its address`, failed, intervalMs: 20 });
    const info = parseInfo(firstLine);
    if (!info) throw new DatabaseError(`${NAME} printed ${JSON.stringify(firstLine)} instead of its JSON address line`);
    await waitUntil(() => pingMongo(info.uri), { timeoutMs: START_TIMEOUT_MS, what: `${NAME} to answer ping at ${info.uri}`, failed });
    return { uri: info.uri, pid: info.pid, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Asks a test's cluster to shut down (fast) if this process exits without stopping it. */
function killPostgresOnExit(dataDir: string, postgres: boolean): { unregister(): void } {
  if (!postgres) return { unregister: () => undefined };
  const kill = () => {
    const pid = postgresPid(dataDir);
    if (pid !== undefined) process.kill(pid, "SIGINT"); // SIGINT: PostgreSQL's fast shutdown
  };
  process.once("exit", kill);
  return { unregister: () => process.off("exit", kill) };
}

/** The server recorded in `<dataDir>/server.json` if its process is alive (and, where /proc tells, is ours). */
async function recordedServer(dataDir: string): Promise<ServerInfo | undefined> {
  const info = parseInfo(await readFile(join(dataDir, "server.json"), "utf8").catch(() => undefined));
  if (!info || !isPidAlive(info.pid)) return undefined;
  if (!existsSync("/proc/self/cmdline")) return info;
  const cmdline = await readFile(`/proc/${info.pid}/cmdline`, "utf8").catch(() => "");
  return cmdline.includes("-state-file") ? info : undefined; // otherwise the pid was reused after a crash
}

/** Starts a detached FerretDB that outlives this process; logs to `<dataDir>/ferretdb.log`. */
async function startDetached(bin: string, dataDir: string, pgUrl: string): Promise<ServerInfo> {
  const stateFile = join(dataDir, "server.json");
  const logPath = join(dataDir, "ferretdb.log");
  await rm(stateFile, { force: true }); // left behind by a killed server
  appendFileSync(logPath, `--- ${new Date().toISOString()} started by pid ${process.pid}\n`);
  const logFd = openSync(logPath, "a");
  const child = (() => {
    try {
      return spawn(bin, ferretArgs(dataDir, pgUrl, stateFile), { detached: true, stdio: ["ignore", logFd, logFd] });
    } finally {
      closeSync(logFd);
    }
  })();
  child.unref();
  let failure: Error | undefined;
  child.on("error", (error) => (failure ??= new DatabaseError(`${NAME} could not be started from ${bin}: ${error.message}`)));
  child.on("exit", (code, signal) => {
    const log =
      readFileSync(logPath, "utf8")
        .split(/^--- .*$/m)
        .pop() ?? "";
    failure ??= new DatabaseError(`${NAME} exited (${signal ?? `code ${code}`}) before it was ready; ${logPath} ends with${tailLines(log)}`);
  });
  const failed = () => failure;
  let info: ServerInfo | undefined;
  try {
    await waitUntil(async () => (info = await recordedServer(dataDir))?.pid === child.pid, {
      timeoutMs: START_TIMEOUT_MS,
      what: `${NAME} to write ${stateFile}`,
      failed,
      intervalMs: 25,
    });
    const uri = info!.uri;
    await waitUntil(() => pingMongo(uri), { timeoutMs: START_TIMEOUT_MS, what: `${NAME} to answer ping at ${uri}`, failed });
    return info!;
  } catch (error) {
    if (child.pid !== undefined) await stopPid(child.pid);
    throw error;
  }
}

/**
 * Returns the shared embedded MongoDB of `dataDir`, starting PostgreSQL and a
 * detached FerretDB on it if either is not running (a killed one is restarted;
 * FerretDB too when its PostgreSQL had died, so that it holds no dead
 * connections). Data of the former SQLite default is migrated first. Both keep
 * running after this process exits; stop() only stops what this call started.
 */
export async function ensureEmbeddedMongo(opts: { dataDir: string; log?: (line: string) => void }): Promise<EmbeddedMongo> {
  const log = opts.log ?? (() => undefined);
  const dataDir = resolve(opts.dataDir);
  await mkdir(dataDir, { recursive: true });
  const reuse = async (): Promise<EmbeddedMongo | undefined> => {
    const info = await recordedServer(dataDir);
    if (!info || !isPostgresRunning(dataDir)) return undefined;
    // A live server that was just started may need a moment before it answers.
    if (!(await pingMongo(info.uri, 3_000))) {
      throw new DatabaseError(`${NAME} (pid ${info.pid}) is running on ${dataDir} but does not answer at ${info.uri}: stop it (kill ${info.pid}) and try again`);
    }
    log(`using ${NAME} already running at ${info.uri} (pid ${info.pid})`);
    return { uri: info.uri, startedHere: false, stop: async () => undefined };
  };
  const running = await reuse();
  if (running) return running;
  const release = await takeLockFile(join(dataDir, "start.lock"), `starting ${NAME}`);
  try {
    const startedMeanwhile = await reuse();
    if (startedMeanwhile) return startedMeanwhile;
    const bin = ferretDbBinPath();
    if (!isExecutable(bin)) throw missingBinary(bin);
    const pgWasRunning = isPostgresRunning(dataDir);
    const alive = await recordedServer(dataDir);
    if (alive) {
      // On a dead PostgreSQL it would hold dead connections; a former SQLite server must let go of its files.
      log(`${NAME} (pid ${alive.pid}) is running without its PostgreSQL: restarting it`);
      await stopPid(alive.pid);
    }
    if ((await sqliteFiles(dataDir)).length > 0) {
      await migrateSqliteData({ dataDir, log, start: (backend) => startFerretDb({ dataDir, backend, binPath: bin }) });
    }
    const { url } = await startPostgres(dataDir, { log });
    log(`starting ${NAME} on ${dataDir} (log: ${join(dataDir, "ferretdb.log")}, PostgreSQL's: ${join(dataDir, "postgresql.log")})`);
    const info = await startDetached(bin, dataDir, url);
    log(`${NAME} is listening at ${info.uri} (pid ${info.pid})`);
    return {
      uri: info.uri,
      startedHere: true,
      stop: async () => {
        await stopPid(info.pid);
        if (!pgWasRunning) await stopPostgres(dataDir);
      },
    };
  } finally {
    await release();
  }
}

/** Stops the shared embedded MongoDB of `dataDir` and its PostgreSQL. Resolves false if neither was running. */
export async function stopEmbeddedMongo(dataDir: string): Promise<boolean> {
  const dir = resolve(dataDir);
  const info = await recordedServer(dir);
  if (info) await stopPid(info.pid);
  await rm(join(dir, "server.json"), { force: true }); // in case it had to be killed
  const pg = await stopPostgres(dir);
  return info !== undefined || pg;
}
