/**
 * Deterministic synthetic market data for the fake Polygon server.
 *
 * Every value is a pure function of (seed, ticker, date): the close follows a
 * closed-form smooth curve plus bounded per-day noise, so any single day is
 * computed in O(1) (a grouped day is O(universe), never O(history)).
 * The curve is the price split-adjusted as of the end of time: a bar as
 * traded is the curve scaled by the splits still to come (see
 * synthetic-actions.ts and served-bars.ts), passed in as `factor`.
 * THE DATA IS SYNTHETIC: it is not market data and must never be presented as such.
 */
import { isTradingDay } from "../calendar/nyse.js";
import { dayNumber, isIsoDate, nyWallTimeToEpochMs } from "./ny-time.js";

export interface Bar {
  T?: string;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  vw?: number;
  n?: number;
  t: number;
  otc?: boolean;
}

/** Which time stamp a bar carries: 16:00 New York (grouped, prev) or 00:00 New York (range). */
export type BarStamp = "close" | "midnight";

/** The first date with synthetic data; earlier dates have no bars. */
export const SYNTHETIC_DATA_START = "2000-01-01";

export const WATCHLIST: readonly string[] = ["AAPL", "GOOGL", "MSFT", "TSLA", "NVDA"];

/** Named listed tickers: [ticker, name, rough price level]. */
const NAMED: ReadonlyArray<readonly [string, string, number]> = [
  ["AAPL", "Apple Inc. (synthetic)", 180],
  ["GOOGL", "Alphabet Inc. Class A (synthetic)", 140],
  ["MSFT", "Microsoft Corp (synthetic)", 380],
  ["TSLA", "Tesla, Inc. (synthetic)", 220],
  ["NVDA", "NVIDIA Corp (synthetic)", 120],
  ["AMZN", "Amazon.com, Inc. (synthetic)", 170],
  ["META", "Meta Platforms, Inc. (synthetic)", 450],
  ["BRK.A", "Berkshire Hathaway Inc. Class A (synthetic)", 620_000],
  ["BRK.B", "Berkshire Hathaway Inc. Class B (synthetic)", 410],
  ["BF.B", "Brown-Forman Corp Class B (synthetic)", 45],
  ["JPM", "JPMorgan Chase & Co. (synthetic)", 190],
  ["KO", "Coca-Cola Co (synthetic)", 60],
];

/** OTC tickers: served with `otc: true`, and in grouped responses only with include_otc=true. */
const OTC: ReadonlyArray<readonly [string, string, number]> = [
  ["NSRGY", "Nestle S.A. ADR (synthetic)", 100],
  ["RHHBY", "Roche Holding AG ADR (synthetic)", 35],
  ["TCEHY", "Tencent Holdings ADR (synthetic)", 45],
  ["BAYRY", "Bayer AG ADR (synthetic)", 8],
  ["SYNOTC1", "Synthetic Penny Co (synthetic)", 2.5],
];

const NAME_OF = new Map<string, string>([...NAMED, ...OTC].map(([t, n]) => [t, n]));
const BASE_OF = new Map<string, number>([...NAMED, ...OTC].map(([t, , p]) => [t, p]));
const OTC_SET = new Set(OTC.map(([t]) => t));

export function isOtcTicker(ticker: string): boolean {
  return OTC_SET.has(ticker);
}

export function syntheticTickerName(ticker: string): string {
  return NAME_OF.get(ticker) ?? `${ticker} Synthetic Corp`;
}

const universeCache = new Map<number, string[]>();

/**
 * The first `size` tickers of the synthetic universe: the named listed tickers
 * (watchlist first), the OTC tickers, then SYN0001, SYN0002, ...
 */
export function syntheticUniverse(size = 11_000): string[] {
  const n = Math.max(0, Math.floor(size));
  const cached = universeCache.get(n);
  if (cached) return cached.slice();
  const list = [...NAMED.map(([t]) => t), ...OTC.map(([t]) => t)].slice(0, n);
  for (let i = 1; list.length < n; i++) list.push(`SYN${String(i).padStart(4, "0")}`);
  universeCache.set(n, list);
  return list.slice();
}

/** 32-bit string hash (FNV-1a with a murmur3 finaliser). */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

interface TickerParams {
  logBase: number;
  p1: number;
  p2: number;
  p3: number;
  noise: number;
  volumeBase: number;
  tradeSize: number;
}

const paramCache = new Map<string, TickerParams>();

function tickerParams(ticker: string, seed: string): TickerParams {
  const key = `${seed}:${ticker}`;
  const cached = paramCache.get(key);
  if (cached) return cached;
  const r = mulberry32(hash32(key));
  const base = BASE_OF.get(ticker) ?? Math.exp(Math.log(3) + r() * (Math.log(400) - Math.log(3)));
  const params: TickerParams = {
    logBase: Math.log(base),
    p1: r() * 2 * Math.PI,
    p2: r() * 2 * Math.PI,
    p3: r() * 2 * Math.PI,
    noise: 0.004 + r() * 0.012,
    volumeBase: base > 10_000 ? 2_000 + r() * 8_000 : Math.exp(Math.log(50_000) + r() * (Math.log(80_000_000) - Math.log(50_000))),
    tradeSize: 40 + r() * 260,
  };
  if (paramCache.size > 200_000) paramCache.clear();
  paramCache.set(key, params);
  return params;
}

/** Smooth part of the log price on day number d (closed form, no history). */
function smoothLog(p: TickerParams, d: number): number {
  return p.logBase + 0.2 * Math.sin(d / 37 + p.p1) + 0.1 * Math.sin(d / 11 + p.p2) + 0.12 * Math.sin(d / 173 + p.p3);
}

/** Noise in [-1, 1) for (ticker, day), reproducible without the PRNG stream of other days. */
function dayNoise(seed: string, ticker: string, d: number): number {
  return (hash32(`${seed}:${ticker}:n${d}`) / 4_294_967_296) * 2 - 1;
}

/**
 * The synthetic daily bar of `ticker` on `date`, or undefined when `date` is
 * not an NYSE trading day (or before SYNTHETIC_DATA_START). Any ticker string
 * gets data; whether it is "listed" is the server's universe's concern.
 * `stamp` "close" (default) stamps 16:00 New York time and sets `T`;
 * "midnight" stamps 00:00 New York time and omits `T` (range form).
 * `factor` 1 (default) gives the curve (split-adjusted as of the end of time);
 * the as-traded bar passes asTradedFactor(splits, date): prices are
 * multiplied by it and volume divided, each rounded as the curve's are.
 */
export function syntheticBar(ticker: string, date: string, seed: string, stamp: BarStamp = "close", factor = 1): Bar | undefined {
  if (!hasSessionData(date)) return undefined;
  return barOnSession(ticker, date, seed, stamp, factor);
}

/** The smooth (noise-free) curve price of `ticker` on a date or day number (ny-time's dayNumber): a price level, e.g. to size a dividend. */
export function syntheticPriceLevel(ticker: string, date: string | number, seed: string): number {
  return Math.exp(smoothLog(tickerParams(ticker, seed), typeof date === "number" ? date : dayNumber(date)));
}

/** True when `date` is a trading day with synthetic data (on or after SYNTHETIC_DATA_START). */
export function hasSessionData(date: string): boolean {
  return isIsoDate(date) && date >= SYNTHETIC_DATA_START && isTradingDay(date);
}

/** The bars of many tickers on one session (one calendar check, O(tickers)); `factorOf` as syntheticBar's `factor`. */
export function syntheticDay(tickers: readonly string[], date: string, seed: string, stamp: BarStamp = "close", factorOf: (ticker: string) => number = () => 1): Bar[] {
  if (!hasSessionData(date)) return [];
  return tickers.map((t) => barOnSession(t, date, seed, stamp, factorOf(t)));
}

/** round4, but never 0: a price after many reverse splits still has to be positive. */
function price4(x: number): number {
  return Math.max(0.0001, round4(x));
}

function barOnSession(ticker: string, date: string, seed: string, stamp: BarStamp, factor: number): Bar {
  const p = tickerParams(ticker, seed);
  const d = dayNumber(date);
  const r = mulberry32(hash32(`${seed}:${ticker}:${date}`));
  const close = Math.exp(smoothLog(p, d) + p.noise * dayNoise(seed, ticker, d));
  const prevClose = Math.exp(smoothLog(p, d - 1) + p.noise * dayNoise(seed, ticker, d - 1));
  const open = prevClose * (1 + (r() - 0.5) * 0.01);
  const high = Math.max(open, close) * (1 + r() * 0.02);
  const low = Math.min(open, close) * (1 - r() * 0.02);
  // Scaled before rounding, so the as-traded bar is as precise as the curve.
  const o = price4(open * factor);
  const c = price4(close * factor);
  const h = price4(high * factor);
  const l = price4(low * factor);
  const volumeInt = Math.max(100, Math.round(p.volumeBase * (0.5 + r())));
  // About a third of the rows carry a fractional volume, as real responses do.
  const v = r() < 0.35 ? round4((volumeInt + 0.0001 + r() * 0.9998) / factor) : Math.max(1, Math.round(volumeInt / factor));
  const vw = round4((h + l + 2 * c) / 4);
  const n = Math.max(1, Math.round(volumeInt / p.tradeSize));
  const t = stamp === "close" ? nyWallTimeToEpochMs(date, 16) : nyWallTimeToEpochMs(date, 0);
  const bar: Bar = stamp === "close" ? { T: ticker, v, vw, o, c, h, l, t, n } : { v, vw, o, c, h, l, t, n };
  if (OTC_SET.has(ticker)) bar.otc = true;
  return bar;
}

/** Pre-market and after-hours prices for the open-close endpoint. */
export function syntheticExtendedHours(ticker: string, date: string, seed: string, bar: Bar): { preMarket: number; afterHours: number } {
  const r = mulberry32(hash32(`${seed}:${ticker}:${date}:ext`));
  return { preMarket: round4(bar.o * (1 + (r() - 0.5) * 0.006)), afterHours: round4(bar.c * (1 + (r() - 0.5) * 0.006)) };
}
