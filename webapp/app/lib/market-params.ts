/**
 * The market screener's query parameters, for the page (/market) and the API
 * (/api/v1/market/movers): checked here, on the server, before the lake is
 * touched (decision 040); each refusal is one sentence for a 400.
 */
import { checkParameterNames, parseDate, quote, type Parsed } from "~/lib/api-params";

export const MOVERS_PARAMETERS = ["date", "limit"] as const;
export const MARKET_PAGE_PARAMETERS = ["date", "min_price", "min_dollar_volume", "otc"] as const;
export const DEFAULT_MOVERS_LIMIT = 10;
export const MAX_MOVERS_LIMIT = 100;
/** Rows of each list on the page. */
export const PAGE_LIMIT = 20;
/** Sessions of the page's breadth chart (about six months). */
export const SERIES_SESSIONS = 126;
/** Above any real price or day's dollar volume (decision 040's absurd-value bounds). */
const MAX_PRICE = 1e13;
const MAX_DOLLAR_VOLUME = 1e15;

export interface MoversQuery {
  date?: string;
  limit: number;
}

export interface MarketPageQuery {
  date?: string;
  minPrice: number;
  minDollarVolume: number;
  includeOtc: boolean;
}

function parseLimit(value: string): Parsed<number> {
  if (!/^\d{1,4}$/.test(value) || Number(value) < 1 || Number(value) > MAX_MOVERS_LIMIT) {
    return { ok: false, error: `limit must be a whole number from 1 to ${MAX_MOVERS_LIMIT}; got ${quote(value)}.` };
  }
  return { ok: true, value: Number(value) };
}

function parseAmount(name: string, value: string, max: number): Parsed<number> {
  // Plain decimals only: no exponents, signs, hex, Infinity or NaN.
  if (!/^\d{1,16}(\.\d{1,6})?$/.test(value) || Number(value) > max) {
    return { ok: false, error: `${name} must be a number from 0 to ${max.toExponential().replace("e+", "e")} written like 5 or 2.50; got ${quote(value)}.` };
  }
  return { ok: true, value: Number(value) };
}

/** The session; absent means the latest. An empty value means the same only for the page's form. */
function parseSession(params: URLSearchParams, emptyIsLatest: boolean): Parsed<string | undefined> {
  const raw = params.get("date");
  if (raw === null || (raw === "" && emptyIsLatest)) return { ok: true, value: undefined };
  return parseDate("date", raw);
}

/** `GET /api/v1/market/movers?date&limit`. */
export function parseMoversQuery(params: URLSearchParams): Parsed<MoversQuery> {
  const names = checkParameterNames(params, MOVERS_PARAMETERS);
  if (names) return { ok: false, error: names };
  const date = parseSession(params, false);
  if (!date.ok) return date;
  const rawLimit = params.get("limit");
  const limit = rawLimit === null ? ({ ok: true, value: DEFAULT_MOVERS_LIMIT } as const) : parseLimit(rawLimit);
  if (!limit.ok) return limit;
  return { ok: true, value: { date: date.value, limit: limit.value } };
}

/** The /market page's filters; empty fields (a submitted form) mean "no filter". */
export function parseMarketPageQuery(params: URLSearchParams): Parsed<MarketPageQuery> {
  const names = checkParameterNames(params, MARKET_PAGE_PARAMETERS);
  if (names) return { ok: false, error: names };
  const date = parseSession(params, true);
  if (!date.ok) return date;
  const query: MarketPageQuery = { date: date.value, minPrice: 0, minDollarVolume: 0, includeOtc: true };
  const minPrice = params.get("min_price");
  if (minPrice) {
    const p = parseAmount("min_price", minPrice, MAX_PRICE);
    if (!p.ok) return p;
    query.minPrice = p.value;
  }
  const minDv = params.get("min_dollar_volume");
  if (minDv) {
    const p = parseAmount("min_dollar_volume", minDv, MAX_DOLLAR_VOLUME);
    if (!p.ok) return p;
    query.minDollarVolume = p.value;
  }
  const otc = params.get("otc");
  if (otc !== null && otc !== "") {
    if (otc !== "include" && otc !== "exclude") return { ok: false, error: `otc must be include or exclude; got ${quote(otc)}.` };
    query.includeOtc = otc === "include";
  }
  return { ok: true, value: query };
}
