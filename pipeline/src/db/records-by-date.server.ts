import type { Db } from "mongodb";
import { isTradingDay, tradingDaysBetween } from "../calendar/nyse.js";
import { toStoredDate, type DailyPrice } from "../model/daily-price.js";
import type { SummaryFields } from "../model/symbol-summary.js";
import { dailyPrices, LIVE } from "./daily-prices.server.js";
import { getSymbolSummaries } from "./symbol-summaries.server.js";

/**
 * The records page in date order across every symbol (the page's default
 * view), read one trading date at a time. A sorted `find().skip().limit()`
 * is index-served on MongoDB, but FerretDB sorts in memory after reading the
 * whole collection (~250,000 records: seconds per page). The per-symbol
 * summaries say how many live records each date has (a symbol has one on D
 * when D is within [first, last] and not a gap, or is one of its off-calendar
 * dates), so whole dates before the page are skipped without reading them,
 * and each date on the page is one equality query (`{date}`: the date index on
 * MongoDB, pushed down to SQL on FerretDB's PostgreSQL backend). Same rows in
 * the same order as the sorted query: date, then symbol, both in `dir`.
 * Should a record write land between the summary read and the date reads, the
 * page reflects the records; the next request sees both.
 */
export async function findPageByDate(db: Db, range: { from?: string; to?: string }, dir: 1 | -1, skip: number, limit: number): Promise<DailyPrice[]> {
  const live = [...(await getSymbolSummaries(db)).values()].filter((s) => s.records > 0 && s.first !== null && s.last !== null);
  if (live.length === 0 || limit <= 0) return [];
  const counter = dateCounter(live);
  const dates = candidateDates(live, range);
  if (dir === -1) dates.reverse();
  const rows: DailyPrice[] = [];
  let toSkip = skip;
  for (const date of dates) {
    if (rows.length >= limit) break;
    const n = counter(date);
    if (n === 0) continue;
    if (toSkip >= n) {
      toSkip -= n;
      continue;
    }
    const want = Math.min(limit - rows.length, n - toSkip);
    rows.push(
      ...(await dailyPrices(db)
        .find({ date: toStoredDate(date), ...LIVE })
        .sort({ symbol: dir })
        .skip(toSkip)
        .limit(want)
        .toArray()),
    );
    toSkip = 0;
  }
  return rows;
}

/** Sessions between the earliest first and the latest last live date, plus off-calendar dates, within the range, ascending. */
function candidateDates(live: readonly SummaryFields[], range: { from?: string; to?: string }): string[] {
  let first = live[0]!.first!;
  let last = live[0]!.last!;
  const extra = new Set<string>();
  for (const s of live) {
    if (s.first! < first) first = s.first!;
    if (s.last! > last) last = s.last!;
    for (const d of s.offCalendar) extra.add(d);
  }
  if (range.from && range.from > first) first = range.from;
  if (range.to && range.to < last) last = range.to;
  if (first > last) return [];
  const inRange = (d: string) => d >= first && d <= last;
  return [...new Set([...tradingDaysBetween(first, last), ...[...extra].filter(inRange)])].sort();
}

/** Live records on a date, from the summaries alone. */
function dateCounter(live: readonly SummaryFields[]): (date: string) => number {
  const sets = live.map((s) => ({ first: s.first!, last: s.last!, gaps: new Set(s.gaps), off: new Set(s.offCalendar) }));
  return (date) => {
    const session = isTradingDay(date);
    let n = 0;
    for (const s of sets) if (s.off.has(date) || (session && date >= s.first && date <= s.last && !s.gaps.has(date))) n++;
    return n;
  };
}
