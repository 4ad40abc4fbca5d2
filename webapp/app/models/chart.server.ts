/**
 * What a chart page needs, from the shared data-access module: the bars of
 * the visible window (plus enough before it for the moving averages), the
 * summary figures and whether any value is synthetic or a person's.
 */
import { addDays, isValidIsoDate, type IsoDate } from "@stock-market/pipeline/calendar/nyse";
import { getHistory, latestDailyPrice } from "@stock-market/pipeline/db/daily-prices.server";
import { fromStoredDate } from "@stock-market/pipeline/model/daily-price";
import type { Db } from "mongodb";
import {
  firstIndexFrom,
  movingAverage,
  parseMaParams,
  percentChange,
  rangeParam,
  rangeStart,
  summarise,
  type MaWindow,
  type RangePreset,
  type Summary,
} from "~/lib/chart-data";

export interface ChartView {
  symbol: string;
  /** The preset shown, or "custom" when From/To were given. */
  range: RangePreset | "custom";
  from: IsoDate | null;
  to: IsoDate;
  ma: MaWindow[];
  bars: { date: string[]; open: number[]; high: number[]; low: number[]; close: number[]; volume: number[]; manual: boolean[] };
  mas: { window: MaWindow; values: (number | null)[] }[];
  summary: Summary | null;
  synthetic: boolean;
  firstDate: IsoDate;
  lastDate: IsoDate;
}

export interface ViewParams {
  range: RangePreset | "custom";
  from: IsoDate | null;
  to: IsoDate | null;
  ma: MaWindow[];
}

/** The view state from the URL: `range`, or `from`/`to` (custom), and `ma`. */
export function parseViewParams(params: URLSearchParams): ViewParams {
  const from = params.get("from");
  const to = params.get("to");
  const custom = (from && isValidIsoDate(from)) || (to && isValidIsoDate(to));
  return {
    range: custom ? "custom" : rangeParam(params),
    from: from && isValidIsoDate(from) ? from : null,
    to: to && isValidIsoDate(to) ? to : null,
    ma: parseMaParams(params.getAll("ma")),
  };
}

/** The chart of one symbol; null when it has no live records. */
export async function loadChart(db: Db, symbol: string, view: ViewParams): Promise<ChartView | null> {
  // One read of the whole history rather than "latest bar, then the window": the
  // presets are anchored on the latest bar, and the moving averages and 52-week
  // figures need most of a year before the window anyway. (On the embedded
  // FerretDB every query scans, so one query instead of two halves the time;
  // on MongoDB it is one index range scan of a few thousand small documents.)
  const history = await getHistory(db, symbol);
  const latest = history[history.length - 1];
  if (!latest) return null;
  const anchor = fromStoredDate(latest.date);
  const viewFrom = view.range === "custom" ? view.from : rangeStart(view.range, anchor);
  const viewTo = view.range === "custom" && view.to && view.to < anchor ? view.to : anchor;

  const dates = history.map((d) => fromStoredDate(d.date));
  const start = firstIndexFrom(dates, viewFrom);
  const end = firstIndexFrom(dates, addDays(viewTo, 1));
  const closes = history.map((d) => d.close);
  const slice = history.slice(start, end);
  return {
    symbol,
    range: view.range,
    from: viewFrom,
    to: viewTo,
    ma: view.ma,
    bars: {
      date: dates.slice(start, end),
      open: slice.map((d) => d.open),
      high: slice.map((d) => d.high),
      low: slice.map((d) => d.low),
      close: slice.map((d) => d.close),
      volume: slice.map((d) => d.volume),
      manual: slice.map((d) => d.source === "manual"),
    },
    mas: view.ma.map((window) => ({ window, values: movingAverage(closes, window).slice(start, end) })),
    summary: summarise(history.map((d, i) => ({ date: dates[i]!, open: d.open, high: d.high, low: d.low, close: d.close, volume: d.volume }))),
    synthetic: slice.some((d) => d.feed === "synthetic") || latest.feed === "synthetic",
    firstDate: dates[0] ?? anchor,
    lastDate: anchor,
  };
}

export interface ComparisonSeries {
  symbol: string;
  date: string[];
  pct: number[];
  synthetic: boolean;
}

/** Several symbols' closes as % change from the first bar of the range, which ends at the latest bar among them. */
export async function loadComparison(db: Db, symbols: readonly string[], range: RangePreset): Promise<{ series: ComparisonSeries[]; from: IsoDate | null; to: IsoDate | null }> {
  const latest = (await Promise.all(symbols.map((s) => latestDailyPrice(db, s)))).filter((d) => d !== null);
  if (latest.length === 0) return { series: [], from: null, to: null };
  const anchor = latest.map((d) => fromStoredDate(d.date)).sort().pop()!;
  const from = rangeStart(range, anchor);
  const series = await Promise.all(
    symbols.map(async (symbol) => {
      const h = await getHistory(db, symbol, from ? { from, to: anchor } : { to: anchor });
      return { symbol, date: h.map((d) => fromStoredDate(d.date)), pct: percentChange(h.map((d) => d.close)), synthetic: h.some((d) => d.feed === "synthetic") };
    }),
  );
  return { series: series.filter((s) => s.date.length > 0), from, to: anchor };
}
