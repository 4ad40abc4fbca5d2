/**
 * The screener's SQL (decision 081). Fixed text with named parameters only:
 * $bars / $actions are lists of local file paths the source produced, $d the
 * session (a validated date string), $dates the curated sessions of the
 * window ascending, $lookback the oldest session a "previous close" may come
 * from, $from50 / $from200 the first of the last 50 / 200 curated sessions,
 * and the filters $min_price, $min_dollar_volume, $include_otc.
 *
 * The 50- and 200-day averages are over the last 50 (200) curated sessions;
 * a ticker missing from any of them (halted, newly listed) has no average
 * and is left out of the "% above" figures.
 *
 * Split adjustment: every bar is brought to the share basis of $d by the
 * product of split_from / split_to of its symbol's splits executed after the
 * bar's date and on or before $d (a 1-for-20 reverse split has from 20, to 1:
 * old prices x 20). `product()` rather than exp(sum(ln())) keeps integer
 * ratios exact.
 */

const NO_ACTIONS = "(SELECT NULL::VARCHAR AS kind, NULL::VARCHAR AS symbol, NULL::DATE AS date, NULL::DOUBLE AS split_from, NULL::DOUBLE AS split_to WHERE false)";

function adjusted(hasActions: boolean, numbered: boolean): string {
  const actions = hasActions ? "read_parquet($actions, hive_partitioning = false)" : NO_ACTIONS;
  // Session numbers (1 = the window's first curated session) only where a query needs them.
  const bars = numbered
    ? `SELECT b.symbol, b.date, b.open, b.high, b.low, b.close, b.volume, coalesce(b.otc, false) AS otc, s.sess
  FROM read_parquet($bars, hive_partitioning = true) b JOIN (
    SELECT CAST(unnest($dates) AS DATE) AS date, generate_subscripts($dates, 1) AS sess
  ) s ON s.date = b.date`
    : "SELECT symbol, date, open, high, low, close, volume, coalesce(otc, false) AS otc FROM read_parquet($bars, hive_partitioning = true)";
  // A split of ratio r on date s multiplies the bars dated before s: each split
  // opens an interval [previous split of the symbol, s) whose factor is the
  // product of r of s and of every later split up to $d. A range join on this
  // small table is much cheaper than an ASOF join over every bar.
  return `
WITH bars AS (
  ${bars}
), splits AS (
  SELECT symbol, date, product(split_from / split_to) AS r FROM ${actions}
  WHERE kind = 'split' AND split_from > 0 AND split_to > 0 AND date <= CAST($d AS DATE)
  GROUP BY symbol, date
), steps AS (
  SELECT a.symbol, a.date AS hi, product(b.r) AS f
  FROM splits a JOIN splits b ON b.symbol = a.symbol AND b.date >= a.date
  GROUP BY a.symbol, a.date
), intervals AS (
  SELECT symbol, coalesce(lag(hi) OVER (PARTITION BY symbol ORDER BY hi), DATE '0001-01-01') AS lo, hi, f FROM steps
), adj AS (
  SELECT bars.*, coalesce(i.f, 1.0) AS f
  FROM bars LEFT JOIN intervals i ON i.symbol = bars.symbol AND bars.date >= i.lo AND bars.date < i.hi
)`;
}

const PASSES = "close >= $min_price AND close * volume >= $min_dollar_volume AND ($include_otc OR NOT otc)";

/**
 * One row per ticker that traded on $d and passes the filters: its close,
 * dollar volume, previous close (the last trade within the lookback, in $d's
 * basis), its 52-week history before $d and its 50/200-session averages.
 */
export function dayRowsSql(hasActions: boolean): string {
  // One pass over the window, grouped by symbol: the session's own values and
  // the history before it side by side (cheaper than joining two scans).
  const before = "FILTER (date < CAST($d AS DATE))";
  const on = "FILTER (date = CAST($d AS DATE))";
  return `${adjusted(hasActions, false)},
per_symbol AS (
  SELECT symbol,
    any_value(close) ${on} AS close, any_value(volume) ${on} AS volume,
    any_value(high) ${on} AS high, any_value(low) ${on} AS low, any_value(otc) ${on} AS otc,
    arg_max(close * f, date) ${before} AS prev_close, max(date) ${before} AS prev_date,
    max(high * f) ${before} AS prior_high, min(low * f) ${before} AS prior_low,
    avg(close * f) FILTER (date >= CAST($from50 AS DATE)) AS sma50, count(*) FILTER (date >= CAST($from50 AS DATE)) AS n50,
    avg(close * f) FILTER (date >= CAST($from200 AS DATE)) AS sma200, count(*) FILTER (date >= CAST($from200 AS DATE)) AS n200
  FROM adj
  GROUP BY symbol
  HAVING count(*) ${on} > 0
)
SELECT symbol, close, volume, high, low, otc, close * volume AS dollar_volume,
  CASE WHEN prev_date >= CAST($lookback AS DATE) THEN prev_close END AS prev_close,
  CASE WHEN prev_date >= CAST($lookback AS DATE) THEN prev_date END AS prev_date,
  prior_high, prior_low, sma50, n50, sma200, n200
FROM per_symbol
WHERE ${PASSES}`;
}

/** Breadth per session in [$from, $d]: advancers, decliners, unchanged, and how many are above their averages. */
export function breadthSeriesSql(hasActions: boolean): string {
  return `${adjusted(hasActions, true)},
ranked AS (
  -- One window (one sort); ROWS frames plus the session span of the last 50
  -- (200) rows tell "on each of the last 50 (200) sessions" cheaply.
  SELECT date, close, volume, otc, close * f AS aclose,
    lag(close * f) OVER w AS prev_aclose,
    sess - lag(sess) OVER w AS gap,
    avg(close * f) OVER (w ROWS BETWEEN 49 PRECEDING AND CURRENT ROW) AS sma50,
    sess - lag(sess, 49) OVER w = 49 AS has50,
    avg(close * f) OVER (w ROWS BETWEEN 199 PRECEDING AND CURRENT ROW) AS sma200,
    sess - lag(sess, 199) OVER w = 199 AS has200
  FROM adj
  WINDOW w AS (PARTITION BY symbol ORDER BY sess)
)
SELECT date,
  count(*) FILTER (gap <= $max_gap AND aclose > prev_aclose) AS advancers,
  count(*) FILTER (gap <= $max_gap AND aclose < prev_aclose) AS decliners,
  count(*) FILTER (gap <= $max_gap AND aclose = prev_aclose) AS unchanged,
  count(*) FILTER (has50) AS n50, count(*) FILTER (has50 AND aclose > sma50) AS above50,
  count(*) FILTER (has200) AS n200, count(*) FILTER (has200 AND aclose > sma200) AS above200
FROM ranked
WHERE date >= CAST($from AS DATE) AND ${PASSES}
GROUP BY date ORDER BY date`;
}

/** One symbol's bars of the window in $d's basis (prices x f, volume / f): the read-only chart of a ticker not loaded into MongoDB. */
export function historySql(hasActions: boolean): string {
  return `${adjusted(hasActions, false)}
SELECT date, open * f AS open, high * f AS high, low * f AS low, close * f AS close, volume / f AS volume
FROM adj WHERE symbol = $symbol ORDER BY date`;
}
