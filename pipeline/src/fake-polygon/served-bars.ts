/**
 * The bars the fake server sends: the synthetic curve scaled to the share
 * basis of the day (as traded, `adjusted=false`), then, for `adjusted=true`,
 * divided by the splits executed between the bar and the fake's clock, as
 * Polygon adjusts "as of the moment of the request".
 */
import { ActionBook } from "./action-book.js";
import { adjustedFactor, asTradedFactor, type CorporateActionsOption } from "./synthetic-actions.js";
import { syntheticBar, syntheticDay, syntheticExtendedHours, type Bar, type BarStamp } from "./synthetic.js";

/** How a request wants its bars: `today` is the fake's current New York date. */
export interface BarView {
  adjusted: boolean;
  today: string;
}

/** Prices divided and volume multiplied by `a`, unrounded (as Polygon's adjusted values are). */
function adjustBy(bar: Bar, a: number): Bar {
  if (a === 1) return bar;
  const out: Bar = { ...bar, o: bar.o / a, c: bar.c / a, h: bar.h / a, l: bar.l / a, v: bar.v * a };
  if (bar.vw !== undefined) out.vw = bar.vw / a;
  return out;
}

/** What traded on `date`: the curve times F(date), rounded as the curve is. */
export function tradedBar(book: ActionBook, ticker: string, date: string, stamp: BarStamp = "close"): Bar | undefined {
  return syntheticBar(ticker, date, book.seed, stamp, asTradedFactor(book.splitsOf(ticker), date));
}

/** The bar of `ticker` on `date` as the server sends it for `view`; undefined on a day without a session. */
export function servedBar(book: ActionBook, ticker: string, date: string, stamp: BarStamp, view: BarView): Bar | undefined {
  const bar = tradedBar(book, ticker, date, stamp);
  if (!bar || !view.adjusted) return bar;
  return adjustBy(bar, adjustedFactor(book.splitsOf(ticker), date, view.today));
}

/** servedBar for many tickers on one session (the grouped endpoint). */
export function servedDay(book: ActionBook, tickers: readonly string[], date: string, stamp: BarStamp, view: BarView): Bar[] {
  const bars = syntheticDay(tickers, date, book.seed, stamp, (t) => asTradedFactor(book.splitsOf(t), date));
  if (!view.adjusted) return bars;
  return bars.map((bar, i) => adjustBy(bar, adjustedFactor(book.splitsOf(tickers[i]!), date, view.today)));
}

/** Pre-market and after-hours prices in the same basis as servedBar's. */
export function servedExtendedHours(book: ActionBook, ticker: string, date: string, traded: Bar, view: BarView): { preMarket: number; afterHours: number } {
  const ext = syntheticExtendedHours(ticker, date, book.seed, traded);
  const a = view.adjusted ? adjustedFactor(book.splitsOf(ticker), date, view.today) : 1;
  return { preMarket: ext.preMarket / a, afterHours: ext.afterHours / a };
}

/**
 * The bar a fake server started with `options` sends for (ticker, date, view),
 * computed without a server: expected values for tests elsewhere (the seed
 * defaults to "demo" as startFakePolygon's does; `adjusted: false` gives what traded).
 */
export function expectedFakeBar(
  options: { seed?: string; corporateActions?: CorporateActionsOption },
  ticker: string,
  date: string,
  view: BarView,
  stamp: BarStamp = "close",
): Bar | undefined {
  return servedBar(new ActionBook(options.seed ?? "demo", [], options.corporateActions), ticker, date, stamp, view);
}
