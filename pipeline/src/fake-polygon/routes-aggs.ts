/**
 * Aggregates endpoints of the fake Polygon server: grouped daily, range,
 * previous close and daily open/close.
 */
import { marketDay, nyDateOf, previousTradingDay, tradingDaysBetween, addDays } from "../calendar/nyse.js";
import { isIsoDate } from "./ny-time.js";
import { MESSAGES, badTimeParam, decodeCursor, encodeCursor, errorResponse, notAuthorized, notFound, queryBool, type FakeResponse } from "./responses.js";
import type { ActionBook } from "./action-book.js";
import { servedBar, servedDay, servedExtendedHours, tradedBar, type BarView } from "./served-bars.js";
import { SYNTHETIC_DATA_START, hasSessionData, isOtcTicker, type Bar } from "./synthetic.js";

/** What a route handler needs to know about the server and the request. */
export interface RouteContext {
  seed: string;
  universe: readonly string[];
  universeSet: ReadonlySet<string>;
  /** Current New York date: data exists only for sessions strictly before it. */
  today: string;
  historyStart?: string;
  rangePageSize: number;
  /** Absolute base for next_url, without a trailing slash. */
  nextUrlBase: string;
  requestId: string;
  query: Record<string, string>;
  /** The server's corporate actions (synthetic and explicit): they set the bars' share basis. */
  actions: ActionBook;
}

const DEFAULT_RANGE_LIMIT = 5000;
const MAX_RANGE_LIMIT = 50_000;

/** The plan's limits for a single date: today => before-EOD 403, future/too old => timeframe 403. */
function dateGate(ctx: RouteContext, date: string): FakeResponse | undefined {
  if (date === ctx.today) return notAuthorized(ctx.requestId, MESSAGES.todayBeforeEod);
  if (date > ctx.today) return notAuthorized(ctx.requestId, MESSAGES.timeframe);
  if (ctx.historyStart !== undefined && date < ctx.historyStart) return notAuthorized(ctx.requestId, MESSAGES.timeframe);
  return undefined;
}

export function groupedDaily(ctx: RouteContext, date: string): FakeResponse {
  if (!isIsoDate(date)) return errorResponse(400, ctx.requestId, badTimeParam("date"));
  const gate = dateGate(ctx, date);
  if (gate) return gate;
  const adjusted = queryBool(ctx.query.adjusted, true);
  const includeOtc = queryBool(ctx.query.include_otc, false);
  if (!hasSessionData(date)) {
    // Weekends omit `results`; holidays (and pre-data dates) send `results: null`, as older responses did.
    const day = marketDay(date);
    const base = { queryCount: 0, resultsCount: 0, adjusted, status: "OK", request_id: ctx.requestId };
    return { status: 200, json: day.reason === "weekend" ? base : { ...base, results: null } };
  }
  const tickers = includeOtc ? ctx.universe : ctx.universe.filter((t) => !isOtcTicker(t));
  const results = servedDay(ctx.actions, tickers, date, "close", { adjusted, today: ctx.today });
  return {
    status: 200,
    json: {
      queryCount: results.length,
      resultsCount: results.length,
      adjusted,
      results,
      status: "OK",
      request_id: ctx.requestId,
      count: results.length,
    },
  };
}

interface TimeParam {
  raw: string;
  date: string;
  ms?: number;
}

function parseTime(raw: string): TimeParam | undefined {
  if (/^\d{1,15}$/.test(raw)) {
    const ms = Number(raw);
    try {
      return { raw, date: nyDateOf(ms), ms };
    } catch {
      return undefined;
    }
  }
  return isIsoDate(raw) ? { raw, date: raw } : undefined;
}

function emptyAggs(ctx: RouteContext, ticker: string, adjusted: boolean): FakeResponse {
  return {
    status: 200,
    json: { ticker, queryCount: 0, resultsCount: 0, adjusted, status: "OK", request_id: ctx.requestId },
  };
}

export function rangeAggs(ctx: RouteContext, p: { ticker: string; multiplier: string; timespan: string; from: string; to: string }): FakeResponse {
  const from = parseTime(p.from);
  if (!from) return errorResponse(400, ctx.requestId, badTimeParam("from"));
  const to = parseTime(p.to);
  if (!to) return errorResponse(400, ctx.requestId, badTimeParam("to"));
  if (p.multiplier !== "1" || p.timespan !== "day") {
    return errorResponse(400, ctx.requestId, "The fake Polygon server supports only multiplier 1 and timespan 'day'");
  }
  let params = ctx.query;
  if (ctx.query.cursor !== undefined) {
    const decoded = decodeCursor(ctx.query.cursor);
    if (!decoded) return errorResponse(400, ctx.requestId, "Invalid cursor");
    params = decoded;
  }
  const adjusted = queryBool(params.adjusted, true);
  const sort = params.sort === "desc" ? "desc" : "asc";
  const parsedLimit = Number.parseInt(params.limit ?? "", 10);
  const limit = Number.isFinite(parsedLimit) ? Math.min(Math.max(parsedLimit, 1), MAX_RANGE_LIMIT) : DEFAULT_RANGE_LIMIT;

  if (from.date > ctx.today) return notAuthorized(ctx.requestId, MESSAGES.timeframe);
  if (ctx.historyStart !== undefined && from.date < ctx.historyStart) return notAuthorized(ctx.requestId, MESSAGES.timeframe);
  const lastComplete = addDays(ctx.today, -1);
  const first = from.date < SYNTHETIC_DATA_START ? SYNTHETIC_DATA_START : from.date;
  const last = to.date < lastComplete ? to.date : lastComplete;
  if (!ctx.universeSet.has(p.ticker) || first > last) return emptyAggs(ctx, p.ticker, adjusted);

  const fromMs = from.ms ?? Number.NEGATIVE_INFINITY;
  const toMs = to.ms ?? Number.POSITIVE_INFINITY;
  const bars: Bar[] = [];
  const view: BarView = { adjusted, today: ctx.today };
  for (const date of tradingDaysBetween(first, last)) {
    const bar = servedBar(ctx.actions, p.ticker, date, "midnight", view);
    if (bar && bar.t >= fromMs && bar.t <= toMs) bars.push(bar);
  }
  if (sort === "desc") bars.reverse();
  if (bars.length === 0) return emptyAggs(ctx, p.ticker, adjusted);

  const pageSize = Math.min(limit, ctx.rangePageSize);
  const results = bars.slice(0, pageSize);
  const json: Record<string, unknown> = {
    ticker: p.ticker,
    queryCount: results.length,
    resultsCount: results.length,
    adjusted,
    results,
    status: "OK",
    request_id: ctx.requestId,
    count: results.length,
  };
  const next = bars[pageSize];
  if (next) {
    // The key never goes into next_url; the caller's filters travel in the opaque cursor.
    const cursor = encodeCursor({ adjusted: String(adjusted), limit: String(limit), sort });
    const [nFrom, nTo] = sort === "asc" ? [String(next.t), to.raw] : [from.raw, String(next.t)];
    json.next_url = `${ctx.nextUrlBase}/v2/aggs/ticker/${encodeURIComponent(p.ticker)}/range/1/day/${nFrom}/${nTo}?cursor=${cursor}`;
  }
  return { status: 200, json };
}

export function previousClose(ctx: RouteContext, ticker: string): FakeResponse {
  const adjusted = queryBool(ctx.query.adjusted, true);
  const session = previousTradingDay(ctx.today);
  const bar = ctx.universeSet.has(ticker) ? servedBar(ctx.actions, ticker, session, "close", { adjusted, today: ctx.today }) : undefined;
  if (!bar) return emptyAggs(ctx, ticker, adjusted);
  return {
    status: 200,
    json: { ticker, queryCount: 1, resultsCount: 1, adjusted, results: [bar], status: "OK", request_id: ctx.requestId, count: 1 },
  };
}

export function openClose(ctx: RouteContext, ticker: string, date: string): FakeResponse {
  if (!isIsoDate(date)) return errorResponse(400, ctx.requestId, badTimeParam("date"));
  const gate = dateGate(ctx, date);
  if (gate) return gate;
  const traded = ctx.universeSet.has(ticker) ? tradedBar(ctx.actions, ticker, date, "close") : undefined;
  if (!traded) return notFound(ctx.requestId, MESSAGES.dataNotFound);
  const view: BarView = { adjusted: queryBool(ctx.query.adjusted, true), today: ctx.today };
  const bar = servedBar(ctx.actions, ticker, date, "close", view) ?? traded;
  const ext = servedExtendedHours(ctx.actions, ticker, date, traded, view);
  return {
    status: 200,
    json: {
      status: "OK",
      from: date,
      symbol: ticker,
      open: bar.o,
      high: bar.h,
      low: bar.l,
      close: bar.c,
      volume: bar.v,
      afterHours: ext.afterHours,
      preMarket: ext.preMarket,
    },
  };
}
