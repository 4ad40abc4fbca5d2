/**
 * NYSE trading calendar, computed from rules rather than a downloaded table so
 * back-fills and future runs need no network and no yearly data refresh.
 *
 * Rules implemented (checked against NYSE's published lists; intended range
 * 2000-2035, years outside it get the same rules projected):
 * - Weekends are closed.
 * - Holidays: New Year's Day, Martin Luther King Jr. Day (3rd Mon of Jan, from
 *   1998), Washington's Birthday (3rd Mon of Feb), Good Friday (anonymous
 *   Gregorian Easter - 2), Memorial Day (last Mon of May), Juneteenth (Jun 19,
 *   from 2022), Independence Day, Labor Day (1st Mon of Sep), Thanksgiving
 *   (4th Thu of Nov), Christmas Day.
 * - A fixed-date holiday on Saturday is observed on the Friday before, on
 *   Sunday on the Monday after. Exception: New Year's Day on a Saturday is not
 *   observed at all (NYSE Rule 7.2 keeps the exchange open on a Friday that
 *   ends a yearly accounting period), so e.g. 2021-12-31 was a full session.
 * - One-off closures: 2001-09-11..14, 2004-06-11, 2007-01-02, 2012-10-29/30,
 *   2018-12-05, 2025-01-09.
 * - Early closes at 13:00 ET: July 3 when it is a weekday trading day, the day
 *   after Thanksgiving, December 24 when it is a weekday trading day.
 * Not implemented: closures before 2000 other than by these rules, and
 * historical irregular early closes (e.g. pre-2010 ad-hoc half days).
 *
 * Dates are handled as UTC-midnight day numbers so the machine's time zone can
 * never shift a date; Intl is only used to read New York wall-clock time.
 */

/** A New York calendar date, `YYYY-MM-DD`. */
export type IsoDate = string;

/**
 * The first date the CLI and the web app accept: the calendar is checked
 * against NYSE's lists from 2000 on (decision 002), and neither feed has bars
 * before it. Earlier dates are refused as input, not looked up.
 */
export const EARLIEST_DATE: IsoDate = "2000-01-01";

/** What the NYSE does on one calendar date. */
export interface MarketDay {
  date: IsoDate;
  open: boolean;
  reason?: "weekend" | "holiday";
  /** Holiday or closure name, e.g. "Independence Day", "Hurricane Sandy". */
  holiday?: string;
  earlyClose: boolean;
  closeTimeEt: "13:00" | "16:00" | null;
}

const DAY_MS = 86_400_000;
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MIN_DAY = dayNumber(0, 1, 1);
const MAX_DAY = dayNumber(9999, 12, 31);

const ONE_OFF_CLOSURES: ReadonlyMap<IsoDate, string> = new Map([
  ...["2001-09-11", "2001-09-12", "2001-09-13", "2001-09-14"].map((d) => [d, "September 11 attacks"] as const),
  ["2004-06-11", "Ronald Reagan day of mourning"],
  ["2007-01-02", "Gerald Ford day of mourning"],
  ["2012-10-29", "Hurricane Sandy"],
  ["2012-10-30", "Hurricane Sandy"],
  ["2018-12-05", "George H.W. Bush day of mourning"],
  ["2025-01-09", "Jimmy Carter day of mourning"],
]);

interface YearCalendar {
  holidays: Map<IsoDate, string>;
  earlyCloses: Set<IsoDate>;
}
const yearCache = new Map<number, YearCalendar>();

function parse(s: string): { y: number; m: number; d: number } | null {
  const match = ISO_RE.exec(s);
  if (!match) return null;
  const y = Number(match[1]);
  const m = Number(match[2]);
  const d = Number(match[3]);
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return null;
  return { y, m, d };
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

// setUTCFullYear, unlike Date.UTC, does not remap years 0-99 to 1900-1999.
function dayNumber(y: number, m: number, d: number): number {
  const dt = new Date(0);
  dt.setUTCFullYear(y, m - 1, d);
  return Math.round(dt.getTime() / DAY_MS);
}

// toISOString switches to a signed 6-digit year outside 0000-9999.
function isoOf(day: number): IsoDate {
  if (day < MIN_DAY || day > MAX_DAY) throw new RangeError(`Day ${day} is outside years 0000-9999.`);
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** 0 = Sunday; 1970-01-01 (day 0) was a Thursday. */
function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

function toDay(date: IsoDate): number {
  const p = parse(date);
  if (!p) {
    throw new RangeError(`Invalid date "${date}": expected a real calendar date written as YYYY-MM-DD.`);
  }
  return dayNumber(p.y, p.m, p.d);
}

function nthWeekday(y: number, m: number, weekday: number, n: number): number {
  const first = dayNumber(y, m, 1);
  return first + ((weekday - weekdayOf(first) + 7) % 7) + (n - 1) * 7;
}

function lastWeekday(y: number, m: number, weekday: number): number {
  const last = dayNumber(y, m, daysInMonth(y, m));
  return last - ((weekdayOf(last) - weekday + 7) % 7);
}

/** Anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
function easter(y: number): number {
  const a = y % 19;
  const b = Math.floor(y / 100);
  const c = y % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return dayNumber(y, month, day);
}

function observed(day: number): number {
  const wd = weekdayOf(day);
  return wd === 6 ? day - 1 : wd === 0 ? day + 1 : day;
}

function yearCalendar(y: number): YearCalendar {
  const cached = yearCache.get(y);
  if (cached) return cached;
  const holidays = new Map<IsoDate, string>();
  const add = (day: number, name: string): void => void holidays.set(isoOf(day), name);

  const newYear = dayNumber(y, 1, 1);
  if (weekdayOf(newYear) !== 6) add(observed(newYear), "New Year's Day");
  if (y >= 1998) add(nthWeekday(y, 1, 1, 3), "Martin Luther King Jr. Day");
  add(nthWeekday(y, 2, 1, 3), "Washington's Birthday");
  add(easter(y) - 2, "Good Friday");
  add(lastWeekday(y, 5, 1), "Memorial Day");
  if (y >= 2022) add(observed(dayNumber(y, 6, 19)), "Juneteenth");
  add(observed(dayNumber(y, 7, 4)), "Independence Day");
  add(nthWeekday(y, 9, 1, 1), "Labor Day");
  const thanksgiving = nthWeekday(y, 11, 4, 4);
  add(thanksgiving, "Thanksgiving Day");
  add(observed(dayNumber(y, 12, 25)), "Christmas Day");
  const prefix = `${String(y).padStart(4, "0")}-`;
  for (const [date, name] of ONE_OFF_CLOSURES) if (date.startsWith(prefix)) holidays.set(date, name);

  // July 3 / Dec 24 become the observed holiday itself when the 4th / 25th is
  // a Saturday, so the "is it a trading day" check must run after holidays.
  const earlyCloses = new Set<IsoDate>();
  for (const day of [dayNumber(y, 7, 3), thanksgiving + 1, dayNumber(y, 12, 24)]) {
    const wd = weekdayOf(day);
    if (wd !== 0 && wd !== 6 && !holidays.has(isoOf(day))) earlyCloses.add(isoOf(day));
  }
  const result = { holidays, earlyCloses };
  yearCache.set(y, result);
  return result;
}

function isTradingDayNumber(day: number, iso: IsoDate): boolean {
  const wd = weekdayOf(day);
  if (wd === 0 || wd === 6) return false;
  return !yearCalendar(Number(iso.slice(0, 4))).holidays.has(iso);
}

/** True when `s` is a real calendar date written strictly as `YYYY-MM-DD`. */
export function isValidIsoDate(s: string): boolean {
  return typeof s === "string" && parse(s) !== null;
}

/**
 * Describes the NYSE session on a New York calendar date.
 * @throws RangeError when `date` is not a valid `YYYY-MM-DD` date.
 */
export function marketDay(date: IsoDate): MarketDay {
  const day = toDay(date);
  const wd = weekdayOf(day);
  if (wd === 0 || wd === 6) {
    return { date, open: false, reason: "weekend", earlyClose: false, closeTimeEt: null };
  }
  const cal = yearCalendar(Number(date.slice(0, 4)));
  const holiday = cal.holidays.get(date);
  if (holiday !== undefined) {
    return { date, open: false, reason: "holiday", holiday, earlyClose: false, closeTimeEt: null };
  }
  const earlyClose = cal.earlyCloses.has(date);
  return { date, open: true, earlyClose, closeTimeEt: earlyClose ? "13:00" : "16:00" };
}

/** True when the NYSE holds a session (full or early close) on `date`. */
export function isTradingDay(date: IsoDate): boolean {
  return isTradingDayNumber(toDay(date), date);
}

/** Trading days from `from` to `to`, both inclusive, ascending; empty if `from > to`. */
export function tradingDaysBetween(from: IsoDate, to: IsoDate): IsoDate[] {
  const end = toDay(to);
  const out: IsoDate[] = [];
  for (let day = toDay(from); day <= end; day++) {
    const wd = weekdayOf(day);
    if (wd === 0 || wd === 6) continue;
    const iso = isoOf(day);
    if (isTradingDayNumber(day, iso)) out.push(iso);
  }
  return out;
}

function stepToTradingDay(date: IsoDate, step: 1 | -1): IsoDate {
  let day = toDay(date);
  // Longest real closure run is 4 weekdays (2001-09-11..14) plus weekends.
  for (let i = 0; i < 31; i++) {
    day += step;
    const iso = isoOf(day);
    if (isTradingDayNumber(day, iso)) return iso;
  }
  throw new RangeError(`No NYSE trading day within 31 days of ${date}.`);
}

/** The last trading day strictly before `date`. */
export function previousTradingDay(date: IsoDate): IsoDate {
  return stepToTradingDay(date, -1);
}

/** The first trading day strictly after `date`. */
export function nextTradingDay(date: IsoDate): IsoDate {
  return stepToTradingDay(date, 1);
}

let nyFormatter: Intl.DateTimeFormat | undefined;

function nyParts(epochMs: number): { date: IsoDate; secondsOfDay: number } {
  if (!Number.isFinite(epochMs)) throw new RangeError(`Invalid instant ${epochMs}: expected finite Unix milliseconds.`);
  nyFormatter ??= new Intl.DateTimeFormat("en-US", {
    timeZone: "America/New_York",
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
  const p: Record<string, string> = {};
  for (const { type, value } of nyFormatter.formatToParts(epochMs)) p[type] = value;
  return {
    date: `${(p.year ?? "").padStart(4, "0")}-${p.month}-${p.day}`,
    secondsOfDay: Number(p.hour) * 3600 + Number(p.minute) * 60 + Number(p.second),
  };
}

let lastMs = Number.NaN;
let lastDate = "";

/** The America/New_York calendar date of a Unix-millisecond instant. */
export function nyDateOf(epochMs: number): IsoDate {
  // A grouped response stamps every row with the same instant: one formatToParts (~20 µs) then serves the whole market.
  if (epochMs !== lastMs) {
    lastDate = nyParts(epochMs).date;
    lastMs = epochMs;
  }
  return lastDate;
}

/** Today's date in New York (defaults to the current instant). */
export function todayInNewYork(now: Date = new Date()): IsoDate {
  return nyDateOf(now.getTime());
}

/**
 * The latest session whose close (16:00 ET, or 13:00 ET on early-close days)
 * is at or before `now`. Comparing New York wall-clock time is DST-correct
 * here because closes never fall inside the 01:00-03:00 transition window.
 */
export function latestCompletedSession(now: Date): IsoDate {
  const { date, secondsOfDay } = nyParts(now.getTime());
  const { closeTimeEt } = marketDay(date);
  if (closeTimeEt !== null && secondsOfDay >= Number(closeTimeEt.slice(0, 2)) * 3600) return date;
  return previousTradingDay(date);
}

/**
 * Adds whole calendar days (negative to go back).
 * @throws RangeError on an invalid date, a non-integer count, or a result outside years 0000-9999.
 */
export function addDays(date: IsoDate, days: number): IsoDate {
  if (!Number.isInteger(days)) throw new RangeError(`Invalid day count ${days}: expected an integer.`);
  return isoOf(toDay(date) + days);
}
