/**
 * Synthetic corporate actions (splits and cash dividends) of the fake Polygon
 * server: a pure function of (seed, ticker), cached per (seed, ticker), plus the
 * explicit actions a test adds through FakePolygonOptions.corporateActions.
 *
 * The price curve of synthetic.ts is split-adjusted as of the end of time, so a
 * split here never moves the curve: it only decides how the as-traded bars
 * (curve x asTradedFactor) step. THE DATA IS SYNTHETIC.
 */
import { isTradingDay, nextTradingDay } from "../calendar/nyse.js";
import { dayNumber } from "./ny-time.js";
import { WATCHLIST, hash32, mulberry32, syntheticPriceLevel } from "./synthetic.js";

export interface SyntheticSplit {
  id: string;
  ticker: string;
  execution_date: string;
  split_from: number;
  split_to: number;
  adjustment_type: "forward_split" | "reverse_split";
  /** The date it becomes visible on /stocks/v1/splits (default: 21 calendar days before execution). */
  announced: string;
}

export interface SyntheticDividend {
  id: string;
  ticker: string;
  /** Per share as paid, in the share basis of the ex-date. */
  cash_amount: number;
  currency: "USD";
  /** Also the date it becomes visible on /stocks/v1/dividends. */
  declaration_date: string;
  ex_dividend_date: string;
  record_date: string;
  pay_date: string;
  frequency: number;
  distribution_type: string;
}

export interface TickerActions {
  /** Ascending by execution_date, then id. */
  splits: readonly SyntheticSplit[];
  /** Ascending by ex_dividend_date, then id. */
  dividends: readonly SyntheticDividend[];
}

/** Actions a test adds: tickers in replaceSyntheticFor get only these (no synthetic ones). */
export interface CorporateActionsOption {
  splits?: ReadonlyArray<{ ticker: string; execution_date: string; split_from: number; split_to: number; announced?: string }>;
  dividends?: ReadonlyArray<{
    ticker: string;
    ex_dividend_date: string;
    cash_amount: number;
    declaration_date?: string;
    frequency?: number;
    distribution_type?: string;
  }>;
  replaceSyntheticFor?: readonly string[];
}

export type SplitRatio = Pick<SyntheticSplit, "execution_date" | "split_from" | "split_to">;

/** F(d): what the curve is multiplied by to give the price as traded on `date` (every split after it, known yet or not). */
export function asTradedFactor(splits: readonly SplitRatio[], date: string): number {
  let f = 1;
  for (const s of splits) if (s.execution_date > date) f *= s.split_to / s.split_from;
  return f;
}

/** A(d): what `adjusted=true` divides an as-traded price of `date` by, asked on `today` (splits in (date, today]). */
export function adjustedFactor(splits: readonly SplitRatio[], date: string, today: string): number {
  let a = 1;
  for (const s of splits) if (s.execution_date > date && s.execution_date <= today) a *= s.split_to / s.split_from;
  return a;
}

/** A deterministic Polygon-looking id: "E" + 16 hex digits. */
export function actionId(seed: string, kind: "split" | "dividend", ticker: string, date: string): string {
  const s = `${seed}\u0000${kind}\u0000${ticker}\u0000${date}`;
  return `E${hash32(s).toString(16).padStart(8, "0")}${hash32(`${s}#2`).toString(16).padStart(8, "0")}`;
}

/** Actions start a month into the data so a dividend always has a previous session with a bar. */
export const ACTIONS_START = "2000-02-01";
export const ACTIONS_END = "2030-12-31";
/** The record date moved to the ex-date with T+1 settlement. */
const T_PLUS_ONE = "2024-05-28";

// Day tables over the schedules' years: building a whole universe's dividends
// calls these ~10^6 times, and the calendar's string-parsing helpers cost microseconds each.
const TABLE_FIRST = dayNumber("1999-01-01");
const TABLE_LAST = dayNumber("2032-12-31");
let isoTable: string[] | undefined;
let openOnOrAfter: Int32Array | undefined;

function tables(): { iso: string[]; open: Int32Array } {
  if (!isoTable || !openOnOrAfter) {
    const n = TABLE_LAST - TABLE_FIRST + 1;
    const iso = Array.from({ length: n }, (_, i) => new Date((TABLE_FIRST + i) * 86_400_000).toISOString().slice(0, 10));
    const open = new Int32Array(n);
    let next = -1;
    for (let i = n - 1; i >= 0; i--) {
      if (isTradingDay(iso[i]!)) next = i;
      open[i] = next;
    }
    isoTable = iso;
    openOnOrAfter = open;
  }
  return { iso: isoTable, open: openOnOrAfter };
}

/** YYYY-MM-DD of a day number; the strings of the table are shared, which keeps 200,000 dividends small. */
function isoOfDay(day: number): string {
  const i = day - TABLE_FIRST;
  return i >= 0 && i <= TABLE_LAST - TABLE_FIRST ? tables().iso[i]! : new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/** The first trading day on or after a day number, as a day number. */
function openDayOnOrAfter(day: number): number {
  const i = day - TABLE_FIRST;
  const open = i >= 0 && i <= TABLE_LAST - TABLE_FIRST ? tables().open[i]! : -1;
  if (open >= 0) return TABLE_FIRST + open;
  const date = isoOfDay(day);
  return dayNumber(isTradingDay(date) ? date : nextTradingDay(date));
}

function onOrAfterTradingDay(date: string): string {
  return isoOfDay(openDayOnOrAfter(dayNumber(date)));
}

function splitOf(seed: string, ticker: string, date: string, from: number, to: number): SyntheticSplit {
  return {
    id: actionId(seed, "split", ticker, date),
    ticker,
    execution_date: date,
    split_from: from,
    split_to: to,
    adjustment_type: to >= from ? "forward_split" : "reverse_split",
    announced: isoOfDay(dayNumber(date) - 21),
  };
}

// Product 1, so the cumulative factor stays within [1/12, 12] however many cycles run.
const WATCHLIST_CYCLE: ReadonlyArray<readonly [number, number]> = [
  [1, 2],
  [1, 3],
  [2, 1],
  [1, 4],
  [3, 1],
  [4, 1],
];
// The five watchlist names take turns on one grid, so the merged schedule splits
// every ~292 days and +-20 days of jitter can never open a 365-day gap.
const WATCHLIST_SLOT_DAYS = 1461 / 5;
const WATCHLIST_JITTER_DAYS = 20;
const SYN_RATIOS: ReadonlyArray<readonly [number, number]> = [
  [1, 2],
  [1, 3],
  [1, 10],
  [10, 1],
  [20, 1],
];
const isSynTicker = (ticker: string): boolean => /^SYN\d{4,}$/.test(ticker);
const unit = (s: string): number => hash32(s) / 4_294_967_296;

function watchlistSplits(seed: string, ticker: string, index: number): SyntheticSplit[] {
  const origin = dayNumber("1999-09-01") + Math.floor(unit(`${seed}:wl-phase`) * WATCHLIST_SLOT_DAYS);
  const out: SyntheticSplit[] = [];
  for (let k = 0; ; k++) {
    const slot = k * 5 + index;
    const jitter = Math.round((unit(`${seed}:${ticker}:split${k}`) * 2 - 1) * WATCHLIST_JITTER_DAYS);
    const nominal = isoOfDay(Math.round(origin + slot * WATCHLIST_SLOT_DAYS) + jitter);
    if (nominal > ACTIONS_END) break;
    const date = onOrAfterTradingDay(nominal);
    if (date < ACTIONS_START || date > ACTIONS_END) continue;
    const [from, to] = WATCHLIST_CYCLE[(k + index) % WATCHLIST_CYCLE.length]!;
    out.push(splitOf(seed, ticker, date, from, to));
  }
  return out;
}

function synTickerSplits(seed: string, ticker: string): SyntheticSplit[] {
  const r = mulberry32(hash32(`${seed}:${ticker}:splits`));
  if (r() >= 0.03) return [];
  const first = dayNumber(ACTIONS_START);
  const last = dayNumber(ACTIONS_END);
  let days: number[];
  if (r() < 0.5) {
    days = [first + Math.floor(r() * (last - first))];
  } else {
    // Two splits at least a year apart.
    const one = first + Math.floor(r() * (last - first - 400));
    days = [one, one + 365 + Math.floor(r() * (last - one - 365))];
  }
  return days.map((day) => {
    const date = onOrAfterTradingDay(isoOfDay(day));
    const [from, to] = SYN_RATIOS[Math.floor(r() * SYN_RATIOS.length)]!;
    return splitOf(seed, ticker, date, from, to);
  });
}

const splitCache = new Map<string, readonly SyntheticSplit[]>();
const NONE: readonly SyntheticSplit[] = Object.freeze([]);

/** The synthetic splits of `ticker` (no explicit ones), ascending; most tickers have none. */
export function syntheticSplits(seed: string, ticker: string): readonly SyntheticSplit[] {
  const key = `${seed}\u0000${ticker}`;
  const cached = splitCache.get(key);
  if (cached) return cached;
  const index = WATCHLIST.indexOf(ticker);
  const splits = index >= 0 ? watchlistSplits(seed, ticker, index) : isSynTicker(ticker) ? synTickerSplits(seed, ticker) : NONE;
  if (splitCache.size > 200_000) splitCache.clear();
  splitCache.set(key, splits.length === 0 ? NONE : Object.freeze(splits));
  return splitCache.get(key)!;
}

const DIVIDEND_PAYERS = new Set(["AAPL", "MSFT", "GOOGL", "NVDA", "JPM", "KO"]);

/** Ex-dates and per-share cash on the curve's (end-of-time) basis; the as-traded cash needs the splits. */
export interface DividendPlan {
  ex: string;
  curveCash: number;
}

const planCache = new Map<string, readonly DividendPlan[]>();

/** The quarterly synthetic dividends of `ticker` before any share basis is applied. */
export function syntheticDividendPlan(seed: string, ticker: string): readonly DividendPlan[] {
  const key = `${seed}\u0000${ticker}`;
  const cached = planCache.get(key);
  if (cached) return cached;
  const r = mulberry32(hash32(`${seed}:${ticker}:dividends`));
  const pays = DIVIDEND_PAYERS.has(ticker) || (isSynTicker(ticker) && r() < 0.25);
  const plan: DividendPlan[] = [];
  if (pays) {
    const startYear = DIVIDEND_PAYERS.has(ticker) ? 2000 : 2000 + Math.floor(r() * 21);
    const firstMonth = 1 + Math.floor(r() * 3);
    const day = 1 + Math.floor(r() * 28);
    const quarterlyYield = 0.003 + r() * 0.007;
    const [first, last] = [dayNumber(ACTIONS_START), dayNumber(ACTIONS_END)];
    for (let year = startYear; year <= 2030; year++) {
      for (let q = 0; q < 4; q++) {
        const exDay = openDayOnOrAfter(Date.UTC(year, firstMonth - 1 + 3 * q, day) / 86_400_000);
        if (exDay < first || exDay > last) continue;
        plan.push({ ex: isoOfDay(exDay), curveCash: quarterlyYield * syntheticPriceLevel(ticker, exDay, seed) });
      }
    }
  }
  if (planCache.size > 200_000) planCache.clear();
  planCache.set(key, Object.freeze(plan));
  return planCache.get(key)!;
}

/** Cash as companies declare it: cents, or 4 decimals for the small amounts of penny stocks. */
export function roundCash(x: number): number {
  return x >= 0.1 ? Math.round(x * 100) / 100 : Math.max(0.0001, Math.round(x * 10_000) / 10_000);
}

/** The full dividend record around an ex-date: declared two weeks before, paid about two weeks after the record date. */
export function dividendOf(
  seed: string,
  ticker: string,
  ex: string,
  cash: number,
  extra: { declaration_date?: string; frequency?: number; distribution_type?: string } = {},
): SyntheticDividend {
  const exDay = dayNumber(ex);
  const recordDay = ex >= T_PLUS_ONE ? exDay : openDayOnOrAfter(exDay + 1);
  return {
    id: actionId(seed, "dividend", ticker, ex),
    ticker,
    cash_amount: cash,
    currency: "USD",
    declaration_date: extra.declaration_date ?? isoOfDay(exDay - 14),
    ex_dividend_date: ex,
    record_date: isoOfDay(recordDay),
    pay_date: isoOfDay(openDayOnOrAfter(recordDay + 14)),
    frequency: extra.frequency ?? 4,
    distribution_type: extra.distribution_type ?? "recurring",
  };
}

/** Synthetic dividends priced in the basis the given splits imply (so explicit splits move them too). */
export function pricedDividends(seed: string, ticker: string, splits: readonly SplitRatio[]): SyntheticDividend[] {
  return syntheticDividendPlan(seed, ticker).map((p) => dividendOf(seed, ticker, p.ex, roundCash(p.curveCash * asTradedFactor(splits, p.ex))));
}
