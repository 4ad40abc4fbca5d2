/**
 * What a chart page needs: the bars of the visible window on the chosen basis
 * (adjusted over the whole history, then cut, so the basis never depends on
 * the window), moving averages over the bars before the window too, the
 * summary figures on the same basis, the corporate actions of the window, and
 * whether any value is synthetic or a person's.
 */
import { addDays, isValidIsoDate, latestCompletedSession, type IsoDate } from "@stock-market/pipeline/calendar/nyse";
import { isValidSymbol } from "@stock-market/pipeline/model/daily-price";
import type { Adjustment } from "@stock-market/pipeline/model/adjust";
import type { Db } from "mongodb";
import { actionsOfWindow, type ActionsOfWindow } from "~/lib/action-markers";
import {
  adjustmentParam,
  DEFAULT_CHART_ADJUSTMENT,
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
import { loadAdjustedHistory, type AdjustedHistory } from "~/models/adjusted-history.server";

export interface ChartView {
  symbol: string;
  adjustment: Adjustment;
  /** The preset shown, or "custom" when From/To were given. */
  range: RangePreset | "custom";
  from: IsoDate | null;
  to: IsoDate;
  ma: MaWindow[];
  bars: { date: string[]; open: number[]; high: number[]; low: number[]; close: number[]; volume: number[]; manual: boolean[] };
  mas: { window: MaWindow; values: (number | null)[] }[];
  summary: Summary | null;
  actions: ActionsOfWindow;
  synthetic: boolean;
  firstDate: IsoDate;
  lastDate: IsoDate;
}

export interface ViewParams {
  adjustment: Adjustment;
  range: RangePreset | "custom";
  from: IsoDate | null;
  to: IsoDate | null;
  ma: MaWindow[];
}

/** The view state from the URL: `adjustment`, `range` or `from`/`to` (custom), and `ma`; anything invalid falls back to the default. */
export function parseViewParams(params: URLSearchParams): ViewParams {
  const from = params.get("from");
  const to = params.get("to");
  const custom = (from && isValidIsoDate(from)) || (to && isValidIsoDate(to));
  return {
    adjustment: adjustmentParam(params, DEFAULT_CHART_ADJUSTMENT),
    range: custom ? "custom" : rangeParam(params),
    from: from && isValidIsoDate(from) ? from : null,
    to: to && isValidIsoDate(to) ? to : null,
    ma: parseMaParams(params.getAll("ma")),
  };
}

/** The chart of one symbol; null when it has no live records. */
export async function loadChart(db: Db, symbol: string, view: ViewParams): Promise<ChartView | null> {
  // The whole history, read once and adjusted once: the presets are anchored on
  // the latest bar, the adjustment of any bar depends on every action after
  // it, and the moving averages and 52-week figures need most of a year before
  // the window anyway.
  const history = await loadAdjustedHistory(db, symbol, view.adjustment);
  if (!history) return null;
  return chartView(symbol, view, history);
}

/** The page's figures from an adjusted history (split out so its cost is measured without the database). */
export function chartView(symbol: string, view: ViewParams, history: AdjustedHistory): ChartView {
  const all = history.bars;
  const n = all.length;
  const anchor = all[n - 1]!.date;
  const viewFrom = view.range === "custom" ? view.from : rangeStart(view.range, anchor);
  const viewTo = view.range === "custom" && view.to && view.to < anchor ? view.to : anchor;

  const dates = new Array<string>(n);
  const closes = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    dates[i] = all[i]!.date;
    closes[i] = all[i]!.close;
  }
  const start = firstIndexFrom(dates, viewFrom);
  const end = firstIndexFrom(dates, addDays(viewTo, 1));
  const slice = all.slice(start, end);
  return {
    symbol,
    adjustment: view.adjustment,
    range: view.range,
    from: viewFrom,
    to: viewTo,
    ma: view.ma,
    bars: {
      date: dates.slice(start, end),
      open: slice.map((d) => d.open),
      high: slice.map((d) => d.high),
      low: slice.map((d) => d.low),
      close: closes.slice(start, end),
      volume: slice.map((d) => d.volume),
      manual: slice.map((d) => d.manual),
    },
    mas: view.ma.map((window) => ({ window, values: movingAverage(closes, window).slice(start, end) })),
    summary: summarise(all),
    actions: actionsOfWindow(history.actions, history.plan, view.adjustment, { from: viewFrom, to: viewTo, firstDate: dates[0]!, lastDate: anchor }),
    synthetic: slice.some((d) => d.synthetic) || all[n - 1]!.synthetic,
    firstDate: dates[0]!,
    lastDate: anchor,
  };
}

export interface ComparisonSeries {
  symbol: string;
  date: string[];
  pct: number[];
  synthetic: boolean;
}

/**
 * Several symbols' closes on one basis as % change from the first bar of the
 * range, which ends at the latest bar among them. Each history is adjusted
 * whole, then cut to the range.
 */
export async function loadComparison(
  db: Db,
  symbols: readonly string[],
  range: RangePreset,
  adjustment: Adjustment,
): Promise<{ series: ComparisonSeries[]; from: IsoDate | null; to: IsoDate | null }> {
  const histories = (await Promise.all(symbols.map((s) => loadAdjustedHistory(db, s, adjustment)))).filter((h) => h !== null);
  if (histories.length === 0) return { series: [], from: null, to: null };
  const anchor = histories
    .map((h) => h.bars[h.bars.length - 1]!.date)
    .sort()
    .pop()!;
  const from = rangeStart(range, anchor);
  const series = histories.map((h) => {
    const bars = h.bars.slice(
      firstIndexFrom(
        h.bars.map((b) => b.date),
        from,
      ),
    );
    return { symbol: h.symbol, date: bars.map((b) => b.date), pct: percentChange(bars.map((b) => b.close)), synthetic: bars.some((b) => b.synthetic) };
  });
  return { series: series.filter((s) => s.date.length > 0), from, to: anchor };
}

/**
 * The chart page's 404 for a symbol with no records: it is not loaded into
 * the database (the market page links every ticker of the lake, most of
 * which are outside the watchlist), with the command that would load a year.
 */
export function notLoadedMessage(symbol: string, now = new Date()): string {
  const none = `There are no records for the symbol "${symbol}"`;
  if (!(isValidSymbol as (s: string) => boolean)(symbol)) return `${none}.`;
  const to = latestCompletedSession(now);
  return `${none}: it is not loaded. To load its last year, run \`stock-pipeline backfill --from ${addDays(to, -365)} --to ${to} --tickers ${symbol}\`.`;
}
