/**
 * The lake's key scheme (docs/decisions/003-lake-layout.md). Pure: no I/O.
 *
 *   raw/{feed}/grouped/date={YYYY-MM-DD}/grouped.json
 *   raw/{feed}/range/ticker={TICKER}/from={YYYY-MM-DD}_to={YYYY-MM-DD}/page-{NNNN}.json
 *
 * Keys are relative to the lake root and use "/" as separator. `feed` keeps
 * real ("polygon") and offline fake ("synthetic") responses apart. A ticker is
 * stored percent-encoded: every byte of its UTF-8 form outside
 * [A-Za-z0-9._-] becomes %XX (upper-case hex), so "BRK.A" stays "BRK.A" and
 * "A/B" becomes "A%2FB". Every key has exactly one spelling: `parseKey`
 * accepts only keys the builders would produce.
 */

export const FEEDS = ["polygon", "synthetic"] as const;
export type Feed = (typeof FEEDS)[number];

export type ParsedKey =
  | { kind: "grouped"; feed: Feed; date: string }
  | { kind: "range"; feed: Feed; ticker: string; from: string; to: string; page: number };

const MAX_PAGE = 9999;
const SAFE = /^[A-Za-z0-9._-]$/;

export function isFeed(value: string): value is Feed {
  return (FEEDS as readonly string[]).includes(value);
}

/** True for a real calendar date written YYYY-MM-DD. */
export function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/** Percent-encodes every UTF-8 byte outside [A-Za-z0-9._-]. */
export function encodeTicker(ticker: string): string {
  let out = "";
  for (const ch of ticker) {
    if (SAFE.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, "utf8")) out += `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Inverse of `encodeTicker`; null if `encoded` is not valid percent-encoding. */
export function decodeTicker(encoded: string): string | null {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return null;
  }
}

function checkFeed(feed: string): asserts feed is Feed {
  if (!isFeed(feed)) throw new RangeError(`unknown feed "${feed}" (expected ${FEEDS.join(" or ")})`);
}

function checkDate(what: string, date: string): void {
  if (!isIsoDate(date)) throw new RangeError(`${what} must be a calendar date YYYY-MM-DD, got "${date}"`);
}

function checkTicker(ticker: string): void {
  if (ticker.length === 0) throw new RangeError("ticker must not be empty");
  // A lone surrogate has no UTF-8 form, so it could not round-trip.
  if (/[\uD800-\uDFFF]/u.test(ticker)) throw new RangeError("ticker must be well-formed Unicode");
}

function checkRange(from: string, to: string): void {
  checkDate("from", from);
  checkDate("to", to);
  if (from > to) throw new RangeError(`from (${from}) is after to (${to})`);
}

export function groupedPrefix(feed: Feed): string {
  checkFeed(feed);
  return `raw/${feed}/grouped/`;
}

export function groupedKey(feed: Feed, date: string): string {
  checkDate("date", date);
  return `${groupedPrefix(feed)}date=${date}/grouped.json`;
}

/**
 * Prefix for listing range pages: of a feed, of one ticker, or of one
 * ticker's from/to window. With `from` but no `to` it matches every window
 * starting on `from`. Always ends at a boundary ("/" or "_to="), so "A" never
 * matches "AA".
 */
export function rangePrefix(feed: Feed, ticker?: string, from?: string, to?: string): string {
  checkFeed(feed);
  let prefix = `raw/${feed}/range/`;
  if (ticker === undefined) {
    if (from !== undefined || to !== undefined) throw new RangeError("rangePrefix: from/to need a ticker");
    return prefix;
  }
  checkTicker(ticker);
  prefix += `ticker=${encodeTicker(ticker)}/`;
  if (from === undefined) {
    if (to !== undefined) throw new RangeError("rangePrefix: to needs from");
    return prefix;
  }
  if (to === undefined) {
    checkDate("from", from);
    return `${prefix}from=${from}_to=`;
  }
  checkRange(from, to);
  return `${prefix}from=${from}_to=${to}/`;
}

/** Key of one page (1-based) of a range-aggregates response chain. */
export function rangePageKey(feed: Feed, ticker: string, from: string, to: string, page: number): string {
  if (!Number.isInteger(page) || page < 1 || page > MAX_PAGE) {
    throw new RangeError(`page must be an integer from 1 to ${MAX_PAGE}, got ${page}`);
  }
  return `${rangePrefix(feed, ticker, from, to)}page-${String(page).padStart(4, "0")}.json`;
}

const GROUPED_RE = /^raw\/([a-z]+)\/grouped\/date=(\d{4}-\d{2}-\d{2})\/grouped\.json$/;
const RANGE_RE =
  /^raw\/([a-z]+)\/range\/ticker=([A-Za-z0-9._%-]+)\/from=(\d{4}-\d{2}-\d{2})_to=(\d{4}-\d{2}-\d{2})\/page-(\d{4})\.json$/;

/** What a key names, or null for anything the builders would not produce. */
export function parseKey(key: string): ParsedKey | null {
  try {
    const g = GROUPED_RE.exec(key);
    if (g) {
      const [, feed = "", date = ""] = g;
      if (!isFeed(feed) || groupedKey(feed, date) !== key) return null;
      return { kind: "grouped", feed, date };
    }
    const r = RANGE_RE.exec(key);
    if (r) {
      const [, feed = "", enc = "", from = "", to = "", pageText = ""] = r;
      const ticker = decodeTicker(enc);
      const page = Number(pageText);
      if (!isFeed(feed) || ticker === null) return null;
      // Rebuilding rejects non-canonical spellings ("%2e", "%41", bad dates, page 0000).
      if (rangePageKey(feed, ticker, from, to, page) !== key) return null;
      return { kind: "range", feed, ticker, from, to, page };
    }
  } catch {
    return null;
  }
  return null;
}
