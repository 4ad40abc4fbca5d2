/**
 * Corporate-action endpoints of the fake Polygon server:
 * `GET /stocks/v1/splits` and `GET /stocks/v1/dividends`. Only actions
 * already announced (splits) or declared (dividends) at the fake's clock are
 * listed, an announced split whose execution date is still ahead included;
 * `historical_adjustment_factor` and `split_adjusted_cash_amount` are
 * computed for that clock, as the real values change after each new action.
 */
import { previousTradingDay } from "../calendar/nyse.js";
import type { ActionBook } from "./action-book.js";
import { comparator, matchesAll, namedTickers, parseActionQuery, rangeOf, type ActionQuery, type QuerySpec } from "./action-query.js";
import { encodeCursor, errorResponse, type FakeResponse } from "./responses.js";
import type { RouteContext } from "./routes-aggs.js";
import { tradedBar } from "./served-bars.js";
import type { SyntheticDividend, SyntheticSplit } from "./synthetic-actions.js";

const TICKER = { kind: "string" } as const;
const DATE = { kind: "date" } as const;

const SPLITS: QuerySpec = {
  filters: {
    ticker: TICKER,
    execution_date: DATE,
    adjustment_type: { kind: "enum", values: ["forward_split", "reverse_split", "stock_dividend"] },
  },
  sortable: ["execution_date", "ticker", "adjustment_type", "split_from", "split_to", "id"],
  defaultSort: "execution_date.desc",
};

const DIVIDENDS: QuerySpec = {
  filters: {
    ticker: TICKER,
    ex_dividend_date: DATE,
    frequency: { kind: "int" },
    distribution_type: { kind: "enum", values: ["recurring", "special", "supplemental", "irregular", "unknown"] },
  },
  sortable: ["ticker", "ex_dividend_date", "declaration_date", "record_date", "pay_date", "cash_amount", "frequency", "distribution_type", "id"],
  defaultSort: "ticker.asc",
};

/** The actions a query can reach, found by ticker or through the date index rather than by a walk over the universe. */
function candidates<T>(
  ctx: RouteContext,
  q: ActionQuery,
  dateField: string,
  perTicker: (ticker: string) => readonly T[],
  between: (from?: string, to?: string) => readonly T[],
): readonly T[] {
  const named = namedTickers(q.conditions);
  if (named) return named.filter((t) => ctx.universeSet.has(t)).flatMap(perTicker);
  const { from, to } = rangeOf(q.conditions, dateField);
  if (from === undefined && to === undefined && q.conditions.some((c) => c.field === "ticker")) {
    return ctx.universe
      .filter((t) =>
        matchesAll(
          { ticker: t },
          q.conditions.filter((c) => c.field === "ticker"),
        ),
      )
      .flatMap(perTicker);
  }
  return between(from, to);
}

// The last few sorted result lists per server, so following next_url through a
// whole-universe listing costs one page each, not a rebuild of every row.
const sortedCache = new WeakMap<ActionBook, Map<string, readonly unknown[]>>();

function sortedRows<T extends { id: string }>(ctx: RouteContext, path: string, q: ActionQuery, rows: () => readonly T[]): readonly T[] {
  let cache = sortedCache.get(ctx.actions);
  if (!cache) sortedCache.set(ctx.actions, (cache = new Map()));
  const key = JSON.stringify([path, ctx.today, ctx.universe.length, Object.entries(q.params).sort()]);
  const hit = cache.get(key) as readonly T[] | undefined;
  if (hit) return hit;
  const sorted = [...rows()].sort(comparator(q.sort));
  if (cache.size >= 4) cache.delete(cache.keys().next().value!);
  cache.set(key, sorted);
  return sorted;
}

function page<T extends { id: string }>(ctx: RouteContext, path: string, q: ActionQuery, rows: () => readonly T[], toJson: (row: T) => Record<string, unknown>): FakeResponse {
  const sorted = sortedRows(ctx, path, q, rows);
  const results = sorted.slice(q.offset, q.offset + q.limit).map(toJson);
  const json: Record<string, unknown> = { results, status: "OK", request_id: ctx.requestId };
  if (q.offset + q.limit < sorted.length) {
    // The key never goes into next_url; the caller's filters travel in the opaque cursor.
    json.next_url = `${ctx.nextUrlBase}${path}?cursor=${encodeCursor({ ...q.params, offset: String(q.offset + q.limit) })}`;
  }
  return { status: 200, json };
}

/** Product of split_from/split_to over `split` and the later splits that count for a price before it. */
function splitHistoricalFactor(split: SyntheticSplit, all: readonly SyntheticSplit[], today: string): number {
  const executed = split.execution_date <= today;
  let f = 1;
  for (const s of all) {
    if (s.execution_date < split.execution_date) continue;
    if (executed ? s.execution_date <= today : s.announced <= today) f *= s.split_from / s.split_to;
  }
  return f;
}

export function listSplits(ctx: RouteContext): FakeResponse {
  const q = parseActionQuery(ctx.query, SPLITS);
  if ("error" in q) return errorResponse(400, ctx.requestId, q.error);
  const book = ctx.actions;
  const rows = (): SyntheticSplit[] =>
    candidates(
      ctx,
      q,
      "execution_date",
      (t) => book.splitsOf(t),
      (from, to) => book.splitsBetween(from, to),
    ).filter((s) => s.announced <= ctx.today && matchesAll(s, q.conditions));
  return page(ctx, "/stocks/v1/splits", q, rows, (s) => ({
    id: s.id,
    ticker: s.ticker,
    execution_date: s.execution_date,
    split_from: s.split_from,
    split_to: s.split_to,
    adjustment_type: s.adjustment_type,
    historical_adjustment_factor: splitHistoricalFactor(s, book.splitsOf(s.ticker), ctx.today),
  }));
}

const ownFactors = new WeakMap<ActionBook, Map<string, number>>();

/** 1 - cash / as-traded close of the session before the ex-date (1 when that session has no bar). */
function ownDividendFactor(book: ActionBook, d: SyntheticDividend): number {
  let cache = ownFactors.get(book);
  if (!cache) ownFactors.set(book, (cache = new Map()));
  let f = cache.get(d.id);
  if (f === undefined) {
    const close = tradedBar(book, d.ticker, previousTradingDay(d.ex_dividend_date))?.c;
    f = close === undefined ? 1 : 1 - d.cash_amount / close;
    if (cache.size > 500_000) cache.clear();
    cache.set(d.id, f);
  }
  return f;
}

function dividendHistoricalFactor(book: ActionBook, d: SyntheticDividend, today: string): number {
  const gone = d.ex_dividend_date <= today;
  let f = 1;
  for (const e of book.dividendsOf(d.ticker)) {
    if (e.ex_dividend_date < d.ex_dividend_date) continue;
    if (e === d || (gone ? e.ex_dividend_date <= today : e.declaration_date <= today)) f *= ownDividendFactor(book, e);
  }
  return f;
}

function splitAdjustedCash(book: ActionBook, d: SyntheticDividend, today: string): number {
  let ratio = 1;
  for (const s of book.splitsOf(d.ticker)) {
    if (s.execution_date > d.ex_dividend_date && s.execution_date <= today) ratio *= s.split_to / s.split_from;
  }
  return d.cash_amount / ratio;
}

export function listDividends(ctx: RouteContext): FakeResponse {
  const q = parseActionQuery(ctx.query, DIVIDENDS);
  if ("error" in q) return errorResponse(400, ctx.requestId, q.error);
  const book = ctx.actions;
  const rows = (): SyntheticDividend[] =>
    candidates(
      ctx,
      q,
      "ex_dividend_date",
      (t) => book.dividendsOf(t),
      (from, to) => book.dividendsBetween(from, to),
    ).filter((d) => d.declaration_date <= ctx.today && matchesAll(d, q.conditions));
  return page(ctx, "/stocks/v1/dividends", q, rows, (d) => ({
    id: d.id,
    ticker: d.ticker,
    cash_amount: d.cash_amount,
    currency: d.currency,
    declaration_date: d.declaration_date,
    ex_dividend_date: d.ex_dividend_date,
    record_date: d.record_date,
    pay_date: d.pay_date,
    frequency: d.frequency,
    distribution_type: d.distribution_type,
    split_adjusted_cash_amount: splitAdjustedCash(book, d, ctx.today),
    historical_adjustment_factor: dividendHistoricalFactor(book, d, ctx.today),
  }));
}
