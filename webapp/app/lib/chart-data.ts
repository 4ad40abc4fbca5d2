/**
 * The chart's numbers, computed on the server from the stored bars: the
 * visible window of a range preset, moving averages (over the bars before the
 * window too, so a 200-day average starts on the first visible day), latest
 * close and change, 52-week high/low, and the comparison's % change.
 */
import { addDays, type IsoDate } from "@stock-market/pipeline/calendar/nyse";
import { isAdjustment, type Adjustment } from "@stock-market/pipeline/model/adjust";

export const RANGE_PRESETS = ["1M", "6M", "YTD", "1Y", "5Y", "MAX"] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];
export const DEFAULT_RANGE: RangePreset = "1Y";
export const MA_WINDOWS = [20, 50, 200] as const;
export type MaWindow = (typeof MA_WINDOWS)[number];

export function isRangePreset(s: unknown): s is RangePreset {
  return typeof s === "string" && (RANGE_PRESETS as readonly string[]).includes(s);
}

/** The `range` of a URL: a preset, or the default for anything else (absent, unknown, repeated junk). */
export function rangeParam(params: URLSearchParams): RangePreset {
  const r = params.get("range");
  return isRangePreset(r) ? r : DEFAULT_RANGE;
}

/** The price bases a person picks from, in the order the selector lists them. */
export const BASIS_CHOICES: readonly Adjustment[] = ["split", "all", "raw"];
export const BASIS_LABELS: Record<Adjustment, string> = {
  split: "Split-adjusted",
  all: "Total return (splits + dividends)",
  raw: "As traded",
};
/** One sentence per basis, shown beside the selector. */
export const BASIS_HINTS: Record<Adjustment, string> = {
  split: "Prices before a split are divided by its ratio, so a split is no cliff; dividends are not added back.",
  all: "Split-adjusted, and prices before each dividend scaled down by it: changes include the dividends.",
  raw: "Prices as they traded on the day: a split shows as a cliff.",
};
/** The chart shows prices a person recognises from a quote screen; the comparison shows what a holder earned. */
export const DEFAULT_CHART_ADJUSTMENT: Adjustment = "split";
export const DEFAULT_COMPARE_ADJUSTMENT: Adjustment = "all";

/** The `adjustment` of a URL (`split`, `all`, `raw`), or `fallback` for anything else: a page never fails on its query string. */
export function adjustmentParam(params: URLSearchParams, fallback: Adjustment): Adjustment {
  const a = params.get("adjustment");
  return isAdjustment(a) ? a : fallback;
}

function addMonths(date: IsoDate, months: number): IsoDate {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const first = new Date(Date.UTC(y, m - 1 + months, 1));
  const lastDay = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(d, lastDay));
  return first.toISOString().slice(0, 10);
}

/** First calendar date shown by a preset that ends at `anchor` (the latest bar); null = everything. */
export function rangeStart(preset: RangePreset, anchor: IsoDate): IsoDate | null {
  switch (preset) {
    case "1M":
      return addDays(addMonths(anchor, -1), 1);
    case "6M":
      return addDays(addMonths(anchor, -6), 1);
    case "YTD":
      return `${anchor.slice(0, 4)}-01-01`;
    case "1Y":
      return addDays(addMonths(anchor, -12), 1);
    case "5Y":
      return addDays(addMonths(anchor, -60), 1);
    case "MAX":
      return null;
  }
}

/** Simple moving average of `window` closes; null until enough bars. */
export function movingAverage(closes: readonly number[], window: number): (number | null)[] {
  const out: (number | null)[] = [];
  let sum = 0;
  for (let i = 0; i < closes.length; i++) {
    sum += closes[i]!;
    if (i >= window) sum -= closes[i - window]!;
    out.push(i >= window - 1 ? round(sum / window) : null);
  }
  return out;
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;

export interface Bar {
  date: IsoDate;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface Summary {
  date: IsoDate;
  close: number;
  change: number | null;
  changePct: number | null;
  high52: number;
  low52: number;
}

/** Latest close with change from the previous bar, and the high/low of the 52 weeks to the latest bar. */
export function summarise(bars: readonly Bar[]): Summary | null {
  const last = bars[bars.length - 1];
  if (!last) return null;
  const prev = bars[bars.length - 2];
  const since = addDays(last.date, -364);
  let high52 = -Infinity;
  let low52 = Infinity;
  for (let i = bars.length - 1; i >= 0 && bars[i]!.date >= since; i--) {
    high52 = Math.max(high52, bars[i]!.high);
    low52 = Math.min(low52, bars[i]!.low);
  }
  const change = prev ? round(last.close - prev.close) : null;
  return { date: last.date, close: last.close, change, changePct: prev ? round((100 * (last.close - prev.close)) / prev.close) : null, high52, low52 };
}

/** Closes as % change from the first one (the comparison view). */
export function percentChange(closes: readonly number[]): number[] {
  const base = closes[0];
  return base ? closes.map((c) => Math.round((10000 * (c - base)) / base) / 100) : [];
}

/** Index of the first bar on or after `from` (binary search over sorted dates). */
export function firstIndexFrom(dates: readonly IsoDate[], from: IsoDate | null): number {
  if (from === null) return 0;
  let lo = 0;
  let hi = dates.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (dates[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Moving-average windows from the URL (`ma=20&ma=50` or `ma=20,50`), unknown ones ignored. */
export function parseMaParams(values: readonly string[]): MaWindow[] {
  const wanted = new Set(values.flatMap((v) => v.split(",")).map(Number));
  return MA_WINDOWS.filter((w) => wanted.has(w));
}
