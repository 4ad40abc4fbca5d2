import type { Db, Filter, FindCursor, Sort } from "mongodb";
import { toStoredDate, type DailyPrice, type RecordSource } from "../model/daily-price.js";
import { dailyPrices, LIVE } from "./daily-prices.server.js";
import { ensureIndexes } from "./indexes.server.js";
import { findPageByDate } from "./records-by-date.server.js";
import { countLiveRecords } from "./symbol-summaries.server.js";

/** The records page's reads of `daily_prices`: its filters, its total order, a page and its count, and the CSV export's cursor. */

/** Filters of the records page and of its CSV export. */
export interface DailyPriceQuery {
  symbol?: string;
  from?: string;
  to?: string;
  source?: RecordSource;
}

export type DailyPriceSortField = "date" | "symbol" | "close" | "volume" | "updatedAt";

export interface DailyPriceOrder {
  sort: DailyPriceSortField;
  dir: 1 | -1;
}

function dailyPriceFilter(q: DailyPriceQuery): Filter<DailyPrice> {
  const date: Record<string, Date> = {};
  if (q.from) date.$gte = toStoredDate(q.from);
  if (q.to) date.$lte = toStoredDate(q.to);
  return {
    ...(q.symbol ? { symbol: q.symbol } : {}),
    ...(q.from || q.to ? { date } : {}),
    ...(q.source ? { source: q.source } : {}),
    ...LIVE,
  };
}

/** A total order (the unique key breaks ties), so skip/limit pages never overlap. */
function dailyPriceSort(o: DailyPriceOrder): Sort {
  const d = o.dir;
  switch (o.sort) {
    case "symbol":
      return { symbol: d, date: d };
    case "date":
      return { date: d, symbol: d };
    default:
      return { [o.sort]: d, symbol: 1, date: 1 };
  }
}

/** Creates the extra index the records page sorts on; safe at every start-up. */
export async function ensureRecordsPageIndexes(db: Db): Promise<void> {
  await ensureIndexes(dailyPrices(db), [{ key: { date: 1, symbol: 1 }, options: { name: "date_symbol" } }]);
}

/**
 * One page of live records and the number of matches: from the summaries when
 * only a symbol (or nothing) filters, else countDocuments (not $facet).
 */
export async function findDailyPricesPage(db: Db, q: DailyPriceQuery, page: DailyPriceOrder & { skip: number; limit: number }): Promise<{ rows: DailyPrice[]; total: number }> {
  const filter = dailyPriceFilter(q);
  // Every symbol in date order (the page's default) is read date by date: records-by-date.server.ts.
  const byDate = page.sort === "date" && !q.symbol && !q.source;
  const [rows, total] = await Promise.all([
    byDate
      ? findPageByDate(db, { from: q.from, to: q.to }, page.dir, page.skip, page.limit)
      : dailyPrices(db).find(filter).sort(dailyPriceSort(page)).skip(page.skip).limit(page.limit).toArray(),
    q.from || q.to || q.source ? dailyPrices(db).countDocuments(filter) : countLiveRecords(db, q.symbol),
  ]);
  return { rows, total };
}

/** Every live record matching the filters, in page order: a cursor to stream (CSV export). */
export function findDailyPrices(db: Db, q: DailyPriceQuery, order: DailyPriceOrder): FindCursor<DailyPrice> {
  return dailyPrices(db).find(dailyPriceFilter(q)).sort(dailyPriceSort(order));
}
