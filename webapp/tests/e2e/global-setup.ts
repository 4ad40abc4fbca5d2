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
import { ensureCorporateActionIndexes } from "@stock-market/pipeline/db/corporate-actions.server";
import type { CorporateAction, SplitAction } from "@stock-market/pipeline/model/corporate-action";
import { asTradedAcross, seedActions, seedBars, syntheticBars } from "../support/seed";
import { writeMarketLake, type MarketLakeInfo } from "../support/market-lake";
import { startWebappServer } from "../support/server";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    mongoUri: string;
    dbName: string;
    editor: { username: string; password: string };
    /** E2EA's corporate actions as seeded: a 1-for-10 reverse split, a 4-for-1 split and quarterly dividends. */
    actions: CorporateAction[];
    /** A trading day of E2EC the seed left out (a gap), for the create test. */
    gapDate: string;
    latest: string;
    /** The curated lake the server's LAKE_URI points at (tests/support/market-lake.ts). */
    market: MarketLakeInfo;
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
    // In the 1Y window: a 4-for-1 split 60 sessions back, and a reverse split 5 years back; dividends each quarter of the last year.
    const sessions = tradingDaysBetween(addDays(latest, -365 * 12), latest);
    const e2eaSplits: SplitAction[] = [
      { kind: "split", id: "E2E-SPLIT-REVERSE", symbol: "E2EA", date: sessions[sessions.length - 1260]!, splitFrom: 10, splitTo: 1, adjustmentType: "reverse_split" },
      { kind: "split", id: "E2E-SPLIT-FORWARD", symbol: "E2EA", date: sessions[sessions.length - 60]!, splitFrom: 1, splitTo: 4, adjustmentType: "forward_split" },
    ];
    const actions: CorporateAction[] = [
      ...e2eaSplits,
      ...[230, 167, 104, 41].map((back, i): CorporateAction => ({
        kind: "dividend",
        id: `E2E-DIV-${i + 1}`,
        symbol: "E2EA",
        date: sessions[sessions.length - back]!,
        cashAmount: 0.1 + i * 0.01,
        currency: "USD",
        frequency: 4,
        distributionType: "recurring",
      })),
    ];
    const client = new MongoClient(ferret.uri);
    await client.connect();
    try {
      const db = client.db(dbName);
      await ensureDailyPriceIndexes(db);
      await ensureCorporateActionIndexes(db);
      // E2EA: 12 years, so 5Y and Max differ, with splits and dividends; E2EB: 2 years; E2EC: 1 year with one gap.
      let e2ea = syntheticBars("E2EA", addDays(latest, -365 * 12), latest, { start: 50 });
      for (const split of e2eaSplits) e2ea = asTradedAcross(e2ea, split);
      await seedBars(db, e2ea);
      await seedActions(db, actions);
      await seedBars(db, syntheticBars("E2EB", addDays(latest, -730), latest, { start: 200 }));
      await seedBars(db, syntheticBars("E2EC", addDays(latest, -365), latest, { start: 20, skip: [gapDate] }));
      // E2ED: two gaps that no test fills, for the data-health page.
      await seedBars(db, syntheticBars("E2ED", addDays(latest, -60), latest, { start: 5, skip: [recent[5]!, recent[6]!] }));
    } finally {
      await client.close();
    }

    const lakeDir = await mkdtemp(join(tmpdir(), "webapp-e2e-lake-"));
    cleanups.push(() => rm(lakeDir, { recursive: true, force: true }));
    const market = await writeMarketLake(lakeDir, latest);

    const editor = { username: "e2e-editor", password: randomBytes(12).toString("base64url") };
    const server = await startWebappServer({
      LAKE_URI: lakeDir,
      CURATED_CACHE_DIR: join(lakeDir, "cache"),
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
    project.provide("actions", actions);
    project.provide("latest", latest);
    project.provide("market", market);
    return teardown;
  } catch (e) {
    await teardown();
    throw e;
  }
}
