/**
 * The MongoDB server killed (SIGKILL) in the middle of a load, then started
 * again on the same data and the command re-run. A private FerretDB, so that
 * killing it touches no other test.
 */
import path from "node:path";
import { MongoClient } from "mongodb";
import { afterAll, describe, expect, it } from "vitest";
import { isOtcTicker, syntheticUniverse } from "../../src/fake-polygon/synthetic.js";
import { startFerretDb, type FerretDbServer } from "../../src/services/ferretdb.server.js";
import { day, describeRun, hasStackTrace, useE2eWorld } from "../e2e/harness.js";
import { expectInvariants } from "./invariants.js";
import { spawnCli, waitFor } from "./support.js";

const DATE = "2025-01-03";
const UNIVERSE = 5_000;
// TICKERS=* keeps every listed ticker of the grouped response: a load of about 5,000 records.
const LISTED = syntheticUniverse(UNIVERSE).filter((t) => !isOtcTicker(t));
const w = await useE2eWorld({ name: "rel_dbkill", fake: { universeSize: UNIVERSE, today: () => "2026-01-15" }, tickers: "*" });
const dataDir = path.join(w.scratch, "ferretdb");
let server: FerretDbServer = await startFerretDb({ dataDir });
afterAll(() => server.stop());
// A short server-selection timeout in the URI (the CLI honours it), so the failed run gives up in seconds.
const uriOf = (s: FerretDbServer) => `${s.uri}?serverSelectionTimeoutMS=1500`;
let failedRunId = "";

describe("the database server killed in the middle of a load", () => {
  it("makes the run exit 1 with one sentence saying the database failed, no stack trace, and says its record could not be finished", async () => {
    const cli = spawnCli(w, ["run", "--date", DATE, "--json"], { MONGODB_URI: uriOf(server) });
    await cli.stderrLine(new RegExp(`load ${DATE}: reading`));
    const watcher = new MongoClient(server.uri);
    let atKill: number;
    try {
      const prices = watcher.db(w.dbName).collection("daily_prices");
      await waitFor("the first records of the load", async () => (await prices.estimatedDocumentCount()) > 0);
      // Freeze the CLI so that the kill lands mid-load, whatever the machine's speed.
      cli.child.kill("SIGSTOP");
      atKill = await prices.countDocuments();
    } finally {
      await watcher.close();
    }
    expect(atKill, "the load must still have records to write when the server dies").toBeLessThan(LISTED.length);
    process.kill(server.pid, "SIGKILL");
    await server.stop();
    cli.child.kill("SIGCONT");

    const r = await cli.done;
    expect(r.code, describeRun(r)).toBe(1);
    expect(r.stderr).toMatch(/stock-pipeline run: the database failed while running run: .+ \(Mongo\w*Error\)/);
    expect(r.stderr).toMatch(/could not record the outcome of run \S+ .*"abandoned"/);
    expect(r.stderr).not.toMatch(/unexpected error/i);
    expect(hasStackTrace(r.stderr), r.stderr).toBe(false);
    expect(r.json()).toMatchObject({ outcome: "failed", exitCode: 1, error: { kind: "DatabaseError" } });
    failedRunId = r.json().runId;
  });

  it("started again on the same data, holds part of the day, each record once, and the failed run's record still says running (the server was down)", async () => {
    server = await startFerretDb({ dataDir });
    const client = new MongoClient(server.uri);
    try {
      const db = client.db(w.dbName);
      const stored = await db.collection("daily_prices").countDocuments({ date: day(DATE) });
      expect(stored).toBeGreaterThan(0);
      expect(stored).toBeLessThan(LISTED.length);
      // What the dead server could not be told: this is the gap the next command closes.
      expect(await db.collection("pipeline_runs").findOne({ _id: failedRunId as never })).toMatchObject({ outcome: "running" });
      await expectInvariants({ db });
    } finally {
      await client.close();
    }
  });

  it("re-run, completes the day with exactly one record per symbol equal to the source, and marks the failed run abandoned", async () => {
    const r = await w.cli(["run", "--date", DATE, "--json"], { MONGODB_URI: uriOf(server) });
    expect(r.code, describeRun(r)).toBe(0);
    const { counts } = r.json();
    expect(counts.inserted + counts.unchanged).toBe(LISTED.length);
    expect(counts.inserted).toBeGreaterThan(0);
    expect(counts.updated).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`note: run ${failedRunId} \\(run, .*marked "abandoned"`));
    const client = new MongoClient(server.uri);
    try {
      await expectInvariants({
        db: client.db(w.dbName),
        complete: { symbols: LISTED, from: DATE, to: DATE },
        lake: { dir: w.lakeDir },
        runs: [
          { runId: failedRunId, outcome: "abandoned", errorKind: "AbandonedRun" },
          { runId: r.json().runId, outcome: "success" },
        ],
      });
    } finally {
      await client.close();
    }
  });
});
