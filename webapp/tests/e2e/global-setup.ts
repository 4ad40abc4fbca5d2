/**
 * Browser-test set-up: a FerretDB on a temp directory, seeded data, and the
 * production build served by remix-serve on a free port, exactly as
 * `npm run start` would run it. Hands the tests the URL, the editor's
 * credentials and the database (inject()).
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addDays, latestCompletedSession, tradingDaysBetween } from "@stock-market/pipeline/calendar/nyse";
import { ensureDailyPriceIndexes } from "@stock-market/pipeline/db/daily-prices.server";
import { startFerretDb } from "@stock-market/pipeline/services/ferretdb.server";
import { MongoClient } from "mongodb";
import type { TestProject } from "vitest/node";
import { seedBars, syntheticBars } from "../support/seed";
import { startWebappServer } from "../support/server";

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

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const teardown = async () => {
    for (const c of cleanups.reverse()) await c().catch((e: unknown) => console.warn("e2e teardown:", e));
  };
  try {
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

    const editor = { username: "e2e-editor", password: randomBytes(12).toString("base64url") };
    const server = await startWebappServer({
      MONGODB_URI: ferret.uri,
      MONGODB_DB: dbName,
      ADMIN_USERNAME: editor.username,
      ADMIN_PASSWORD: editor.password,
      SESSION_SECRET: randomBytes(32).toString("hex"),
      SIGN_IN_MAX_ATTEMPTS: "5",
    });
    cleanups.push(async () => {
      await server.stop();
      if (process.env.DEBUG_WEBAPP_E2E) process.stderr.write(`web app output:\n${server.output()}\n`);
    });
    const baseUrl = server.baseUrl;

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
