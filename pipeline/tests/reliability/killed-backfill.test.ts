/**
 * The CLI killed in the middle of a multi-page, multi-ticker back-fill: by
 * SIGKILL (no chance to clean up) and by SIGTERM / SIGINT (a scheduler or a
 * person stopping it). The re-run must resume from the lake without fetching a
 * stored page again, and the run records must say what happened.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { day, describeRun, hasStackTrace, listFiles, useE2eWorld, type CliRun } from "../e2e/harness.js";
import { actionRows, backfillActions, batchActionKeys, storedActionProblems } from "./expected-actions.js";
import { expectInvariants, type RunTruth } from "./invariants.js";
import { spawnCli, waitFor } from "./support.js";

const TICKERS = ["AAPL", "MSFT", "NVDA"];
// 124 sessions in each range below: three pages of 50 bars per ticker.
const TODAY = "2026-01-15";
const w = await useE2eWorld({ name: "rel_kill", fake: { rangePageSize: 50, today: () => TODAY }, tickers: TICKERS.join(",") });
const truths: RunTruth[] = [];
const pageKey = (t: string, from: string, to: string, p: number) => `raw/polygon/range/ticker=${t}/from=${from}_to=${to}/page-000${p}.json`;
const bodies = async () => (await listFiles(w.lakeDir)).filter((f) => !f.endsWith(".meta.json"));
const records = (symbols: string[], from: string, to: string) =>
  w.db.collection("daily_prices").countDocuments({ symbol: { $in: symbols }, date: { $gte: day(from), $lte: day(to) } });
/** Which ticker each range request was for, and whether it followed a next_url (cursor). */
const requested = () => w.fake.requests.filter((q) => q.path.startsWith("/v2/aggs/ticker/")).map((q) => `${q.path.split("/")[4]}${q.query.cursor === undefined ? "" : "+"}`);

/**
 * After a back-fill's bars, its tickers' splits and dividends (one batch, one
 * page each) are in the lake and in `corporate_actions`, read as the source has them.
 */
async function expectActionsDone(r: CliRun, from: string, to: string) {
  const actions = backfillActions(TICKERS, from, to, TODAY);
  const a = r.json().details.actions;
  expect(a).toMatchObject({ objects: 2, splits: actions.splits.length, dividends: actions.dividends.length, rejected: 0, updated: 0 });
  expect(a.inserted + a.unchanged).toBe(actionRows(actions));
  expect(r.json().counts.valid).toBe(TICKERS.length * 124 + actionRows(actions));
  expect(await bodies()).toEqual(expect.arrayContaining(batchActionKeys(TICKERS, from, to)));
  expect(await storedActionProblems(w.db, actions)).toEqual([]);
}

beforeEach(() => {
  w.fake.resetStats();
  w.fake.clearFaults();
});

describe("SIGKILL in the middle of a back-fill", () => {
  const FROM = "2024-01-02";
  const TO = "2024-06-28";
  let killedRunId = "";

  it("leaves only whole pages in the lake, and status shows the dead run as abandoned, not running", async () => {
    // Held: MSFT's second page (a next_url follow-up, whose path starts with a time stamp in ms).
    w.fake.inject({ kind: "hold", match: "/ticker/MSFT/range/1/day/1", times: 1 });
    const cli = spawnCli(w, ["backfill", "--from", FROM, "--to", TO, "--json"]);
    await waitFor("the back-fill to ask for MSFT's second page", () => w.fake.held === 1);
    cli.child.kill("SIGKILL");
    const killed = await cli.done;
    expect(killed.signal, describeRun(killed)).toBe("SIGKILL");
    w.fake.releaseHeld();

    expect(await bodies()).toEqual([...[1, 2, 3].map((p) => pageKey("AAPL", FROM, TO, p)), pageKey("MSFT", FROM, TO, 1)]);
    expect(await records(["AAPL"], FROM, TO)).toBe(124);
    expect(await records(["MSFT", "NVDA"], FROM, TO)).toBe(0);
    const running = await w.db.collection("pipeline_runs").find({ outcome: "running" }).toArray();
    expect(running).toHaveLength(1);
    expect(running[0]).toMatchObject({ command: "backfill", pid: cli.child.pid });
    killedRunId = String(running[0]!._id);

    const status = await w.cli(["status", "--json"]);
    expect(status.code, describeRun(status)).toBe(0);
    expect(status.json().recentRuns[0]).toMatchObject({ id: killedRunId, outcome: "abandoned", error: expect.stringMatching(/its process \(pid \d+ on .+\) is gone/) });
    expect(status.stderr).toMatch(new RegExp(`run ${killedRunId} \\(backfill, .*marked "abandoned"`));
    truths.push({ runId: killedRunId, outcome: "abandoned", errorKind: "AbandonedRun" });
    await expectInvariants({ db: w.db, lake: { dir: w.lakeDir }, runs: truths });
  });

  it("re-run, resumes from the lake without fetching a stored page again and ends with every record once, equal to the source", async () => {
    const r = await w.cli(["backfill", "--from", FROM, "--to", TO, "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    truths.push({ runId: r.json().runId, outcome: "success" });
    // Not AAPL, not MSFT's first page: MSFT from page 2 (through page 1's stored next_url), then NVDA.
    expect(requested()).toEqual(["MSFT+", "MSFT+", "NVDA", "NVDA+", "NVDA+"]);
    // Then the tickers' actions, never asked for by the killed run: one request each.
    expect(w.fake.stats().byRoute).toEqual({ range: 5, splits: 1, dividends: 1 });
    expect(r.json()).toMatchObject({ apiRequests: 7, counts: { inserted: 2 * 124, unchanged: 124, updated: 0 } });
    await expectActionsDone(r, FROM, TO);
    await expectInvariants({ db: w.db, complete: { symbols: TICKERS, from: FROM, to: TO }, lake: { dir: w.lakeDir }, runs: truths });
  });
});

describe.each([
  { signal: "SIGTERM", exitCode: 143, from: "2023-01-03", to: "2023-06-30" },
  { signal: "SIGINT", exitCode: 130, from: "2022-01-03", to: "2022-06-30" },
] as const)("$signal in the middle of a back-fill", ({ signal, exitCode, from, to }) => {
  it(`exits ${exitCode}, says it was interrupted, and records the run as failed, not running`, async () => {
    w.fake.inject({ kind: "hold", match: `/ticker/NVDA/range/1/day/${from}/`, times: 1 });
    const cli = spawnCli(w, ["backfill", "--from", from, "--to", to, "--json"]);
    await waitFor("the back-fill to ask for NVDA's first page", () => w.fake.held === 1);
    cli.child.kill(signal);
    const r = await cli.done;
    w.fake.releaseHeld();
    expect(r.code, describeRun(r)).toBe(exitCode);
    expect(r.stderr).toMatch(new RegExp(`stock-pipeline backfill: interrupted by ${signal} before it finished`));
    expect(hasStackTrace(r.stderr), r.stderr).toBe(false);
    expect(r.json()).toMatchObject({ outcome: "failed", exitCode, error: { kind: "InterruptedError" } });
    truths.push({ runId: r.json().runId, outcome: "failed", errorKind: "InterruptedError" });
    expect(await records(["AAPL", "MSFT"], from, to)).toBe(2 * 124);
    expect(await records(["NVDA"], from, to)).toBe(0);
    // The actions come after every ticker's bars: none of this window's were asked for.
    expect((await bodies()).filter((f) => f.includes(`/from=${from}_to=${to}/`) && !f.includes("/range/"))).toEqual([]);
    await expectInvariants({ db: w.db, lake: { dir: w.lakeDir }, runs: truths });
  });
});

describe("after an interrupted back-fill", () => {
  it("a re-run fetches only the pages the interrupted one had not stored, and completes", async () => {
    const [from, to] = ["2023-01-03", "2023-06-30"];
    const r = await w.cli(["backfill", "--from", from, "--to", to, "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    truths.push({ runId: r.json().runId, outcome: "success" });
    expect(requested()).toEqual(["NVDA", "NVDA+", "NVDA+"]);
    expect(w.fake.stats().byRoute).toEqual({ range: 3, splits: 1, dividends: 1 });
    await expectActionsDone(r, from, to);
    await expectInvariants({ db: w.db, complete: { symbols: TICKERS, from, to }, lake: { dir: w.lakeDir }, runs: truths });
  });
});
