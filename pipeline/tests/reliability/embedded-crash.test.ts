/**
 * The embedded MongoDB's own processes killed (SIGKILL) in the middle of a
 * back-fill: first its PostgreSQL, then, separately, its FerretDB. The CLI
 * runs as a new user's does: no MONGODB_URI, so it starts and shares the
 * embedded server of its DATA_DIR. The next command must start the dead part
 * again by itself, and a re-run must end with every record exactly once and
 * equal to the source.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { MongoClient } from "mongodb";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { stopEmbeddedMongo } from "../../src/services/ferretdb.server.js";
import { isPostgresRunning, postgresPid } from "../../src/services/postgres.server.js";
import { isPidAlive } from "../../src/services/process.server.js";
import { describeRun, hasStackTrace, useE2eWorld } from "../e2e/harness.js";
import { expectInvariants, type RunTruth } from "./invariants.js";
import { spawnCli, waitFor } from "./support.js";

const TICKERS = ["AAPL", "MSFT", "NVDA"];
const w = await useE2eWorld({ name: "rel_embedded", fake: { rangePageSize: 50, today: () => "2026-01-15" }, tickers: TICKERS.join(",") });
const EMBEDDED = { MONGODB_URI: undefined }; // the embedded server of the world's DATA_DIR
const dataDir = path.join(w.env.DATA_DIR!, "ferretdb");
afterAll(() => stopEmbeddedMongo(dataDir));
const truths: RunTruth[] = [];
const ferretDbPid = () => (JSON.parse(readFileSync(path.join(dataDir, "server.json"), "utf8")) as { pid: number }).pid;

/** Runs `check` against the embedded server the CLI used. */
async function withEmbeddedDb<T>(check: (db: ReturnType<MongoClient["db"]>) => Promise<T>): Promise<T> {
  const { uri } = JSON.parse(readFileSync(path.join(dataDir, "server.json"), "utf8")) as { uri: string };
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    return await check(client.db(w.dbName));
  } finally {
    await client.close();
  }
}

beforeEach(() => {
  w.fake.resetStats();
  w.fake.clearFaults();
});

describe.each([
  { victim: "PostgreSQL", from: "2024-01-02", to: "2024-06-28", kill: () => process.kill(postgresPid(dataDir)!, "SIGKILL") },
  { victim: "FerretDB", from: "2023-01-03", to: "2023-06-30", kill: () => process.kill(ferretDbPid(), "SIGKILL") },
])("the embedded server's $victim killed in the middle of a back-fill", ({ victim, from, to, kill }) => {
  let failedRunId = "";

  it("makes the command fail with one sentence about the database, no stack trace", async () => {
    // Held: MSFT's second page, once AAPL's bars are stored.
    w.fake.inject({ kind: "hold", match: "/ticker/MSFT/range/1/day/1", times: 1 });
    const cli = spawnCli(w, ["backfill", "--from", from, "--to", to, "--json"], EMBEDDED);
    await waitFor("the back-fill to ask for MSFT's second page", () => w.fake.held === 1);
    const before = { pg: postgresPid(dataDir)!, ferret: ferretDbPid() };
    kill();
    await waitFor(`${victim} to die`, () => (victim === "PostgreSQL" ? !isPostgresRunning(dataDir) : !isPidAlive(before.ferret)));
    w.fake.releaseHeld();
    const r = await cli.done;
    expect(r.code, describeRun(r)).toBe(1);
    expect(r.stderr).toMatch(/stock-pipeline backfill: the database failed while/);
    expect(hasStackTrace(r.stderr), r.stderr).toBe(false);
    failedRunId = r.json().runId;
  });

  it("the next command starts the embedded server again, and the re-run ends with every record once, equal to the source", async () => {
    const r = await w.cli(["backfill", "--from", from, "--to", to, "--json"], EMBEDDED);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stderr).toMatch(/starting the embedded MongoDB \(FerretDB\)/);
    expect(isPostgresRunning(dataDir)).toBe(true);
    expect(r.stderr).toMatch(new RegExp(`run ${failedRunId} \\(backfill, .*marked "abandoned"`));
    truths.push({ runId: failedRunId, outcome: "abandoned", errorKind: "AbandonedRun" }, { runId: r.json().runId, outcome: "success" });
    await withEmbeddedDb((db) => expectInvariants({ db, complete: { symbols: TICKERS, from, to }, lake: { dir: w.lakeDir }, runs: truths }));
  });
});
