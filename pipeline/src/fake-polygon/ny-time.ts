/**
 * New York wall-clock helpers for the fake Polygon server: the epoch ms of a
 * given NY local time on a given date, computed with Intl (never a fixed
 * offset, never the machine's zone), so stamps stay right across DST changes.
 */

const offsetFormat = new Intl.DateTimeFormat("en-US", {
  timeZone: "America/New_York",
  timeZoneName: "longOffset",
});

/** UTC offset of New York at the instant `epochMs`, in minutes (e.g. -240 in summer). */
export function nyOffsetMinutes(epochMs: number): number {
  const name = offsetFormat.formatToParts(epochMs).find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  const m = /^GMT([+-])(\d{2}):?(\d{2})?$/.exec(name);
  if (!m) return 0; // "GMT" exactly
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? "0");
  return m[1] === "-" ? -minutes : minutes;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written `YYYY-MM-DD` (rejects 2024-02-30). */
export function isIsoDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

/** Whole days from 1970-01-01 to `date` (a UTC calendar count, zone-free). */
export function dayNumber(date: string): number {
  const m = DATE_RE.exec(date);
  if (!m) throw new Error(`not a YYYY-MM-DD date: ${date}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 86_400_000;
}

const stampCache = new Map<string, number>();

/** Epoch ms of `hour:minute` New York time on `date`. */
export function nyWallTimeToEpochMs(date: string, hour: number, minute = 0): number {
  const key = `${date}T${hour}:${minute}`;
  const cached = stampCache.get(key);
  if (cached !== undefined) return cached;
  const wall = dayNumber(date) * 86_400_000 + (hour * 60 + minute) * 60_000;
  // Two passes: guess with the offset at the wall time read as UTC, then correct.
  let t = wall - nyOffsetMinutes(wall) * 60_000;
  t = wall - nyOffsetMinutes(t) * 60_000;
  if (stampCache.size > 50_000) stampCache.clear();
  stampCache.set(key, t);
  return t;
}
