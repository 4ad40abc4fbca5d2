/**
 * Helpers for the fault-injection suite: a CLI child that the test can watch
 * and kill mid-command, waiting for conditions, a private FerretDB the test
 * may kill (the tests start it with startFerretDb), and an HTTP proxy that
 * makes Cloud Storage fail uploads.
 * Worlds (fake Polygon server, database, lake folder) come from the e2e
 * harness, so the API-key leak check of every world covers these runs too.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll } from "vitest";
import { CLI_BIN, describeRun, parseJsonOutput, type CliRun, type E2eWorld, type EnvOverrides } from "../e2e/harness.js";

/** A finished CLI run; `signal` is set when a signal ended it (then `code` is null). */
export interface FinishedCli extends CliRun {
  signal: NodeJS.Signals | null;
}

/** A CLI child still running: its stderr can be awaited line by line, and it can be signalled. */
export interface LiveCli {
  child: ChildProcess;
  /** Resolves with the first stderr line matching `re` (already printed or still to come); rejects if the process ends first. */
  stderrLine(re: RegExp): Promise<string>;
  /** Resolves when the process has ended, whatever the way. */
  done: Promise<FinishedCli>;
}

/** The environment a world's `cli()` would give its child, with `overrides` applied. */
export function cliEnv(w: E2eWorld, overrides: EnvOverrides = {}): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", ...w.env };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** No CLI child outlives its test file, even when a test failed before it could stop it (stopped or hung). */
const HANG_LIMIT_MS = 60_000;
const live = new Set<LiveCli>();
afterAll(async () => {
  for (const cli of live) cli.child.kill("SIGKILL");
  await Promise.all([...live].map((cli) => cli.done));
});

/**
 * Starts the built CLI as a world's `cli()` does, but returns at once. The
 * finished run joins `w.runs` (so the world's secret check reads its output).
 */
export function spawnCli(w: E2eWorld, args: string[], overrides: EnvOverrides = {}): LiveCli {
  const child = spawn(process.execPath, [CLI_BIN, ...args], { env: cliEnv(w, overrides), cwd: w.scratch, stdio: ["ignore", "pipe", "pipe"] });
  const hung = setTimeout(() => child.kill("SIGKILL"), HANG_LIMIT_MS);
  let stdout = "";
  let stderr = "";
  let finished: FinishedCli | undefined;
  const waiters: Array<{ re: RegExp; resolve: (line: string) => void; reject: (e: Error) => void }> = [];
  const scan = () => {
    const lines = stderr.split("\n").slice(0, -1); // complete lines only
    for (const w of [...waiters]) {
      const line = lines.find((l) => w.re.test(l));
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  child.stdout!.setEncoding("utf8").on("data", (s: string) => (stdout += s));
  child.stderr!.setEncoding("utf8").on("data", (s: string) => {
    stderr += s;
    scan();
  });
  const done = new Promise<FinishedCli>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(hung);
      const run: FinishedCli = {
        args,
        code,
        signal,
        stdout,
        stderr,
        json: () => parseJsonOutput(args, stdout, stderr),
      };
      w.runs.push(run);
      finished = run;
      for (const waiter of waiters.splice(0))
        waiter.reject(new Error(`stock-pipeline ended (code ${code}, signal ${signal}) before printing a line matching ${waiter.re}:\n${describeRun(run)}`));
      resolve(run);
    });
  });
  const cli: LiveCli = {
    child,
    done,
    stderrLine(re) {
      return new Promise((resolve, reject) => {
        waiters.push({ re, resolve, reject });
        scan();
        const waiter = waiters.find((x) => x.re === re && x.resolve === resolve);
        if (finished && waiter) {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`stock-pipeline had already ended without printing a line matching ${re}:\n${describeRun(finished)}`));
        }
      });
    },
  };
  live.add(cli);
  void done.finally(() => live.delete(cli)).catch(() => undefined);
  return cli;
}

/**
 * Polls `check` until it returns true (every 10 ms). The limit only stops a
 * test that would otherwise hang; it asserts nothing about speed.
 */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, limitMs = 30_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up after ${limitMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** True when this process can write into a folder it made read-only (root can): chmod then proves nothing. */
export async function chmodDoesNotBlock(dir: string): Promise<boolean> {
  const probe = `${dir}/chmod-probe`;
  await mkdir(probe, { recursive: true });
  await chmod(probe, 0o555);
  try {
    await writeFile(`${probe}/x`, "x");
    return true;
  } catch {
    return false;
  } finally {
    await chmod(probe, 0o755);
    await rm(probe, { recursive: true, force: true });
  }
}

/**
 * An HTTP proxy in front of a Cloud Storage emulator that answers 503 to the
 * uploads `refuse` picks, by their number (1, 2, …; a client's retry is a new
 * upload). Everything else is forwarded unchanged.
 */
export interface FailingGcsProxy {
  endpoint: string;
  /** Uploads seen (forwarded or refused). */
  readonly uploads: number;
  /** Uploads answered 503. */
  readonly refused: number;
  /** Sets which uploads to refuse, counting from the next one as 1. */
  refuseUploads(refuse: (n: number) => boolean): void;
  close(): Promise<void>;
}

export async function startFailingGcsProxy(target: string): Promise<FailingGcsProxy> {
  const upstream = new URL(target);
  let uploads = 0;
  let refused = 0;
  let base = 0;
  let refuse: (n: number) => boolean = () => false;
  const server: Server = createServer((req, res) => {
    if (req.method === "POST" && (req.url ?? "").startsWith("/upload/storage/v1/")) {
      uploads++;
      if (refuse(uploads - base)) {
        refused++;
        req.resume(); // drain the body, then answer as GCS does when it is overloaded
        req.on("end", () => {
          const body = JSON.stringify({ error: { code: 503, message: "Service Unavailable (injected by the test proxy)", errors: [{ reason: "backendError" }] } });
          res.writeHead(503, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
          res.end(body);
        });
        return;
      }
    }
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (up: IncomingMessage) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on("error", (e) => {
      res.writeHead(502, { "Content-Type": "text/plain" });
      res.end(`proxy: ${e.message}`);
    });
    req.pipe(forward);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get uploads() {
      return uploads;
    },
    get refused() {
      return refused;
    },
    refuseUploads(next) {
      base = uploads;
      refuse = next;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}
