/**
 * A person's edits (through the shared data-access verbs the web app uses)
 * racing a pipeline load of the same records, over and over: while the CLI
 * loads a day, the test keeps writing the same records by hand, as fast as the
 * database answers. Whatever the interleaving, a hand-written value that was
 * accepted must be what is stored afterwards: never overwritten by the
 * pipeline, never duplicated. (This found the lost-update race on FerretDB
 * that src/db/write-lease.server.ts closes.)
 */
import { describe, expect, it } from "vitest";
import { tradingDaysBetween } from "../../src/calendar/nyse.js";
import { getDailyPrice } from "../../src/db/daily-prices.server.js";
import { editManualPrice, insertManualPrice } from "../../src/db/manual-prices.server.js";
import { isOtcTicker, syntheticUniverse } from "../../src/fake-polygon/synthetic.js";
import type { PriceValues } from "../../src/model/daily-price.js";
import { day, describeRun, useE2eWorld } from "../e2e/harness.js";
import { actionRows, dailyActions } from "./expected-actions.js";
import { expectInvariants, keyOf, type RunTruth } from "./invariants.js";
import { spawnCli } from "./support.js";

const UNIVERSE = 200;
const LISTED = syntheticUniverse(UNIVERSE).filter((t) => !isOtcTicker(t));
const TODAY = "2026-01-15";
const w = await useE2eWorld({ name: "rel_manual", fake: { universeSize: UNIVERSE, today: () => TODAY }, tickers: "*" });
const DATES = tradingDaysBetween("2025-02-03", "2025-02-05");
/** Written by hand while the day is first loaded (inserts race). */
const INSERT_TARGETS = LISTED.filter((_, i) => i % 60 === 7).slice(0, 3);
/** Made stale, then written by hand while the day is loaded again (updates race). */
const UPDATE_TARGETS = LISTED.filter((_, i) => i % 40 === 3).slice(0, 4);
const EDITOR = "reliability-test";
const manual = new Map<string, PriceValues>();
const truths: RunTruth[] = [];
const tally = { accepted: 0, refused: 0, protectedByLoad: 0 };

/** Distinct valid values for the n-th hand write. */
const handValues = (n: number): PriceValues => ({ open: 100, high: 120 + n, low: 90, close: 110, volume: 5_000 + n, vwap: 105, transactions: 7 + n });

/**
 * Writes each symbol's record by hand again and again until `stop()`: a
 * create when there is none, otherwise an edit of what was just read. Every
 * accepted write becomes the value that must survive.
 */
async function writeByHandUntil(stop: () => boolean, symbols: readonly string[], date: string): Promise<void> {
  await Promise.all(
    symbols.map(async (symbol) => {
      for (let n = 0; !stop(); n++) {
        const values = handValues(n);
        const current = await getDailyPrice(w.db, symbol, date);
        const r = current
          ? await editManualPrice(w.db, { symbol, date, values, by: EDITOR, seenUpdatedAt: current.updatedAt })
          : await insertManualPrice(w.db, { symbol, date, values, by: EDITOR });
        if (r.ok) {
          manual.set(keyOf(symbol, date), values);
          tally.accepted++;
        } else {
          // Refused because the record changed since it was read: the person is told and tries again.
          expect(r.reason).toMatch(/^(conflict|duplicate)$/);
          tally.refused++;
        }
      }
    }),
  );
}

/** Runs the CLI while writing `symbols` by hand from the moment its load starts until it exits. */
async function loadWhileEditing(args: string[], date: string, symbols: readonly string[]) {
  const cli = spawnCli(w, args);
  let finished = false;
  const done = cli.done.finally(() => (finished = true));
  await cli.stderrLine(new RegExp(`load ${date}: reading`));
  await writeByHandUntil(() => finished, symbols, date);
  const r = await done;
  expect(r.code, describeRun(r)).toBe(0);
  const c = r.json().counts;
  // Valid rows: the day's bars and the whole market's corporate actions of the session (both commands load them).
  expect(c.valid).toBe(LISTED.length + actionRows(dailyActions(date, { universeSize: UNIVERSE, today: TODAY })));
  expect(c.inserted + c.updated + c.unchanged + c.protectedManual).toBe(LISTED.length);
  tally.protectedByLoad += c.protectedManual;
  truths.push({ runId: r.json().runId, outcome: "success" });
  return c;
}

describe("hand edits racing pipeline loads of the same records", () => {
  it.each(DATES)("on %s, every accepted hand write survives both the first load and a re-load that updates stale records", async (date) => {
    await loadWhileEditing(["run", "--date", date, "--json"], date, INSERT_TARGETS);
    await expectInvariants({ db: w.db, manual, complete: { symbols: LISTED, from: DATES[0]!, to: date }, runs: truths });

    // An upstream revision, as the pipeline sees it: stored values that differ from the lake's.
    const stale = await w.db.collection("daily_prices").updateMany({ date: day(date), symbol: { $in: UPDATE_TARGETS }, source: "pipeline" }, { $mul: { close: 1.01, high: 1.01 } });
    expect(stale.modifiedCount).toBe(UPDATE_TARGETS.length);
    const c = await loadWhileEditing(["load", "--date", date, "--json"], date, UPDATE_TARGETS);
    // Each stale record was either restored by the load or taken over by a hand write.
    expect(c.updated + c.protectedManual).toBeGreaterThanOrEqual(UPDATE_TARGETS.length);
    await expectInvariants({ db: w.db, manual, complete: { symbols: LISTED, from: DATES[0]!, to: date }, lake: { dir: w.lakeDir }, runs: truths });
  });

  it("the races really happened: hand writes were accepted during the loads, and the loads left hand-written records alone", () => {
    expect(tally.accepted).toBeGreaterThan(0);
    expect(tally.protectedByLoad).toBeGreaterThan(0);
  });
});
