/**
 * Reference endpoints of the fake Polygon server: upcoming market holidays,
 * the ticker list and ticker details.
 */
import { addDays, marketDay } from "../calendar/nyse.js";
import { nyWallTimeToEpochMs } from "./ny-time.js";
import { MESSAGES, decodeCursor, encodeCursor, errorResponse, notFound, type FakeResponse } from "./responses.js";
import type { RouteContext } from "./routes-aggs.js";
import { isOtcTicker, syntheticTickerName } from "./synthetic.js";

export interface UpcomingEntry {
  date: string;
  exchange: "NYSE" | "NASDAQ";
  name: string;
  status: "closed" | "early-close";
  open?: string;
  close?: string;
}

function earlyCloseName(date: string): string {
  const month = date.slice(5, 7);
  if (month === "07") return "Independence Day";
  if (month === "11") return "Thanksgiving";
  if (month === "12") return "Christmas";
  return "Early Close";
}

/** Holidays and early closes from `today` through the next 365 days, NYSE and NASDAQ entries each. */
export function upcomingMarketStatus(today: string): UpcomingEntry[] {
  const entries: UpcomingEntry[] = [];
  for (let i = 0; i <= 365; i++) {
    const date = addDays(today, i);
    const day = marketDay(date);
    for (const exchange of ["NYSE", "NASDAQ"] as const) {
      if (!day.open && day.reason === "holiday") {
        entries.push({ date, exchange, name: day.holiday ?? "Market Holiday", status: "closed" });
      } else if (day.open && day.earlyClose) {
        const [hh, mm] = (day.closeTimeEt ?? "13:00").split(":").map(Number);
        entries.push({
          date,
          exchange,
          name: day.holiday ?? earlyCloseName(date),
          status: "early-close",
          open: new Date(nyWallTimeToEpochMs(date, 9, 30)).toISOString(),
          close: new Date(nyWallTimeToEpochMs(date, hh ?? 13, mm ?? 0)).toISOString(),
        });
      }
    }
  }
  return entries;
}

let sortedCache: { universe: readonly string[]; sorted: string[] } | undefined;

function sortedUniverse(universe: readonly string[]): string[] {
  if (sortedCache?.universe !== universe) sortedCache = { universe, sorted: [...universe].sort() };
  return sortedCache.sorted;
}

function tickerRecord(ticker: string) {
  return {
    ticker,
    name: syntheticTickerName(ticker),
    market: isOtcTicker(ticker) ? "otc" : "stocks",
    locale: "us",
    type: "CS",
    active: true,
    currency_name: "usd",
  };
}

/** `GET /v3/reference/tickers`: `ticker`, `market`, `active`, `limit` (default 100, max 1000), cursor pagination. */
export function listTickers(ctx: RouteContext): FakeResponse {
  let params = ctx.query;
  let offset = 0;
  if (ctx.query.cursor !== undefined) {
    const decoded = decodeCursor(ctx.query.cursor);
    const parsedOffset = Number(decoded?.offset);
    if (!decoded || !Number.isInteger(parsedOffset) || parsedOffset < 0) return errorResponse(400, ctx.requestId, "Invalid cursor");
    params = decoded;
    offset = parsedOffset;
  }
  const parsedLimit = Number.parseInt(params.limit ?? "", 10);
  const limit = Number.isFinite(parsedLimit) ? Math.min(Math.max(parsedLimit, 1), 1000) : 100;
  let all = sortedUniverse(ctx.universe);
  if (params.ticker !== undefined) all = all.filter((t) => t === params.ticker);
  if (params.market !== undefined) all = all.filter((t) => tickerRecord(t).market === params.market);
  if (params.active === "false") all = [];
  const page = all.slice(offset, offset + limit);
  const json: Record<string, unknown> = {
    results: page.map(tickerRecord),
    status: "OK",
    request_id: ctx.requestId,
    count: page.length,
  };
  if (offset + limit < all.length) {
    const carried: Record<string, string> = { offset: String(offset + limit), limit: String(limit) };
    for (const k of ["ticker", "market", "active"] as const) {
      const v = params[k];
      if (v !== undefined) carried[k] = v;
    }
    json.next_url = `${ctx.nextUrlBase}/v3/reference/tickers?cursor=${encodeCursor(carried)}`;
  }
  return { status: 200, json };
}

/** `GET /v3/reference/tickers/{ticker}`: 404 "Ticker not found." for tickers outside the universe. */
export function tickerDetails(ctx: RouteContext, ticker: string): FakeResponse {
  if (!ctx.universeSet.has(ticker)) return notFound(ctx.requestId, MESSAGES.tickerNotFound);
  return { status: 200, json: { request_id: ctx.requestId, results: tickerRecord(ticker), status: "OK" } };
}
