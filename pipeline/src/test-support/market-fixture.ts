/**
 * A small curated lake built from the fake Polygon server's bars (for the
 * screener's tests), and the market figures computed from the same fake data
 * in plain TypeScript, independently of the screener's SQL.
 */
import { tradingDaysBetween } from "../calendar/nyse.js";
import { expectedFakeBar, syntheticActions, type CorporateActionsOption } from "../fake-polygon/server.js";
import { syntheticUniverse } from "../fake-polygon/synthetic.js";
import type { FixtureBar, FixtureSplit } from "../market/curated-fixture.server.js";
import type { ScreenFilters } from "../market/summary.js";

export const SEED = "market-test";
export const SESSIONS = tradingDaysBetween("2023-03-01", "2024-06-28");
export const D = SESSIONS[SESSIONS.length - 1]!;
export const UNIVERSE = syntheticUniverse(40);
/** 1-for-20 reverse split executing on D; a 4-for-1 forward split 30 sessions before. */
export const REVERSE = "SYN0003";
export const FORWARD = "SYN0004";
/** Halted on the session before D (its previous close is two sessions back). */
export const HALTED = "SYN0005";
/** Missing on D itself. */
export const ABSENT = "SYN0006";
/** Listed again on D after 15 silent sessions: no previous close within the lookback. */
export const RETURNING = "SYN0007";

export const ACTIONS: CorporateActionsOption = {
  splits: [
    { ticker: REVERSE, execution_date: D, split_from: 20, split_to: 1 },
    { ticker: FORWARD, execution_date: SESSIONS[SESSIONS.length - 31]!, split_from: 1, split_to: 4 },
  ],
};

export function fixtureBars(): FixtureBar[] {
  const out: FixtureBar[] = [];
  for (const [i, date] of SESSIONS.entries()) {
    const back = SESSIONS.length - 1 - i;
    for (const symbol of UNIVERSE) {
      if (symbol === HALTED && back === 1) continue;
      if (symbol === ABSENT && back === 0) continue;
      if (symbol === RETURNING && back >= 1 && back <= 15) continue;
      const b = expectedFakeBar({ seed: SEED, corporateActions: ACTIONS }, symbol, date, { adjusted: false, today: D });
      if (!b) throw new Error(`no fake bar for ${symbol} on ${date}`);
      out.push({ symbol, date, open: b.o, high: b.h, low: b.l, close: b.c, volume: b.v, vwap: b.vw ?? null, transactions: b.n ?? null, otc: b.otc ?? false });
    }
  }
  return out;
}

/** Every split of the universe (the fake's synthetic ones and the explicit ones) up to D. */
export function fixtureSplits(): FixtureSplit[] {
  return UNIVERSE.flatMap((t) =>
    syntheticActions(SEED, t, { corporateActions: ACTIONS })
      .splits.filter((s) => s.execution_date <= D)
      .map((s) => ({ id: s.id, symbol: t, date: s.execution_date, split_from: s.split_from, split_to: s.split_to })),
  );
}

// ---- the independent computation ----

export interface Expected {
  changes: Map<string, number>;
  dollarVolume: Map<string, number>;
  newHighs: Set<string>;
  newLows: Set<string>;
  above50: number | null;
  above200: number | null;
  traded: number;
}

export function expectedFor(day: string, bars: readonly FixtureBar[], splits: readonly FixtureSplit[], filters: ScreenFilters, sessions = SESSIONS): Expected {
  const byDate = new Map<string, Map<string, FixtureBar>>();
  for (const b of bars) {
    if (!byDate.has(b.date)) byDate.set(b.date, new Map());
    byDate.get(b.date)!.set(b.symbol, b);
  }
  const factor = (symbol: string, from: string) => {
    let f = 1;
    for (const s of splits) if (s.symbol === symbol && s.date > from && s.date <= day) f *= s.split_from / s.split_to;
    return f;
  };
  const index = sessions.indexOf(day);
  const earlier = sessions.slice(0, index).reverse();
  const yearAgo = new Date(Date.parse(`${day}T00:00:00Z`) - 364 * 86_400_000).toISOString().slice(0, 10);
  const e: Expected = { changes: new Map(), dollarVolume: new Map(), newHighs: new Set(), newLows: new Set(), above50: null, above200: null, traded: 0 };
  let n50 = 0,
    a50 = 0,
    n200 = 0,
    a200 = 0;
  for (const [symbol, bar] of byDate.get(day) ?? []) {
    if (bar.close < filters.minPrice || bar.close * bar.volume < filters.minDollarVolume || (!filters.includeOtc && bar.otc)) continue;
    e.traded++;
    e.dollarVolume.set(symbol, bar.close * bar.volume);
    const prevDate = earlier.slice(0, 10).find((d) => byDate.get(d)?.has(symbol));
    if (prevDate) e.changes.set(symbol, (bar.close / (byDate.get(prevDate)!.get(symbol)!.close * factor(symbol, prevDate)) - 1) * 100);
    const history = earlier.filter((d) => d >= yearAgo && byDate.get(d)?.has(symbol));
    if (history.length > 0) {
      const highs = history.map((d) => byDate.get(d)!.get(symbol)!.high * factor(symbol, d));
      const lows = history.map((d) => byDate.get(d)!.get(symbol)!.low * factor(symbol, d));
      if (bar.high > Math.max(...highs)) e.newHighs.add(symbol);
      if (bar.low < Math.min(...lows)) e.newLows.add(symbol);
    }
    // An average needs the ticker on every one of the last n curated sessions.
    const average = (n: number) => {
      const days = sessions.slice(Math.max(0, index - n + 1), index + 1);
      if (days.length < n || !days.every((d) => byDate.get(d)?.has(symbol))) return null;
      return days.reduce((sum, d) => sum + byDate.get(d)!.get(symbol)!.close * factor(symbol, d), 0) / n;
    };
    const sma50 = average(50);
    const sma200 = average(200);
    if (sma50 !== null) {
      n50++;
      if (bar.close > sma50) a50++;
    }
    if (sma200 !== null) {
      n200++;
      if (bar.close > sma200) a200++;
    }
  }
  e.above50 = n50 > 0 ? (100 * a50) / n50 : null;
  e.above200 = n200 > 0 ? (100 * a200) / n200 : null;
  return e;
}
