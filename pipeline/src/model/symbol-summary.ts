/**
 * The per-symbol summary of live records and how one record's change moves
 * it: pure (no I/O), so the data-access module and its tests share it.
 * The live dates are never stored as a list: between `first` and `last` they
 * are the NYSE sessions minus `gaps`, plus any `offCalendar` dates a person
 * typed, so a ten-year history costs a few fields, and a new day costs O(1).
 */
import { isTradingDay, nextTradingDay, previousTradingDay, tradingDaysBetween } from "../calendar/nyse.js";

export interface SummaryFields {
  /** Live records. */
  records: number;
  /** First and last live date, YYYY-MM-DD; null when no live record is left. */
  first: string | null;
  last: string | null;
  /** NYSE sessions between first and last without a live record, ascending. */
  gaps: string[];
  /** Live dates that are not NYSE sessions (a person's typo or a special session), ascending. */
  offCalendar: string[];
  /** Live records per feed (pipeline provenance, kept after a manual edit). */
  feeds: Record<string, number>;
  /** Live records a person set. */
  manual: number;
  /** Live records from before prices were stored as traded (no basis): `status` lists them. */
  oldBasis: number;
}

/** What a summary needs to know of one record; null for a tombstone or no document. */
export interface RecordState {
  date: string;
  feed?: string;
  manual: boolean;
  /** Stored before the switch to as-traded prices (no basis). */
  oldBasis?: true;
}

export interface RecordChange {
  symbol: string;
  before: RecordState | null;
  after: RecordState | null;
}

export const emptySummary = (): SummaryFields => ({ records: 0, first: null, last: null, gaps: [], offCalendar: [], feeds: {}, manual: 0, oldBasis: 0 });

const sameState = (a: RecordState | null, b: RecordState | null) =>
  a === b || (a !== null && b !== null && a.date === b.date && a.feed === b.feed && a.manual === b.manual && a.oldBasis === b.oldBasis);

/** True when the change moves no summary field. */
export const isNoop = (c: RecordChange) => sameState(c.before, c.after);

function insertSorted(list: string[], d: string): string[] {
  if (list.includes(d)) return list;
  return [...list, d].sort();
}

function isLive(s: SummaryFields, d: string): boolean {
  if (s.first === null || s.last === null || d < s.first || d > s.last) return false;
  return isTradingDay(d) ? !s.gaps.includes(d) : s.offCalendar.includes(d);
}

function addDate(s: SummaryFields, d: string): void {
  if (s.first === null || s.last === null) {
    s.first = s.last = d;
    s.gaps = [];
    s.offCalendar = isTradingDay(d) ? [] : [d];
    return;
  }
  if (isLive(s, d)) return;
  // Widen the range: every session between the new end and the old one is missing.
  if (d < s.first) s.gaps = [...tradingDaysBetween(d, s.first).filter((x) => x !== s.first), ...s.gaps];
  if (d > s.last) s.gaps = [...s.gaps, ...tradingDaysBetween(s.last, d).filter((x) => x !== s.last)];
  if (d < s.first) s.first = d;
  if (d > s.last) s.last = d;
  if (isTradingDay(d)) s.gaps = s.gaps.filter((x) => x !== d);
  else s.offCalendar = insertSorted(s.offCalendar, d);
}

function removeDate(s: SummaryFields, d: string, recordsLeft: number): void {
  if (!isLive(s, d)) return;
  if (recordsLeft === 0) {
    Object.assign(s, { first: null, last: null, gaps: [], offCalendar: [] });
    return;
  }
  if (isTradingDay(d)) s.gaps = insertSorted(s.gaps, d);
  else s.offCalendar = s.offCalendar.filter((x) => x !== d);
  // Shrink the range to the nearest live dates; the gaps outside it are no longer gaps.
  s.first = step(s, s.first!, 1);
  s.last = step(s, s.last!, -1);
  s.gaps = s.gaps.filter((x) => x > s.first! && x < s.last!);
}

/** From `from` towards the other end, the first live date (`from` itself if live). */
function step(s: SummaryFields, from: string, dir: 1 | -1): string {
  const off = dir === 1 ? s.offCalendar.find((x) => x >= from) : [...s.offCalendar].reverse().find((x) => x <= from);
  let d = from;
  if (!isTradingDay(d)) d = dir === 1 ? nextTradingDay(d) : previousTradingDay(d);
  while ((dir === 1 ? d <= s.last! : d >= s.first!) && s.gaps.includes(d)) d = dir === 1 ? nextTradingDay(d) : previousTradingDay(d);
  const inRange = dir === 1 ? d <= s.last! : d >= s.first!;
  const candidates = [...(inRange ? [d] : []), ...(off !== undefined ? [off] : [])].sort();
  return dir === 1 ? candidates[0]! : candidates[candidates.length - 1]!;
}

function count(s: SummaryFields, r: RecordState, by: 1 | -1): void {
  s.records += by;
  if (r.manual) s.manual += by;
  if (r.oldBasis) s.oldBasis += by;
  if (r.feed) {
    const n = (s.feeds[r.feed] ?? 0) + by;
    if (n > 0) s.feeds[r.feed] = n;
    else delete s.feeds[r.feed];
  }
}

/** The summary after the changes, in order (a copy: the input is not touched). */
export function applyChanges(base: SummaryFields, changes: readonly RecordChange[]): SummaryFields {
  const s: SummaryFields = { ...base, gaps: [...base.gaps], offCalendar: [...base.offCalendar], feeds: { ...base.feeds } };
  for (const c of changes) {
    if (isNoop(c)) continue;
    if (c.before) {
      count(s, c.before, -1);
      if (c.before.date !== c.after?.date) removeDate(s, c.before.date, s.records);
    }
    if (c.after) {
      count(s, c.after, 1);
      if (c.before?.date !== c.after.date) addDate(s, c.after.date);
    }
  }
  return s;
}

/** The summary of a set of live records, from scratch. */
export function summarize(records: readonly RecordState[]): SummaryFields {
  const s = emptySummary();
  if (records.length === 0) return s;
  const dates = [...new Set(records.map((r) => r.date))].sort();
  s.first = dates[0]!;
  s.last = dates[dates.length - 1]!;
  const live = new Set(dates);
  s.gaps = tradingDaysBetween(s.first, s.last).filter((d) => !live.has(d));
  s.offCalendar = dates.filter((d) => !isTradingDay(d));
  for (const r of records) count(s, r, 1);
  return s;
}
