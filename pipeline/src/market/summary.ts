/**
 * From the per-ticker rows of one session (sql.ts dayRowsSql) to what the
 * page and the API show: pure, so the ranking rules live in one place.
 */

export interface ScreenFilters {
  /** Minimum close on the session, as traded. */
  minPrice: number;
  /** Minimum close x volume on the session. */
  minDollarVolume: number;
  includeOtc: boolean;
}

/** One ticker that traded on the session (DuckDB's row; prices of earlier sessions in its share basis). */
export interface DayRow {
  symbol: string;
  close: number;
  volume: number;
  high: number;
  low: number;
  otc: boolean;
  dollar_volume: number;
  prev_close: number | null;
  prev_date: string | null;
  prior_high: number | null;
  prior_low: number | null;
  sma50: number | null;
  n50: number;
  sma200: number | null;
  n200: number;
}

export interface Mover {
  symbol: string;
  close: number;
  /** Percent against the split-adjusted previous close. */
  change_pct: number;
  /** The session of that previous close (earlier than the one before when the ticker was halted). */
  previous_date: string;
}

export interface Movers {
  date: string;
  previousSession: string | null;
  gainers: Mover[];
  losers: Mover[];
}

export interface Active {
  symbol: string;
  close: number;
  volume: number;
  dollar_volume: number;
}

export interface Extreme {
  symbol: string;
  close: number;
  /** The session's high (new highs) or low (new lows). */
  price: number;
  /** The highest high / lowest low of the window before, split-adjusted. */
  previous: number;
}

export interface Breadth {
  /** Tickers that traded on the session and pass the filters. */
  tickers: number;
  advancers: number;
  decliners: number;
  unchanged: number;
  /** Traded, but no previous close within the lookback (new, or back from a long halt). */
  noPrevious: number;
  /** Percent of the tickers on each of the last 50 (200) curated sessions whose close is above their average over them; null when none is. */
  above50Pct: number | null;
  above200Pct: number | null;
}

export interface MarketSnapshot extends Movers {
  mostActive: Active[];
  newHighs: Extreme[];
  newLows: Extreme[];
  breadth: Breadth;
  /** First session of the 52-week window actually held by the lake. */
  windowStart: string;
}

const bySymbol = (a: { symbol: string }, b: { symbol: string }) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0);

export function summarize(date: string, rows: readonly DayRow[], limit: number): Omit<MarketSnapshot, "previousSession" | "windowStart"> {
  const changed: Mover[] = [];
  let unchanged = 0;
  for (const r of rows) {
    if (r.prev_close === null || r.prev_date === null) continue;
    const change_pct = (r.close / r.prev_close - 1) * 100;
    if (change_pct === 0) unchanged++;
    else changed.push({ symbol: r.symbol, close: r.close, change_pct, previous_date: r.prev_date });
  }
  const gainers = changed.filter((m) => m.change_pct > 0).sort((a, b) => b.change_pct - a.change_pct || bySymbol(a, b));
  const losers = changed.filter((m) => m.change_pct < 0).sort((a, b) => a.change_pct - b.change_pct || bySymbol(a, b));
  const mostActive = rows
    .map((r) => ({ symbol: r.symbol, close: r.close, volume: r.volume, dollar_volume: r.dollar_volume }))
    .sort((a, b) => b.dollar_volume - a.dollar_volume || bySymbol(a, b));
  const byMargin = (a: Extreme, b: Extreme) => Math.abs(b.price / b.previous - 1) - Math.abs(a.price / a.previous - 1) || bySymbol(a, b);
  const newHighs = rows
    .filter((r) => r.prior_high !== null && r.high > r.prior_high)
    .map((r) => ({ symbol: r.symbol, close: r.close, price: r.high, previous: r.prior_high! }))
    .sort(byMargin);
  const newLows = rows
    .filter((r) => r.prior_low !== null && r.low < r.prior_low)
    .map((r) => ({ symbol: r.symbol, close: r.close, price: r.low, previous: r.prior_low! }))
    .sort(byMargin);
  const pct = (n: number, of: number) => (of > 0 ? (100 * n) / of : null);
  const with50 = rows.filter((r) => r.n50 >= 50);
  const with200 = rows.filter((r) => r.n200 >= 200);
  return {
    date,
    gainers: gainers.slice(0, limit),
    losers: losers.slice(0, limit),
    mostActive: mostActive.slice(0, limit),
    newHighs: newHighs.slice(0, limit),
    newLows: newLows.slice(0, limit),
    breadth: {
      tickers: rows.length,
      advancers: gainers.length,
      decliners: losers.length,
      unchanged,
      noPrevious: rows.length - gainers.length - losers.length - unchanged,
      above50Pct: pct(with50.filter((r) => r.close > r.sma50!).length, with50.length),
      above200Pct: pct(with200.filter((r) => r.close > r.sma200!).length, with200.length),
    },
  };
}
