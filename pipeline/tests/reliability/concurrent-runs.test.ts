/**
 * Two commands for the same data started at the same moment. There is no
 * lock (docs/decisions/050-failure-handling.md): both do the work, the lake
 * takes the same object twice by atomic renames, and the unique (symbol, date)
 * index lets exactly one of them insert each record while the other finds it
 * there. Both must exit 0, and between them insert every record exactly once;
 * the same holds for the corporate actions they both load (unique on kind and id).
 */
import { describe, expect, it } from "vitest";
import { isOtcTicker, syntheticUniverse } from "../../src/fake-polygon/synthetic.js";
import { describeRun, hasStackTrace, useE2eWorld } from "../e2e/harness.js";
import { actionRows, backfillActions, dailyActions, storedActionProblems, type ActionIds } from "./expected-actions.js";
import { expectInvariants, type RunTruth } from "./invariants.js";
import { spawnCli, type FinishedCli } from "./support.js";

const UNIVERSE = 600;
const LISTED = syntheticUniverse(UNIVERSE).filter((t) => !isOtcTicker(t));
const TODAY = "2026-01-15";
const w = await useE2eWorld({ name: "rel_twice", fake: { universeSize: UNIVERSE, rangePageSize: 50, today: () => TODAY }, tickers: "*" });
const truths: RunTruth[] = [];

/** Starts the same command twice at once and waits for both. */
async function twice(args: string[]): Promise<[FinishedCli, FinishedCli]> {
  const a = spawnCli(w, args);
  const b = spawnCli(w, args);
  return Promise.all([a.done, b.done]);
}

interface ActionCounts {
  splits: number;
  dividends: number;
  inserted: number;
  updated: number;
  unchanged: number;
}

/** Exit 0, no stack or duplicate-key noise, and every expected action read and found or written (inserted or already there). */
function expectCleanSuccess(r: FinishedCli, actions: ActionIds) {
  expect(r.code, describeRun(r)).toBe(0);
  expect(hasStackTrace(r.stderr), r.stderr).toBe(false);
  expect(r.stderr).not.toMatch(/unexpected error|E11000|duplicate key/i);
  truths.push({ runId: r.json().runId, outcome: "success" });
  const a = r.json().details.actions as ActionCounts;
  expect(a).toMatchObject({ splits: actions.splits.length, dividends: actions.dividends.length, updated: 0 });
  expect(a.inserted + a.unchanged).toBe(actionRows(actions));
  return { ...(r.json().counts as { valid: number; inserted: number; updated: number; unchanged: number }), actionsInserted: a.inserted };
}

describe("two `run` processes for the same date started together", () => {
  it("both exit 0 and insert each of the day's records exactly once between them", async () => {
    const date = "2025-01-06";
    const actions = dailyActions(date, { universeSize: UNIVERSE, today: TODAY });
    const [a, b] = await twice(["run", "--date", date, "--json"]);
    const ca = expectCleanSuccess(a, actions);
    const cb = expectCleanSuccess(b, actions);
    for (const c of [ca, cb]) {
      // Valid rows: the watchlist's bars and the whole market's actions (inserted/unchanged count bars only).
      expect(c.valid).toBe(LISTED.length + actionRows(actions));
      expect(c.inserted + c.unchanged).toBe(LISTED.length);
      expect(c.updated).toBe(0);
    }
    expect(ca.inserted + cb.inserted).toBe(LISTED.length);
    expect(ca.actionsInserted + cb.actionsInserted).toBe(actionRows(actions));
    expect(await storedActionProblems(w.db, actions)).toEqual([]);
    await expectInvariants({ db: w.db, complete: { symbols: LISTED, from: date, to: date }, lake: { dir: w.lakeDir }, runs: truths });
  });
});

describe("two back-fills of the same range started together", () => {
  it("both exit 0, the lake holds each page once and whole, and each record is inserted once between them", async () => {
    const tickers = ["AAPL", "MSFT"];
    const actions = backfillActions(tickers, "2024-01-02", "2024-06-28", TODAY);
    const [a, b] = await twice(["backfill", "--from", "2024-01-02", "--to", "2024-06-28", "--tickers", tickers.join(","), "--json"]);
    const ca = expectCleanSuccess(a, actions);
    const cb = expectCleanSuccess(b, actions);
    expect(ca.inserted + cb.inserted).toBe(2 * 124);
    expect(await storedActionProblems(w.db, actions)).toEqual([]);
    await expectInvariants({ db: w.db, complete: { symbols: tickers, from: "2024-01-02", to: "2024-06-28" }, lake: { dir: w.lakeDir }, runs: truths });
  });
});
