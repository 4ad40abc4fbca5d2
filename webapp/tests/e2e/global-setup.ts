/**
 * Browser-test set-up: a FerretDB on a temp directory, seeded data, and the
 * production build served by remix-serve on a free port, exactly as
 * `npm run start` would run it. Hands the tests the URL, the editor's
 * credentials and the database (inject()).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { addDays, latestCompletedSession, tradingDaysBetween } from "@stock-market/pipeline/calendar/nyse";
import { ensureDailyPriceIndexes } from "@stock-market/pipeline/db/daily-prices.server";
import { startFerretDb } from "@stock-market/pipeline/services/ferretdb.server";
import { MongoClient } from "mongodb";
import type { TestProject } from "vitest/node";
import { seedBars, syntheticBars } from "../support/seed";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    mongoUri: string;
    dbName: string;
    editor: { username: string; password: string };
    /** A trading day of E2EC the seed left out (a gap), for the create test. */
    gapDate: string;
    latest: string;
  }
}

const WEBAPP = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function freePort(): Promise<number> {
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

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const teardown = async () => {
    for (const c of cleanups.reverse()) await c().catch((e: unknown) => console.warn("e2e teardown:", e));
  };
  try {
    if (!existsSync(join(WEBAPP, "build", "server", "index.js"))) throw new Error("webapp/build is missing: run `npm run build --workspace webapp` first (scripts/test-webapp.sh does)");
    const dataDir = await mkdtemp(join(tmpdir(), "webapp-e2e-ferretdb-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const ferret = await startFerretDb({ dataDir });
    cleanups.push(() => ferret.stop());
    const dbName = `webapp_e2e_${randomBytes(4).toString("hex")}`;

    const latest = latestCompletedSession(new Date());
    const recent = tradingDaysBetween(addDays(latest, -40), latest);
    const gapDate = recent[recent.length - 10]!;
    const client = new MongoClient(ferret.uri);
    await client.connect();
    try {
      const db = client.db(dbName);
      await ensureDailyPriceIndexes(db);
      // E2EA: 12 years, so 5Y and Max differ; E2EB: 2 years; E2EC: 1 year with one gap.
      await seedBars(db, syntheticBars("E2EA", addDays(latest, -365 * 12), latest, { start: 50 }));
      await seedBars(db, syntheticBars("E2EB", addDays(latest, -730), latest, { start: 200 }));
      await seedBars(db, syntheticBars("E2EC", addDays(latest, -365), latest, { start: 20, skip: [gapDate] }));
      // E2ED: two gaps that no test fills, for the data-health page.
      await seedBars(db, syntheticBars("E2ED", addDays(latest, -60), latest, { start: 5, skip: [recent[5]!, recent[6]!] }));
    } finally {
      await client.close();
    }

    const port = await freePort();
    const editor = { username: "e2e-editor", password: randomBytes(12).toString("base64url") };
    const serve = join(dirname(createRequire(import.meta.url).resolve("@remix-run/serve/package.json")), "dist", "cli.js");
    let output = "";
    const child = spawn(process.execPath, [serve, "./build/server/index.js"], {
      cwd: WEBAPP,
      env: {
        ...process.env,
        NODE_ENV: "production",
        PORT: String(port),
        HOST: "127.0.0.1",
        MONGODB_URI: ferret.uri,
        MONGODB_DB: dbName,
        ADMIN_USERNAME: editor.username,
        ADMIN_PASSWORD: editor.password,
        SESSION_SECRET: randomBytes(32).toString("hex"),
        SIGN_IN_MAX_ATTEMPTS: "5",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (b: Buffer) => {
      output = (output + b.toString()).slice(-20_000);
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    cleanups.push(async () => {
      if (child.exitCode === null) {
        // remix-serve closes its HTTP server on SIGTERM but the open MongoDB pool keeps it alive: KILL after a grace period.
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
        await exited;
        clearTimeout(timer);
      }
      if (process.env.DEBUG_WEBAPP_E2E) process.stderr.write(`web app output:\n${output}\n`);
    });
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitForHttp(`${baseUrl}/healthz`, child, () => output);

    project.provide("baseUrl", baseUrl);
    project.provide("mongoUri", ferret.uri);
    project.provide("dbName", dbName);
    project.provide("editor", editor);
    project.provide("gapDate", gapDate);
    project.provide("latest", latest);
    return teardown;
  } catch (e) {
    await teardown();
    throw e;
  }
}
