/**
 * Starts the production build (`webapp/build`) under remix-serve on a free
 * loopback port, exactly as `npm run start` runs it, for the browser tests,
 * the soak test and anything else that needs a real server. The caller passes
 * the database and credentials; the rest of the environment is inherited.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const WEBAPP_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the web app exited (${child.exitCode}) before it answered:\n${log()}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the web app did not answer ${url} within 60 s:\n${log()}`);
}

export interface WebappServer {
  baseUrl: string;
  /** The last 20 KB of the server's stdout and stderr. */
  output(): string;
  stop(): Promise<void>;
}

/** Serves the production build with `env` (MONGODB_URI, MONGODB_DB, ADMIN_*, SESSION_SECRET…) on top of this process's environment. */
export async function startWebappServer(env: Record<string, string>): Promise<WebappServer> {
  if (!existsSync(join(WEBAPP_DIR, "build", "server", "index.js")))
    throw new Error("webapp/build is missing: run `npm run build --workspace webapp` first (scripts/test-webapp.sh does)");
  const port = await freePort();
  const serve = join(dirname(createRequire(import.meta.url).resolve("@remix-run/serve/package.json")), "dist", "cli.js");
  let output = "";
  const child = spawn(process.execPath, [serve, "./build/server/index.js"], {
    cwd: WEBAPP_DIR,
    env: { ...process.env, NODE_ENV: "production", PORT: String(port), HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (b: Buffer) => {
    output = (output + b.toString()).slice(-20_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // remix-serve closes its HTTP server on SIGTERM but the open MongoDB pool keeps it alive: KILL after a grace period.
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
    await exited;
    clearTimeout(timer);
  };
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${baseUrl}/healthz`, child, () => output);
  } catch (e) {
    await stop();
    throw e;
  }
  return { baseUrl, output: () => output, stop };
}
