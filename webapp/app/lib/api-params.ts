/**
 * The read API's parameters: path symbol and query string, read strictly.
 * Unlike the pages (which ignore a bad filter and say so), a script must
 * learn at once that it asked for something else than it meant, so every
 * unknown, repeated or malformed parameter is a 400 with one sentence.
 * Values are only ever compared with fixed lists and patterns: nothing from
 * the query string reaches the database as anything but a validated string.
 */
import { isValidIsoDate } from "@stock-market/pipeline/calendar/nyse";
import { ADJUSTMENTS, isAdjustment, type Adjustment } from "@stock-market/pipeline/model/adjust";
import { isValidSymbol } from "@stock-market/pipeline/model/daily-price";

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export const API_FORMATS = ["json", "csv"] as const;
export type ApiFormat = (typeof API_FORMATS)[number];

export const DEFAULT_ADJUSTMENT: Adjustment = "split";
/** Dates outside these are typing mistakes (0000-01-01), not history; any range inside is cut by the data itself. */
export const API_EARLIEST_DATE = "1900-01-01";
export const API_LATEST_DATE = "9999-12-31";

export const BARS_PARAMETERS = ["from", "to", "adjustment", "format"] as const;
export const ACTIONS_PARAMETERS = [] as const;

export interface BarsQuery {
  from?: string;
  to?: string;
  adjustment: Adjustment;
  format: ApiFormat;
}

/** A value as a message may quote it: JSON-escaped (control characters, quotes) and cut to 40 characters. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

function listWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

/** The path's symbol, checked with the pipeline's ticker rule (no operators, no paths, no NUL). */
export function parseSymbol(raw: string | undefined): Parsed<string> {
  if (raw === undefined || raw === "") return { ok: false, error: "The symbol is missing from the address." };
  if (!isValidSymbol(raw)) {
    return { ok: false, error: `${quote(raw)} is not a valid symbol: a ticker is 1-20 letters, digits, ".", "-", "_" or ":", starting with a letter or digit (e.g. AAPL, BRK.A).` };
  }
  return { ok: true, value: raw };
}

/** Unknown or repeated parameters, as one sentence; undefined when there are none. */
export function checkParameterNames(params: URLSearchParams, allowed: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const name of params.keys()) counts.set(name, (counts.get(name) ?? 0) + 1);
  const unknown = [...counts.keys()].filter((n) => !allowed.includes(n));
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 5).map(quote);
    const more = unknown.length > 5 ? ` and ${unknown.length - 5} more` : "";
    const takes = allowed.length === 0 ? "this endpoint takes no query parameters" : `this endpoint takes ${listWords(allowed)}`;
    return `Unknown query parameter${unknown.length > 1 ? "s" : ""} ${shown.join(", ")}${more}: ${takes}.`;
  }
  for (const [name, n] of counts) {
    if (n > 1) return `The query parameter ${quote(name)} was given ${n} times: give it once.`;
  }
  return undefined;
}

/** A date parameter: a real calendar date written YYYY-MM-DD, within the API's bounds. */
export function parseDate(name: string, value: string): Parsed<string> {
  if (!isValidIsoDate(value)) return { ok: false, error: `${name} must be a real date written as YYYY-MM-DD (e.g. 2024-06-07); got ${quote(value)}.` };
  if (value < API_EARLIEST_DATE) return { ok: false, error: `${name} ${value} is before ${API_EARLIEST_DATE}, the earliest date this API accepts.` };
  if (value > API_LATEST_DATE) return { ok: false, error: `${name} ${value} is after ${API_LATEST_DATE}, the latest date this API accepts.` };
  return { ok: true, value };
}

/**
 * Whether an Accept header asks for CSV before JSON: text/csv listed with a
 * higher quality than application/json (absent counts as 0). A browser's
 * `text/html,…,*\/*;q=0.8` therefore gets JSON, `Accept: text/csv` gets CSV.
 */
export function prefersCsv(accept: string | null): boolean {
  if (!accept) return false;
  let csv = 0;
  let json = 0;
  for (const part of accept.slice(0, 2000).split(",")) {
    const [type = "", ...rest] = part.split(";").map((s) => s.trim().toLowerCase());
    const qParam = rest.find((p) => p.startsWith("q="));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!(q >= 0 && q <= 1)) continue;
    if (type === "text/csv") csv = Math.max(csv, q);
    else if (type === "application/json") json = Math.max(json, q);
  }
  return csv > json;
}

/** `GET /api/v1/bars/{symbol}`'s query string (and Accept header, for CSV). */
export function parseBarsQuery(params: URLSearchParams, accept: string | null = null): Parsed<BarsQuery> {
  const names = checkParameterNames(params, BARS_PARAMETERS);
  if (names) return { ok: false, error: names };
  const query: BarsQuery = { adjustment: DEFAULT_ADJUSTMENT, format: prefersCsv(accept) ? "csv" : "json" };
  for (const name of ["from", "to"] as const) {
    const value = params.get(name);
    if (value === null) continue;
    const date = parseDate(name, value);
    if (!date.ok) return date;
    query[name] = date.value;
  }
  if (query.from && query.to && query.from > query.to) {
    return { ok: false, error: `from (${query.from}) is after to (${query.to}): the range is empty; swap them.` };
  }
  const adjustment = params.get("adjustment");
  if (adjustment !== null) {
    if (!isAdjustment(adjustment)) return { ok: false, error: `adjustment must be ${listWords(ADJUSTMENTS).replace(/ and /, " or ")}; got ${quote(adjustment)}.` };
    query.adjustment = adjustment;
  }
  const format = params.get("format");
  if (format !== null) {
    if (!(API_FORMATS as readonly string[]).includes(format)) return { ok: false, error: `format must be json or csv; got ${quote(format)}.` };
    query.format = format as ApiFormat;
  }
  return { ok: true, value: query };
}

/** For the routes that take no query parameters (corporate actions, the OpenAPI document). */
export function parseNoQuery(params: URLSearchParams): Parsed<Record<string, never>> {
  const names = checkParameterNames(params, ACTIONS_PARAMETERS);
  return names ? { ok: false, error: names } : { ok: true, value: {} };
}
