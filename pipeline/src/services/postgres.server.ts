/**
 * The PostgreSQL cluster under the embedded MongoDB (FerretDB's PostgreSQL
 * backend, decision 070). One cluster per FerretDB data directory, in
 * `<baseDir>/pg`, listening on no TCP port: only on a Unix socket, with trust
 * authentication for that socket alone. PostgreSQL refuses to run as root, so
 * when we are root every PostgreSQL program runs as the `postgres` user (and
 * the cluster belongs to it); otherwise as ourselves.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ConfigError, DatabaseError } from "../errors.js";
import { tuningSql } from "./postgres-tuning.js";
import { isExecutable, isPidAlive, tailLines } from "./process.server.js";

export const FERRETDB_DATABASE = "ferretdb";
const NAME = "the embedded PostgreSQL";
// sun_path holds 108 bytes with the NUL; the socket file is `<dir>/.s.PGSQL.5432` (13 more bytes).
const MAX_SOCKET_DIR = 107 - "/.s.PGSQL.5432".length;

export interface ClusterLayout {
  pgData: string;
  socketDir: string;
  logPath: string;
  /** What FerretDB's `-postgresql-url` takes. */
  url: string;
}

/** The directory holding initdb and pg_ctl: $POSTGRES_BIN_DIR, PATH, or the newest /usr/lib/postgresql/N/bin (Debian keeps them off PATH). */
export function postgresBinDir(): string | undefined {
  const candidates = [
    process.env.POSTGRES_BIN_DIR,
    ...(process.env.PATH ?? "").split(delimiter),
    ...(existsSync("/usr/lib/postgresql")
      ? readdirSync("/usr/lib/postgresql")
          .filter((v) => /^\d+$/.test(v))
          .sort((a, b) => Number(b) - Number(a))
          .map((v) => `/usr/lib/postgresql/${v}/bin`)
      : []),
  ];
  const found = candidates.find((dir) => dir && isExecutable(join(dir, "initdb")) && isExecutable(join(dir, "pg_ctl")));
  // PATH may hold only symbolic links to some of the programs (initdb, pg_ctl): use the directory they point into, which has psql too.
  return found === undefined ? undefined : dirname(realpathSync(join(found, "pg_ctl")));
}

function binDir(): string {
  const dir = postgresBinDir();
  if (!dir) throw new ConfigError(`${NAME} is not installed (no initdb and pg_ctl on PATH or under /usr/lib/postgresql/*/bin): run scripts/setup.sh, or set MONGODB_URI`);
  return dir;
}

export function clusterLayout(baseDir: string): ClusterLayout {
  const base = resolve(baseDir);
  // A deep data directory would make the socket path too long for the kernel: then
  // the socket lives in a short directory under /tmp named after a hash of the data directory.
  const preferred = join(base, "pg-socket");
  const socketDir = preferred.length <= MAX_SOCKET_DIR ? preferred : `/tmp/stock-pg-${createHash("sha256").update(base).digest("hex").slice(0, 16)}`;
  return { pgData: join(base, "pg"), socketDir, logPath: join(base, "postgresql.log"), url: `postgres://postgres@/${FERRETDB_DATABASE}?host=${encodeURIComponent(socketDir)}` };
}

const asRoot = () => process.getuid?.() === 0;

/** The user PostgreSQL runs as: `postgres` when we are root. */
function pgUser(): { uid: number; gid: number } | undefined {
  if (!asRoot()) return undefined;
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("postgres:"));
  if (!line)
    throw new ConfigError(`${NAME} cannot run as root and there is no 'postgres' user: install Debian's postgresql package (scripts/setup.sh does), or run as another user`);
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

/** Makes `path` (a directory or file we created) belong to the PostgreSQL user. */
function giveToPg(path: string): void {
  const user = pgUser();
  if (user) chownSync(path, user.uid, user.gid);
}

/** Root's private directories (mkdtemp makes 0700 ones) would stop the postgres user on its way to the cluster: let it pass (search, not read). */
function letPgReach(dir: string): void {
  if (!asRoot()) return;
  for (let d = dirname(dir); d !== dirname(d); d = dirname(d)) {
    const mode = statSync(d).mode;
    if ((mode & 0o001) === 0) chmodSync(d, mode | 0o001);
  }
}

/** Runs a PostgreSQL program (as the postgres user when we are root); resolves with its output or rejects with it. */
function pgRun(program: string, args: string[], timeoutMs = 60_000): Promise<string> {
  const bin = join(binDir(), program);
  const [cmd, argv] = asRoot() ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args];
  return new Promise((done, fail) => {
    // cwd "/": the postgres user may not be allowed into ours.
    execFile(cmd, argv, { cwd: "/", timeout: timeoutMs, killSignal: "SIGKILL" }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`.trim();
      if (error) fail(Object.assign(error, { output }));
      else done(output);
    });
  });
}

/** Creates the cluster if `<baseDir>/pg` holds none. Idempotent. */
export async function initCluster(baseDir: string, log: (line: string) => void = () => undefined): Promise<ClusterLayout> {
  const layout = clusterLayout(baseDir);
  if (existsSync(join(layout.pgData, "PG_VERSION"))) return layout;
  mkdirSync(layout.pgData, { recursive: true, mode: 0o700 });
  giveToPg(layout.pgData);
  letPgReach(layout.pgData);
  log(`creating ${NAME} cluster in ${layout.pgData}`);
  try {
    await pgRun("initdb", ["-D", layout.pgData, "-U", "postgres", "--auth-local=trust", "--auth-host=reject", "-E", "UTF8", "--locale=C", "--no-sync"]);
  } catch (error) {
    throw new DatabaseError(`${NAME} cluster could not be created in ${layout.pgData}${tailLines((error as { output?: string }).output ?? String(error))}`);
  }
  // Start-time settings live in a file we rewrite at every start (the socket directory follows the data directory).
  writeFileSync(join(layout.pgData, "postgresql.conf"), "include_if_exists = 'embedded.conf'\n", { flag: "a" });
  return layout;
}

/** The postmaster's pid from `postmaster.pid`, if that process is alive. */
export function postgresPid(baseDir: string): number | undefined {
  const text = (() => {
    try {
      return readFileSync(join(clusterLayout(baseDir).pgData, "postmaster.pid"), "utf8");
    } catch {
      return undefined;
    }
  })();
  const pid = Number(text?.split("\n")[0]);
  return isLive(pid) ? pid : undefined;
}

/** Alive and not a zombie (a killed postmaster stays one until its parent, often init, reaps it). */
function isLive(pid: number): boolean {
  if (!isPidAlive(pid)) return false;
  const stat = readFileSafe(`/proc/${pid}/stat`);
  return !/^\d+ \(.*\) Z/.test(stat);
}

export const isPostgresRunning = (baseDir: string): boolean => postgresPid(baseDir) !== undefined;

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/** Starts the cluster (creating it first if needed) unless it is running, and makes sure FerretDB's database exists. */
export async function startPostgres(baseDir: string, opts: { timeoutMs?: number; log?: (line: string) => void } = {}): Promise<ClusterLayout> {
  const layout = await initCluster(baseDir, opts.log);
  if (!isPostgresRunning(baseDir)) {
    mkdirSync(layout.socketDir, { recursive: true, mode: 0o700 });
    giveToPg(layout.socketDir);
    letPgReach(layout.socketDir);
    if (!existsSync(layout.logPath)) writeFileSync(layout.logPath, "");
    giveToPg(layout.logPath);
    const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;
    const conf = join(layout.pgData, "embedded.conf");
    writeFileSync(conf, `listen_addresses = ''\nunix_socket_directories = ${quote(layout.socketDir)}\nunix_socket_permissions = 0700\n`);
    giveToPg(conf);
    const seconds = Math.ceil((opts.timeoutMs ?? 30_000) / 1000);
    // A SIGKILLed postmaster can linger as a zombie until init reaps it (slow in some containers), and
    // PostgreSQL would take the zombie for a live server: its lock files are stale, so remove them.
    // Never a live server's: postgresPid() just said there is none.
    for (const lock of [join(layout.pgData, "postmaster.pid"), join(layout.socketDir, ".s.PGSQL.5432.lock")]) rmSync(lock, { force: true });
    for (let attempt = 1; ; attempt++) {
      const logStart = readFileSafe(layout.logPath).length;
      try {
        await pgRun("pg_ctl", ["start", "-D", layout.pgData, "-l", layout.logPath, "-w", "-t", String(seconds)], (seconds + 10) * 1000);
        break;
      } catch (error) {
        const logTail = readFileSafe(layout.logPath).slice(logStart);
        // A killed postmaster's children exit by themselves within moments; until then its shared memory is "still in use".
        if (/still in use/.test(logTail) && attempt < 20) {
          await sleep(500);
          continue;
        }
        const said = ((error as { output?: string }).output ?? String(error)).split("\n").pop();
        throw new DatabaseError(`${NAME} did not start within ${seconds} s (pg_ctl: ${said}); ${layout.logPath} ends with${tailLines(logTail.split("\n").slice(-15).join("\n"))}`);
      }
    }
  }
  try {
    await ensureDatabase(layout);
    await ensureEqualityTwins(baseDir);
  } catch (error) {
    await stopPostgres(baseDir);
    throw error;
  }
  return layout;
}

async function ensureDatabase(layout: ClusterLayout): Promise<void> {
  const psql = ["-h", layout.socketDir, "-U", "postgres", "-d", "postgres", "-tAc"];
  const exists = await pgRun("psql", [...psql, `SELECT 1 FROM pg_database WHERE datname = '${FERRETDB_DATABASE}'`]);
  if (exists === "1") return;
  await pgRun("createdb", ["-h", layout.socketDir, "-U", "postgres", FERRETDB_DATABASE]).catch((error: { output?: string }) => {
    if (!/already exists/.test(error.output ?? "")) throw new DatabaseError(`${NAME} could not create the database ${FERRETDB_DATABASE}${tailLines(error.output ?? "")}`);
  });
}

/** Runs SQL in FerretDB's database of a running cluster; resolves with psql's unaligned output (tests and diagnostics). */
export function queryPostgres(baseDir: string, sql: string, timeoutMs?: number): Promise<string> {
  return pgRun("psql", ["-h", clusterLayout(baseDir).socketDir, "-U", "postgres", "-d", FERRETDB_DATABASE, "-v", "ON_ERROR_STOP=1", "-qtAc", sql], timeoutMs);
}

/** The twin indexes and their trigger (postgres-tuning.ts); at the first start after an upgrade this indexes existing tables. */
async function ensureEqualityTwins(baseDir: string): Promise<void> {
  await queryPostgres(baseDir, tuningSql(FERRETDB_DATABASE), 600_000).catch((error: Error & { output?: string }) => {
    throw new DatabaseError(`${NAME} could not set up the indexes FerretDB's filters use${tailLines(error.output ?? error.message)}`);
  });
}

/** Stops the cluster (fast shutdown: sessions are cut, data is flushed); kills its process group if that hangs. Resolves false if it was not running. */
export async function stopPostgres(baseDir: string, graceMs = 15_000): Promise<boolean> {
  const pid = postgresPid(baseDir);
  if (pid === undefined) return false;
  const pgData = clusterLayout(baseDir).pgData;
  await pgRun("pg_ctl", ["stop", "-D", pgData, "-m", "fast", "-w", "-t", String(Math.ceil(graceMs / 1000))], graceMs + 5_000).catch(() => undefined);
  if (isLive(pid)) {
    // Every PostgreSQL process has its own session (setsid), so there is no group to kill: the
    // children notice the postmaster's death and exit by themselves; startPostgres waits for them.
    process.kill(pid, "SIGKILL");
    while (isLive(pid)) await sleep(20);
  }
  return true;
}
