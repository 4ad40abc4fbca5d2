import { isTradingDay, nyDateOf } from "../calendar/nyse.js";
import { RawObjectError } from "../errors.js";
import { isValidSymbol, priceProblems, type PriceValues } from "../model/daily-price.js";

/** A validated bar, ready to be written. */
export interface CleanBar extends PriceValues {
  symbol: string;
  /** New York trading date, YYYY-MM-DD. */
  date: string;
}

/** A row that failed validation, with every reason. Nothing is dropped silently. */
export interface RejectedRow {
  index: number;
  symbol: string | undefined;
  date: string | undefined;
  reasons: string[];
  row: unknown;
}

export interface ParseOptions {
  /** Keep only these symbols ("*" keeps all). Rows of other symbols are out of scope, not rejects. */
  tickers: string[] | "*";
  /** For grouped objects: the session the object was requested for; bars stamped for another date are rejected. */
  expectedDate?: string;
  /** Keep only bars whose date lies in this inclusive range (reprocess). */
  from?: string;
  to?: string;
}

export interface ParsedObject {
  bars: CleanBar[];
  rejects: RejectedRow[];
  /** Rows in the response before any filter. */
  rows: number;
  /**
   * The envelope's `adjusted`: false for bars as traded, true for bars
   * split-adjusted as of the request (what the pipeline stored before it
   * switched), undefined when the field is absent or not a boolean (basis unknown).
   */
  adjusted: boolean | undefined;
}

/**
 * Turns one raw Polygon aggregates response (grouped, range or previous close)
 * into clean bars and rejected rows. Throws RawObjectError when the object as a
 * whole is unreadable: that is a corrupt file, not a bad row.
 */
export function parseAggregates(key: string, body: Uint8Array, opts: ParseOptions): ParsedObject {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body).toString("utf8"));
  } catch (e) {
    throw new RawObjectError(`lake object ${key} is not valid JSON (${(e as Error).message}); re-extract it`, key, { cause: e });
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new RawObjectError(`lake object ${key} is not a Polygon response object`, key);
  }
  const env = json as Record<string, unknown>;
  if (env.status !== "OK" && env.status !== "DELAYED") {
    throw new RawObjectError(`lake object ${key} has status ${JSON.stringify(env.status)}, not "OK"`, key);
  }
  const results = env.results ?? [];
  if (!Array.isArray(results)) throw new RawObjectError(`lake object ${key}: "results" is not an array`, key);
  const envelopeTicker = typeof env.ticker === "string" ? env.ticker : undefined;
  const wanted = opts.tickers === "*" ? undefined : new Set(opts.tickers);

  const bars: CleanBar[] = [];
  const rejects: RejectedRow[] = [];
  results.forEach((row: unknown, index) => {
    const r = (typeof row === "object" && row !== null ? row : {}) as Record<string, unknown>;
    const symbol = typeof r.T === "string" ? r.T : envelopeTicker;
    if (wanted && symbol !== undefined && !wanted.has(symbol)) return;
    const reasons: string[] = [];
    if (typeof row !== "object" || row === null || Array.isArray(row)) reasons.push("row is not an object");
    if (!isValidSymbol(symbol)) reasons.push(symbol === undefined ? "ticker (T) is missing" : `ticker ${shown(symbol)} is not a valid symbol`);
    let date: string | undefined;
    if (typeof r.t !== "number" || !Number.isInteger(r.t)) reasons.push("t (time stamp) is missing or not whole milliseconds");
    else if (r.t < MIN_TIME_MS || r.t > MAX_TIME_MS) reasons.push(`t (time stamp) ${r.t} is not an instant between the years 0001 and 9999`);
    else {
      date = nyDateOf(r.t);
      if (opts.expectedDate && date !== opts.expectedDate) reasons.push(`stamped for ${date}, but the object is for ${opts.expectedDate}`);
      else if (!isTradingDay(date)) reasons.push(`${date} is not an NYSE trading day`);
    }
    if (date && ((opts.from && date < opts.from) || (opts.to && date > opts.to))) return;
    const values = {
      open: r.o,
      high: r.h,
      low: r.l,
      close: r.c,
      volume: r.v,
      ...(r.vw !== undefined && { vwap: r.vw }),
      ...(r.n !== undefined && { transactions: r.n }),
      ...(r.otc !== undefined && { otc: r.otc }),
    };
    for (const p of priceProblems(values)) reasons.push(p.message.replace(/^(open|high|low|close|volume|vwap|transactions|otc)\b/, (f) => `${f} (${SHORT[f]})`));
    if (reasons.length) rejects.push({ index, symbol, date, reasons, row });
    else bars.push({ symbol: symbol!, date: date!, ...(values as PriceValues) });
  });
  const adjusted = typeof env.adjusted === "boolean" ? env.adjusted : undefined;
  return { bars, rejects, rows: results.length, adjusted };
}

// Stamps whose New York date has a four-digit year; anything else is not a bar's time
// (and beyond ±8.64e15 not even a Date).
const MIN_TIME_MS = Date.parse("0001-01-02T00:00:00Z");
const MAX_TIME_MS = Date.parse("9999-12-30T00:00:00Z");

/** A value quoted for a reason, cut short: a hand-edited object may hold megabytes in one field. */
function shown(value: unknown): string {
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 40 ? `${s.slice(0, 40)}… (${s.length} characters)` : s;
}

const SHORT: Record<string, string> = { open: "o", high: "h", low: "l", close: "c", volume: "v", vwap: "vw", transactions: "n", otc: "otc" };
