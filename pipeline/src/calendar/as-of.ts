/**
 * `--as-of`: the instant a daily command is "as of", and the session that
 * instant stands for. The rule is the calendar's `latestCompletedSession`: a
 * session counts once its close (16:00 ET, 13:00 ET on early-close days) has
 * passed. A scheduler passes the end of its data interval (06:00 the next
 * morning), by when the bars are final; a person running the CLI after the
 * close may find the free plan still refusing the day (exit 3, saying so).
 */
import { EARLIEST_DATE, isValidIsoDate, latestCompletedSession, type IsoDate } from "./nyse.js";

// An instant needs a date, a time and a zone: "2025-07-07" alone could be any of 24 hours.
const INSTANT_RE = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/;

/**
 * How far ahead of this machine's clock an `--as-of` may be: the scheduler
 * that computed it and the container that reads it do not share a clock.
 */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** The first session the pipeline handles: the first trading day on or after EARLIEST_DATE. */
export const FIRST_SESSION: IsoDate = "2000-01-03";

/**
 * Parses an `--as-of` value (ISO 8601 with a time and a zone, e.g.
 * `2025-07-07T10:00:00Z` or `2025-07-07T06:00:00-04:00`).
 * @throws Error with a one-sentence message naming the problem.
 */
export function parseAsOf(text: string, now: Date = new Date()): Date {
  const shown = text.length > 40 ? `${JSON.stringify(text.slice(0, 40))}…` : JSON.stringify(text);
  const m = INSTANT_RE.exec(text);
  if (!m) {
    const hint = isValidIsoDate(text) ? ` (for one session use --date ${text})` : "";
    throw new Error(`--as-of must be an instant with a time and a zone, e.g. 2025-07-07T10:00:00Z, got ${shown}${hint}`);
  }
  const [, date, hh, mm, ss, , oh, om] = m;
  const inRange = Number(hh) <= 23 && Number(mm) <= 59 && Number(ss ?? 0) <= 59 && Number(oh ?? 0) <= 23 && Number(om ?? 0) <= 59;
  const instant = new Date(text);
  if (!isValidIsoDate(date!) || !inRange || Number.isNaN(instant.getTime())) throw new Error(`--as-of ${shown} is not a real date and time`);
  if (instant.getTime() > now.getTime() + CLOCK_SKEW_MS) throw new Error(`--as-of ${text} is in the future (now is ${now.toISOString()})`);
  const session = latestCompletedSession(instant);
  if (session < FIRST_SESSION) {
    throw new Error(`--as-of ${text} is before the close of ${FIRST_SESSION}, the first session this pipeline handles (dates from ${EARLIEST_DATE})`);
  }
  return instant;
}

/** The latest NYSE session completed at `asOf` (its close has passed). */
export function sessionAsOf(asOf: Date): IsoDate {
  return latestCompletedSession(asOf);
}
