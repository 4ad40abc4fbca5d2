/**
 * Every corporate action a fake server knows: the synthetic schedule merged
 * with the explicit actions of FakePolygonOptions.corporateActions, per
 * ticker, and (lazily, memoised) the whole universe's actions sorted by date
 * so a whole-market query for one session is a binary search, not a walk
 * over 11,000 schedules.
 */
import { addDays } from "../calendar/nyse.js";
import { isIsoDate } from "./ny-time.js";
import {
  actionId,
  dividendOf,
  pricedDividends,
  syntheticDividendPlan,
  syntheticSplits,
  type CorporateActionsOption,
  type SyntheticDividend,
  type SyntheticSplit,
  type TickerActions,
} from "./synthetic-actions.js";

interface Explicit {
  option: CorporateActionsOption;
  /** Tickers whose actions differ from the synthetic schedule. */
  touched: Set<string>;
  replace: Set<string>;
  merged: Map<string, TickerActions>;
}

const explicitCache = new WeakMap<CorporateActionsOption, Explicit>();

const bySplitDate = (a: SyntheticSplit, b: SyntheticSplit): number =>
  a.execution_date < b.execution_date ? -1 : a.execution_date > b.execution_date ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
const byExDate = (a: SyntheticDividend, b: SyntheticDividend): number =>
  a.ex_dividend_date < b.ex_dividend_date ? -1 : a.ex_dividend_date > b.ex_dividend_date ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/** Throws an Error naming the first explicit action that cannot be served. */
export function validateCorporateActions(option: CorporateActionsOption): void {
  const positive = (n: unknown): boolean => typeof n === "number" && Number.isFinite(n) && n > 0;
  for (const [i, s] of (option.splits ?? []).entries()) {
    const where = `corporateActions.splits[${i}]`;
    if (typeof s.ticker !== "string" || s.ticker === "") throw new Error(`${where}.ticker must be a ticker`);
    if (!isIsoDate(s.execution_date)) throw new Error(`${where}.execution_date must be YYYY-MM-DD`);
    if (s.announced !== undefined && !isIsoDate(s.announced)) throw new Error(`${where}.announced must be YYYY-MM-DD`);
    if (!positive(s.split_from) || !positive(s.split_to) || s.split_from === s.split_to) {
      throw new Error(`${where}: split_from and split_to must be different positive numbers`);
    }
  }
  for (const [i, d] of (option.dividends ?? []).entries()) {
    const where = `corporateActions.dividends[${i}]`;
    if (typeof d.ticker !== "string" || d.ticker === "") throw new Error(`${where}.ticker must be a ticker`);
    if (!isIsoDate(d.ex_dividend_date)) throw new Error(`${where}.ex_dividend_date must be YYYY-MM-DD`);
    if (d.declaration_date !== undefined && !isIsoDate(d.declaration_date)) throw new Error(`${where}.declaration_date must be YYYY-MM-DD`);
    if (!positive(d.cash_amount)) throw new Error(`${where}.cash_amount must be a positive number`);
  }
}

function explicitOf(option: CorporateActionsOption): Explicit {
  let e = explicitCache.get(option);
  if (!e) {
    validateCorporateActions(option);
    const replace = new Set(option.replaceSyntheticFor ?? []);
    const touched = new Set([...replace, ...(option.splits ?? []).map((s) => s.ticker), ...(option.dividends ?? []).map((d) => d.ticker)]);
    e = { option, touched, replace, merged: new Map() };
    explicitCache.set(option, e);
  }
  return e;
}

function merged(e: Explicit, seed: string, ticker: string): TickerActions {
  const key = `${seed}\u0000${ticker}`;
  const cached = e.merged.get(key);
  if (cached) return cached;
  const keep = !e.replace.has(ticker);
  // "#x<i>" keeps an explicit action's id apart from a synthetic one on the same date.
  const splits = (e.option.splits ?? []).flatMap((s, i): SyntheticSplit[] =>
    s.ticker !== ticker
      ? []
      : [
          {
            id: actionId(seed, "split", ticker, `${s.execution_date}#x${i}`),
            ticker,
            execution_date: s.execution_date,
            split_from: s.split_from,
            split_to: s.split_to,
            adjustment_type: s.split_to > s.split_from ? "forward_split" : "reverse_split",
            announced: s.announced ?? addDays(s.execution_date, -21),
          },
        ],
  );
  if (keep) splits.push(...syntheticSplits(seed, ticker));
  splits.sort(bySplitDate);
  const dividends = (e.option.dividends ?? []).flatMap((d, i): SyntheticDividend[] => {
    if (d.ticker !== ticker) return [];
    const row = dividendOf(seed, ticker, d.ex_dividend_date, d.cash_amount, d);
    return [{ ...row, id: actionId(seed, "dividend", ticker, `${d.ex_dividend_date}#x${i}`) }];
  });
  if (keep) dividends.push(...pricedDividends(seed, ticker, splits));
  dividends.sort(byExDate);
  const actions: TickerActions = { splits: Object.freeze(splits), dividends: Object.freeze(dividends) };
  e.merged.set(key, actions);
  return actions;
}

const dividendCache = new Map<string, readonly SyntheticDividend[]>();
const NO_DIVIDENDS: readonly SyntheticDividend[] = Object.freeze([]);

function plainDividends(seed: string, ticker: string): readonly SyntheticDividend[] {
  const key = `${seed}\u0000${ticker}`;
  let dividends = dividendCache.get(key);
  if (!dividends) {
    const priced = pricedDividends(seed, ticker, syntheticSplits(seed, ticker));
    dividends = priced.length === 0 ? NO_DIVIDENDS : Object.freeze(priced);
    if (dividendCache.size > 50_000) dividendCache.clear();
    dividendCache.set(key, dividends);
  }
  return dividends;
}

/** The splits of `ticker` (explicit ones included), ascending; cheap, as every bar served needs them. */
export function splitsFor(seed: string, ticker: string, options?: CorporateActionsOption): readonly SyntheticSplit[] {
  const e = options && explicitOf(options);
  return e?.touched.has(ticker) ? merged(e, seed, ticker).splits : syntheticSplits(seed, ticker);
}

/** The cash dividends of `ticker` (explicit ones included), ascending by ex-date. */
export function dividendsFor(seed: string, ticker: string, options?: CorporateActionsOption): readonly SyntheticDividend[] {
  const e = options && explicitOf(options);
  return e?.touched.has(ticker) ? merged(e, seed, ticker).dividends : plainDividends(seed, ticker);
}

/**
 * A ticker's splits and cash dividends as the fake server with these options
 * serves them (the explicit `options.corporateActions` included): what a test
 * needs to compute expected bars and factors on its own.
 */
export function syntheticActions(seed: string, ticker: string, options?: { corporateActions?: CorporateActionsOption }): TickerActions {
  const o = options?.corporateActions;
  return { splits: splitsFor(seed, ticker, o), dividends: dividendsFor(seed, ticker, o) };
}

/** First index in `rows` (sorted by `key`) whose key is >= `value`. */
function lowerBound<T>(rows: readonly T[], key: (row: T) => string, value: string): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(rows[mid]!) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Past the last index in `rows` (sorted by `key`) whose key is <= `value`. */
function upperBound<T>(rows: readonly T[], key: (row: T) => string, value: string): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(rows[mid]!) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const exOf = (d: SyntheticDividend): string => d.ex_dividend_date;
const executionOf = (s: SyntheticSplit): string => s.execution_date;
const identity = (s: string): string => s;

/** One server's actions: per ticker, and over its whole universe by date. */
export class ActionBook {
  private splitIndex: readonly SyntheticSplit[] | undefined;
  // Ex-date -> payers: the rows themselves are built per ticker only when a
  // query reaches them (a universe's ~230,000 rows take seconds to build).
  private exDates: string[] | undefined;
  private payersByDate: Map<string, string[]> | undefined;

  constructor(
    readonly seed: string,
    readonly universe: readonly string[],
    readonly options?: CorporateActionsOption,
  ) {
    if (options) explicitOf(options);
  }

  splitsOf(ticker: string): readonly SyntheticSplit[] {
    return splitsFor(this.seed, ticker, this.options);
  }

  dividendsOf(ticker: string): readonly SyntheticDividend[] {
    return dividendsFor(this.seed, ticker, this.options);
  }

  /** The universe's splits with execution_date in [from, to] (open ends when absent), by date then id. */
  splitsBetween(from?: string, to?: string): readonly SyntheticSplit[] {
    this.splitIndex ??= Object.freeze(this.universe.flatMap((t) => this.splitsOf(t)).sort(bySplitDate));
    const all = this.splitIndex;
    const lo = from === undefined ? 0 : lowerBound(all, executionOf, from);
    const hi = to === undefined ? all.length : upperBound(all, executionOf, to);
    return all.slice(lo, Math.max(lo, hi));
  }

  /** The universe's dividends with ex_dividend_date in [from, to] (open ends when absent), by date then id. */
  dividendsBetween(from?: string, to?: string): SyntheticDividend[] {
    const { dates, payers } = this.dividendIndex();
    const lo = from === undefined ? 0 : lowerBound(dates, identity, from);
    const hi = to === undefined ? dates.length : upperBound(dates, identity, to);
    const out: SyntheticDividend[] = [];
    for (let i = lo; i < hi; i++) {
      const date = dates[i]!;
      const onDate: SyntheticDividend[] = [];
      for (const ticker of payers.get(date) ?? []) {
        const rows = this.dividendsOf(ticker);
        for (let j = lowerBound(rows, exOf, date); j < rows.length && rows[j]!.ex_dividend_date === date; j++) onDate.push(rows[j]!);
      }
      out.push(...onDate.sort(byExDate));
    }
    return out;
  }

  private dividendIndex(): { dates: string[]; payers: Map<string, string[]> } {
    if (!this.exDates || !this.payersByDate) {
      const e = this.options && explicitOf(this.options);
      const payers = new Map<string, string[]>();
      for (const ticker of this.universe) {
        const exDates = e?.touched.has(ticker) ? merged(e, this.seed, ticker).dividends.map(exOf) : syntheticDividendPlan(this.seed, ticker).map((p) => p.ex);
        for (const ex of exDates) {
          const list = payers.get(ex);
          if (!list) payers.set(ex, [ticker]);
          else if (list[list.length - 1] !== ticker) list.push(ticker);
        }
      }
      this.payersByDate = payers;
      this.exDates = [...payers.keys()].sort();
    }
    return { dates: this.exDates, payers: this.payersByDate };
  }
}

const books = new Map<string, ActionBook>();

/**
 * The book of a server. Without explicit actions, servers with the same seed
 * and universe share one, so the universe-wide indexes are built once per
 * process, not once per test server.
 */
export function actionBookFor(seed: string, universe: readonly string[], options?: CorporateActionsOption): ActionBook {
  if (options) return new ActionBook(seed, universe, options);
  const key = `${seed}\u0000${universe.length}\u0000${universe[universe.length - 1] ?? ""}`;
  let book = books.get(key);
  if (!book) {
    if (books.size >= 16) books.clear();
    book = new ActionBook(seed, universe);
    books.set(key, book);
  }
  return book;
}
