/**
 * The lake's key scheme (docs/decisions/003-lake-layout.md). Pure: no I/O.
 *
 *   raw/{feed}/grouped/date={YYYY-MM-DD}/grouped.json
 *   raw/{feed}/range/ticker={TICKER}/from={YYYY-MM-DD}_to={YYYY-MM-DD}/page-{NNNN}.json
 *   raw/{feed}/{splits|dividends}/date={YYYY-MM-DD}/page-{NNNN}.json
 *   raw/{feed}/{splits|dividends}/tickers={HASH}/from={YYYY-MM-DD}_to={YYYY-MM-DD}/page-{NNNN}.json
 *
 * Corporate actions: `date=` holds a daily run's whole-market request for
 * that session; `tickers=` a back-fill batch (`ticker.any_of`), HASH being
 * the first 12 hex digits of the sha256 of the batch's distinct tickers,
 * sorted and comma-joined (the list itself is in the object's metadata,
 * `tickers`: a hundred tickers do not fit in a path segment).
 *
 * Keys are relative to the lake root and use "/" as separator. `feed` keeps
 * real ("polygon") and offline fake ("synthetic") responses apart. A ticker is
 * stored percent-encoded: every byte of its UTF-8 form outside
 * [A-Za-z0-9._-] becomes %XX (upper-case hex), so "BRK.A" stays "BRK.A" and
 * "A/B" becomes "A%2FB". Every key has exactly one spelling: `parseKey`
 * accepts only keys the builders would produce.
 */

import { createHash } from "node:crypto";

export const FEEDS = ["polygon", "synthetic"] as const;
export type Feed = (typeof FEEDS)[number];

/** The corporate-actions endpoints, as named in keys. */
export const ACTION_ENDPOINTS = ["splits", "dividends"] as const;
export type ActionEndpoint = (typeof ACTION_ENDPOINTS)[number];

export type ParsedKey =
  | { kind: "grouped"; feed: Feed; date: string }
  | { kind: "range"; feed: Feed; ticker: string; from: string; to: string; page: number }
  | { kind: "actions-day"; feed: Feed; endpoint: ActionEndpoint; date: string; page: number }
  | { kind: "actions-batch"; feed: Feed; endpoint: ActionEndpoint; tickersHash: string; from: string; to: string; page: number };

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

function pageName(page: number): string {
  if (!Number.isInteger(page) || page < 1 || page > MAX_PAGE) {
    throw new RangeError(`page must be an integer from 1 to ${MAX_PAGE}, got ${page}`);
  }
  return `page-${String(page).padStart(4, "0")}.json`;
}

/** Key of one page (1-based) of a range-aggregates response chain. */
export function rangePageKey(feed: Feed, ticker: string, from: string, to: string, page: number): string {
  const name = pageName(page);
  return `${rangePrefix(feed, ticker, from, to)}${name}`;
}

function checkEndpoint(endpoint: string): asserts endpoint is ActionEndpoint {
  if (!(ACTION_ENDPOINTS as readonly string[]).includes(endpoint)) {
    throw new RangeError(`unknown corporate-actions endpoint "${endpoint}" (expected ${ACTION_ENDPOINTS.join(" or ")})`);
  }
}

/** Prefix of every object of one actions endpoint (daily and back-fill alike). */
export function actionsPrefix(feed: Feed, endpoint: ActionEndpoint): string {
  checkFeed(feed);
  checkEndpoint(endpoint);
  return `raw/${feed}/${endpoint}/`;
}

/** Prefix of one session's whole-market actions pages. */
export function actionsDayPrefix(feed: Feed, endpoint: ActionEndpoint, date: string): string {
  checkDate("date", date);
  return `${actionsPrefix(feed, endpoint)}date=${date}/`;
}

/** Key of one page (1-based) of a daily run's whole-market actions request for session `date`. */
export function actionsDayKey(feed: Feed, endpoint: ActionEndpoint, date: string, page: number): string {
  const name = pageName(page);
  return `${actionsDayPrefix(feed, endpoint, date)}${name}`;
}

const HASH_RE = /^[0-9a-f]{12}$/;

/** The distinct tickers of a batch, sorted: the form hashed into its key and kept in its metadata. */
export function batchTickers(tickers: readonly string[]): string[] {
  if (tickers.length === 0) throw new RangeError("a ticker batch must not be empty");
  for (const t of tickers) checkTicker(t);
  // Plain code-unit order, not locale order: the hash must not depend on the machine.
  return [...new Set(tickers)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** First 12 hex digits of the sha256 of the batch's distinct tickers, sorted and comma-joined. */
export function tickersHash(tickers: readonly string[]): string {
  return createHash("sha256").update(batchTickers(tickers).join(","), "utf8").digest("hex").slice(0, 12);
}

/** Key of one page of a back-fill's actions request for a ticker batch (named by `tickersHash`) over from..to. */
export function actionsBatchKey(feed: Feed, endpoint: ActionEndpoint, hash: string, from: string, to: string, page: number): string {
  if (!HASH_RE.test(hash)) throw new RangeError(`a ticker-batch hash is 12 lower-case hex digits, got "${hash}"`);
  checkRange(from, to);
  const name = pageName(page);
  return `${actionsPrefix(feed, endpoint)}tickers=${hash}/from=${from}_to=${to}/${name}`;
}

const GROUPED_RE = /^raw\/([a-z]+)\/grouped\/date=(\d{4}-\d{2}-\d{2})\/grouped\.json$/;
const RANGE_RE = /^raw\/([a-z]+)\/range\/ticker=([A-Za-z0-9._%-]+)\/from=(\d{4}-\d{2}-\d{2})_to=(\d{4}-\d{2}-\d{2})\/page-(\d{4})\.json$/;

const ACTIONS_DAY_RE = /^raw\/([a-z]+)\/([a-z]+)\/date=(\d{4}-\d{2}-\d{2})\/page-(\d{4})\.json$/;
const ACTIONS_BATCH_RE = /^raw\/([a-z]+)\/([a-z]+)\/tickers=([0-9a-f]{12})\/from=(\d{4}-\d{2}-\d{2})_to=(\d{4}-\d{2}-\d{2})\/page-(\d{4})\.json$/;

const isEndpoint = (s: string): s is ActionEndpoint => (ACTION_ENDPOINTS as readonly string[]).includes(s);

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
    const d = ACTIONS_DAY_RE.exec(key);
    if (d) {
      const [, feed = "", endpoint = "", date = "", pageText = ""] = d;
      const page = Number(pageText);
      if (!isFeed(feed) || !isEndpoint(endpoint) || actionsDayKey(feed, endpoint, date, page) !== key) return null;
      return { kind: "actions-day", feed, endpoint, date, page };
    }
    const b = ACTIONS_BATCH_RE.exec(key);
    if (b) {
      const [, feed = "", endpoint = "", tickersHash = "", from = "", to = "", pageText = ""] = b;
      const page = Number(pageText);
      if (!isFeed(feed) || !isEndpoint(endpoint) || actionsBatchKey(feed, endpoint, tickersHash, from, to, page) !== key) return null;
      return { kind: "actions-batch", feed, endpoint, tickersHash, from, to, page };
    }
  } catch {
    return null;
  }
  return null;
}
