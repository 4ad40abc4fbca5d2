/**
 * Issue 10's acceptance: daily runs one session at a time across a 10-for-1
 * split, a 1-for-20 reverse split, a split announced weeks before it
 * executes and two dividends, with the fake server's clock moved a day at a
 * time. The stored facts are as traded; the views computed on read must
 * equal what the API itself would answer as of that day.
 */
import { describe, expect, it } from "vitest";
import { addDays, previousTradingDay, tradingDaysBetween } from "../../src/calendar/nyse.js";
import { listCorporateActions } from "../../src/db/corporate-actions.server.js";
import { getHistory } from "../../src/db/daily-prices.server.js";
import { adjustBars, type Adjustment } from "../../src/model/adjust.js";
import type { CorporateAction } from "../../src/model/corporate-action.js";
import { fromStoredDate } from "../../src/model/daily-price.js";
import { describeRun, useE2eWorld } from "./harness.js";

const SPLITS = [
  { ticker: "NVDA", execution_date: "2024-06-10", split_from: 1, split_to: 10 },
  { ticker: "NVDA", execution_date: "2024-06-24", split_from: 20, split_to: 1 },
  // Listed from 2024-06-14 on; executes 2024-07-08.
  { ticker: "NVDA", execution_date: "2024-07-08", split_from: 2, split_to: 3, announced: "2024-06-14" },
];
const DIVIDENDS = [
  { ticker: "NVDA", ex_dividend_date: "2024-06-11", cash_amount: 0.1 },
  { ticker: "NVDA", ex_dividend_date: "2024-07-01", cash_amount: 2.5 },
];
const SESSIONS = tradingDaysBetween("2024-06-03", "2024-07-12");

let today = SESSIONS[0]!;
const w = await useE2eWorld({
  name: "splits",
  tickers: "NVDA,AAPL",
  fake: { today: () => today, corporateActions: { splits: SPLITS, dividends: DIVIDENDS, replaceSyntheticFor: ["NVDA"] } },
});

interface Bar {
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** The fake's own range answer for NVDA, straight over HTTP (adjusted=true is as of its clock). */
async function fakeSeries(adjusted: boolean, to: string): Promise<Bar[]> {
  const res = await fetch(`${w.fake.url}/v2/aggs/ticker/NVDA/range/1/day/${SESSIONS[0]}/${to}?adjusted=${adjusted}&sort=asc&limit=50000`, {
    headers: { Authorization: `Bearer ${w.apiKey}` },
  });
  const body = (await res.json()) as { results: { t: number; o: number; h: number; l: number; c: number; v: number }[] };
  const dates = tradingDaysBetween(SESSIONS[0]!, to);
  expect(body.results).toHaveLength(dates.length);
  return body.results.map((r, i) => ({ date: dates[i]!, open: r.o, high: r.h, low: r.l, close: r.c, volume: r.v }));
}

async function stored(): Promise<{ bars: Bar[]; actions: CorporateAction[] }> {
  const history = await getHistory(w.db, "NVDA");
  const bars = history.map((d) => ({ date: fromStoredDate(d.date), open: d.open, high: d.high, low: d.low, close: d.close, volume: d.volume }));
  return { bars, actions: await listCorporateActions(w.db, "NVDA") };
}

const view = (s: { bars: Bar[]; actions: CorporateAction[] }, adjustment: Adjustment) => adjustBars(s.bars, s.actions, adjustment);

function expectClose(actual: number, expected: number, what: string): void {
  expect(Math.abs(actual - expected) / Math.abs(expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(1e-6);
}

function expectSeries(actual: readonly Bar[], expected: readonly Bar[], what: string): void {
  expect(actual.map((b) => b.date)).toEqual(expected.map((b) => b.date));
  for (const [i, b] of actual.entries()) {
    for (const f of ["open", "high", "low", "close", "volume"] as const) expectClose(b[f], expected[i]![f], `${what} ${f} on ${b.date}`);
  }
}

/** The total-return convention written out per bar, independently of the module under test. */
function totalReturn(raw: readonly Bar[], split: readonly Bar[], asOf: string): Bar[] {
  const closeOn = new Map(raw.map((b) => [b.date, b.close]));
  return split.map((b) => {
    let f = 1;
    for (const d of DIVIDENDS) if (d.ex_dividend_date > b.date && d.ex_dividend_date <= asOf) f *= 1 - d.cash_amount / closeOn.get(previousTradingDay(d.ex_dividend_date))!;
    return { ...b, open: b.open * f, high: b.high * f, low: b.low * f, close: b.close * f };
  });
}

describe("daily runs across splits and dividends", () => {
  it("store as-traded bars whose split view equals the API's adjusted series as of each day", async () => {
    for (const date of SESSIONS) {
      today = addDays(date, 1);
      const r = await w.cli(["run", "--date", date, "--json"]);
      expect(r.code, describeRun(r)).toBe(0);
      // Grouped bars, splits, dividends: one request each for the whole market.
      expect(r.json().apiRequests, describeRun(r)).toBe(3);

      const s = await stored();
      expectSeries(s.bars, await fakeSeries(false, date), `raw after ${date}`);
      expectSeries(view(s, "split").bars, await fakeSeries(true, date), `split view after ${date}`);
      expectSeries(view(s, "all").bars, totalReturn(s.bars, view(s, "split").bars, date), `all view after ${date}`);

      const announced = s.actions.find((a) => a.date === "2024-07-08");
      if (date >= "2024-06-14") expect(announced, `the announced split is stored by the run of ${date}`).toBeDefined();
      const plan = view(s, "split").plan;
      if (date < "2024-07-08" && announced) {
        expect(plan.pending).toContainEqual(announced);
        expect(plan.applied.map((a) => a.action.date)).not.toContain("2024-07-08");
      }
      if (date >= "2024-07-08") expect(plan.applied.map((a) => a.action.date)).toContain("2024-07-08");
    }
    // 29 daily runs, each a CLI process that also curates its session (DuckDB): about a minute on 2 busy cores.
  }, 150_000);

  it("the split view is continuous at each split while raw keeps the step", async () => {
    const s = await stored();
    const split = view(s, "split").bars;
    for (const { execution_date, split_from, split_to } of SPLITS) {
      const i = s.bars.findIndex((b) => b.date === execution_date);
      const rawStep = s.bars[i]!.close / s.bars[i - 1]!.close;
      const viewStep = split[i]!.close / split[i - 1]!.close;
      expect(Math.abs(Math.log(rawStep / (split_from / split_to))), `raw step at ${execution_date}`).toBeLessThan(0.1);
      expect(Math.abs(Math.log(viewStep)), `split view at ${execution_date}`).toBeLessThan(0.1);
    }
  });

  it("reprocess into an empty database gives the same views without one API request", async () => {
    const before = await stored();
    await w.db.collection("daily_prices").drop();
    await w.db.collection("corporate_actions").drop();
    w.fake.resetStats();
    const r = await w.cli(["reprocess", "--from", SESSIONS[0]!, "--to", SESSIONS[SESSIONS.length - 1]!, "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    expect(w.fake.stats().total).toBe(0);
    const after = await stored();
    for (const adjustment of ["raw", "split", "all"] as const) expectSeries(view(after, adjustment).bars, view(before, adjustment).bars, `${adjustment} after reprocess`);
  });

  it("a back-fill fetched after the actions gives the same views", async () => {
    const before = await stored();
    await w.db.collection("daily_prices").drop();
    await w.db.collection("corporate_actions").drop();
    const r = await w.cli(["backfill", "--from", SESSIONS[0]!, "--to", SESSIONS[SESSIONS.length - 1]!, "--tickers", "NVDA", "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    const after = await stored();
    for (const adjustment of ["raw", "split", "all"] as const) expectSeries(view(after, adjustment).bars, view(before, adjustment).bars, `${adjustment} after back-fill`);
  });
});
