/**
 * Small helpers for running the local service binaries (FerretDB,
 * fake-gcs-server): where they live, whether a pid is alive, how to stop a
 * process politely, and how to wait for one to become ready.
 */
import { type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { open, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

/** The repository root: the nearest directory above this file that has `tools/ferretdb/main.go`. */
export function findRepoRoot(from: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "tools", "ferretdb", "main.go"))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Path of a binary built by scripts/ensure-tools.sh; `envVar` overrides it. */
export function toolPath(name: string, envVar: string): string {
  const fromEnv = process.env[envVar];
  if (fromEnv) return fromEnv;
  const root = findRepoRoot() ?? process.cwd();
  return join(root, ".tools", "bin", name);
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** True when a process with this pid exists (EPERM means it exists but is not ours). */
export function isPidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Sends SIGTERM, waits for the process to go away, and sends SIGKILL after `graceMs`. */
export async function stopPid(pid: number, graceMs = 5_000): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  if (!isPidAlive(pid)) return;
  signal("SIGTERM");
  const deadline = Date.now() + graceMs;
  let killed = false;
  while (isPidAlive(pid)) {
    if (!killed && Date.now() > deadline) {
      signal("SIGKILL");
      killed = true;
    }
    if (Date.now() > deadline + 5_000) throw new Error(`process ${pid} did not exit even after SIGKILL`);
    await sleep(50);
  }
}

/** Stops a child we spawned: SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Kills the child if this Node process exits without stopping it. Returns the unregister function. */
export function killOnExit(child: ChildProcess): () => void {
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  };
  process.once("exit", kill);
  return () => process.off("exit", kill);
}

/** Keeps the last `max` characters written to a stream. */
export function captureTail(stream: NodeJS.ReadableStream | null, max = 4_000): () => string {
  let text = "";
  stream?.setEncoding("utf8");
  stream?.on("data", (chunk: string) => {
    text = (text + chunk).slice(-max);
  });
  return () => text.trim();
}

/** Last `lines` lines of a text, indented, for error messages. */
export function tailLines(text: string, lines = 15): string {
  const tail = text.trim().split("\n").slice(-lines).join("\n  ");
  return tail ? `:\n  ${tail}` : " (it printed nothing)";
}

/** A TCP port that was free a moment ago (the caller retries if it is taken by the time it binds). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string") throw new Error("could not pick a free TCP port");
  return address.port;
}

/**
 * Polls `check` until it returns true. Rejects with `failed()`'s error as soon
 * as it returns one (e.g. the process exited), or a timeout sentence.
 */
export async function waitUntil(check: () => Promise<boolean>, opts: { timeoutMs: number; what: string; failed?: () => Error | undefined; intervalMs?: number }): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const failure = opts.failed?.();
    if (failure) throw failure;
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what}`);
    await sleep(opts.intervalMs ?? 100);
  }
}

/**
 * Takes an exclusive lock file (created with "wx", holding our pid) and resolves
 * to its release function. A lock whose holder pid is gone is stale and removed.
 */
export async function takeLockFile(path: string, what: string, timeoutMs = 60_000): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(path, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = await readFile(path, "utf8").catch(() => undefined);
    if (holder === undefined) continue; // released meanwhile
    // An empty lock is being written right now, unless it has been empty for a while.
    const mtime = statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    const stale = holder === "" ? Date.now() - mtime > 10_000 : !isPidAlive(Number(holder));
    if (stale) {
      // Re-read just before removing, so that a lock taken meanwhile by someone else survives.
      if ((await readFile(path, "utf8").catch(() => undefined)) === holder) await rm(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`process ${holder} has been ${what} for over ${timeoutMs / 1000} s; if it is stuck, delete ${path}`);
    await sleep(100);
  }
}
