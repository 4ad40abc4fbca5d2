/**
 * The records page's view state, read from and written to the URL: filters
 * (symbol, from, to, source), sort, page. The CSV export reads the same
 * parameters, so it exports exactly the filtered view.
 */
import { isValidIsoDate } from "@stock-market/pipeline/calendar/nyse";
import { isValidSymbol } from "@stock-market/pipeline/model/daily-price";

export const SORT_FIELDS = ["date", "symbol", "close", "volume", "updatedAt"] as const;
export type SortField = (typeof SORT_FIELDS)[number];
export const PAGE_SIZES = [25, 50, 100, 200] as const;
export const DEFAULT_PAGE_SIZE = 50;
/** Far past any real table; beyond it the database's skip would overflow (page=1e308). */
export const MAX_PAGE = 1_000_000;

export interface RecordsQuery {
  symbol?: string;
  from?: string;
  to?: string;
  source?: "pipeline" | "manual";
  sort: SortField;
  dir: "asc" | "desc";
  page: number;
  size: number;
}

/** Filters that do not parse are dropped and reported, never passed to the database. */
export function parseRecordsQuery(params: URLSearchParams): { query: RecordsQuery; problems: string[] } {
  const problems: string[] = [];
  const get = (k: string) => params.get(k)?.trim() || undefined;
  const query: RecordsQuery = { sort: "date", dir: "desc", page: 1, size: DEFAULT_PAGE_SIZE };
  const symbol = get("symbol");
  if (symbol && isValidSymbol(symbol)) query.symbol = symbol;
  else if (symbol) problems.push(`"${symbol.length > 40 ? `${symbol.slice(0, 40)}…` : symbol}" is not a valid symbol`);
  for (const k of ["from", "to"] as const) {
    const v = get(k);
    if (v && isValidIsoDate(v)) query[k] = v;
    else if (v) problems.push(`${k === "from" ? "From" : "To"} must be a date (YYYY-MM-DD)`);
  }
  const source = get("source");
  if (source === "pipeline" || source === "manual") query.source = source;
  const sort = get("sort");
  if (sort && (SORT_FIELDS as readonly string[]).includes(sort)) query.sort = sort as SortField;
  if (get("dir") === "asc") query.dir = "asc";
  const page = Number(get("page") ?? "1");
  if (Number.isInteger(page) && page >= 1 && page <= MAX_PAGE) query.page = page;
  const size = Number(get("size") ?? DEFAULT_PAGE_SIZE);
  if ((PAGE_SIZES as readonly number[]).includes(size)) query.size = size;
  return { query, problems };
}

/** The URL search string of a view (defaults left out), optionally changed. */
export function recordsSearch(q: RecordsQuery, change: Partial<RecordsQuery> = {}): string {
  const v = { ...q, ...change };
  const p = new URLSearchParams();
  if (v.symbol) p.set("symbol", v.symbol);
  if (v.from) p.set("from", v.from);
  if (v.to) p.set("to", v.to);
  if (v.source) p.set("source", v.source);
  if (v.sort !== "date") p.set("sort", v.sort);
  if (v.dir !== "desc") p.set("dir", v.dir);
  if (v.page !== 1) p.set("page", String(v.page));
  if (v.size !== DEFAULT_PAGE_SIZE) p.set("size", String(v.size));
  const s = p.toString();
  return s ? `?${s}` : "";
}
