/**
 * What the read API serves: a symbol's bars on a basis, cut to a window, and
 * its corporate actions with whether each is in effect. Shapes are the
 * contract of docs/api.md and /api/v1/openapi.json (snake_case like Polygon's).
 */
import { listCorporateActions } from "@stock-market/pipeline/db/corporate-actions.server";
import type { Adjustment, AdjustmentPlan } from "@stock-market/pipeline/model/adjust";
import type { OhlcvBar } from "@stock-market/pipeline/model/adjust";
import type { CorporateAction, DividendAction, SplitAction } from "@stock-market/pipeline/model/corporate-action";
import type { Db } from "mongodb";
import { csvLine } from "~/lib/csv";
import type { BarsQuery } from "~/lib/api-params";
import { loadAdjustedHistory } from "~/models/adjusted-history.server";

/** The contract's bar: exactly these fields, in this order (no vwap: it is not part of the API). */
export type ApiBar = Required<Omit<OhlcvBar, "vwap">>;

export interface BarsPayload {
  symbol: string;
  adjustment: Adjustment;
  bars: ApiBar[];
}

export const BAR_COLUMNS = ["date", "open", "high", "low", "close", "volume"] as const satisfies readonly (keyof ApiBar)[];

/**
 * The bars of `symbol` on `q.adjustment` from q.from to q.to (inclusive).
 * The whole history is adjusted first and then cut, so a window never changes
 * a value. Null for a symbol with neither a live bar nor an action (404);
 * a symbol known only by its actions has no bars (200, empty list).
 */
export async function loadApiBars(db: Db, symbol: string, q: Pick<BarsQuery, "from" | "to" | "adjustment">): Promise<BarsPayload | null> {
  const history = await loadAdjustedHistory(db, symbol, q.adjustment);
  if (!history) return (await listCorporateActions(db, symbol)).length > 0 ? { symbol, adjustment: q.adjustment, bars: [] } : null;
  const bars: ApiBar[] = [];
  for (const b of history.bars) {
    if ((q.from && b.date < q.from) || (q.to && b.date > q.to)) continue;
    bars.push({ date: b.date, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume });
  }
  return { symbol, adjustment: q.adjustment, bars };
}

/** The same rows as CSV (RFC 4180, header date,open,high,low,close,volume); numbers at full precision. */
export function barsCsv(payload: BarsPayload): string {
  let out = csvLine(BAR_COLUMNS);
  for (const b of payload.bars) out += csvLine(BAR_COLUMNS.map((c) => b[c]));
  return out;
}

/** `NVDA_split_2024-01-02_2024-06-28.csv`: what the download is saved as. */
export function barsFilename(payload: BarsPayload, q: Pick<BarsQuery, "from" | "to">): string {
  return `${[payload.symbol, payload.adjustment, q.from, q.to].filter(Boolean).join("_")}.csv`;
}

/**
 * Whether an action is in effect for the views as of the latest loaded session:
 * - `applied`: it changes the bars before its date (split in `split` and `all`, dividend in `all`);
 * - `announced`: its date is after the latest loaded session: listed, never applied early;
 * - `skipped`: it cannot be applied (`reason` says why: a duplicate, no close before the ex-date, …);
 * - `outside_history`: on or before the first loaded bar, or the symbol has no bars: it changes no bar.
 */
export type ActionStatus = "applied" | "announced" | "skipped" | "outside_history";

interface ActionState {
  applied: boolean;
  status: ActionStatus;
  reason: string | null;
  /** What the action multiplies the prices before its date by (1/ratio for a split); null unless applied. */
  price_factor: number | null;
}

export interface ApiSplit extends ActionState {
  id: string;
  execution_date: string;
  /** Null only for a stored split without a usable ratio (then `skipped`). */
  split_from: number | null;
  split_to: number | null;
  adjustment_type: SplitAction["adjustmentType"];
}

export interface ApiDividend extends ActionState {
  id: string;
  ex_dividend_date: string;
  cash_amount: number | null;
  currency: string | null;
  declaration_date: string | null;
  record_date: string | null;
  pay_date: string | null;
  frequency: number | null;
  distribution_type: string | null;
  /** The as-traded close of the session before the ex-date, when applied. */
  previous_close: number | null;
}

export interface ActionsPayload {
  symbol: string;
  /** The latest loaded session: actions after it are `announced`. Null when the symbol has no bars. */
  as_of: string | null;
  splits: ApiSplit[];
  dividends: ApiDividend[];
}

/** A symbol's splits and dividends, oldest first, each with its state; null when the symbol is unknown (no bar, no action). */
export async function loadApiActions(db: Db, symbol: string): Promise<ActionsPayload | null> {
  // The `all` view's plan covers both kinds: splits are applied there exactly as in `split`.
  const history = await loadAdjustedHistory(db, symbol, "all");
  const actions = history ? history.actions : await listCorporateActions(db, symbol);
  if (!history && actions.length === 0) return null;
  const state = stateOf(history?.plan);
  return {
    symbol,
    as_of: history ? history.bars[history.bars.length - 1]!.date : null,
    splits: actions.filter((a): a is SplitAction => a.kind === "split").map((s) => toApiSplit(s, state(s))),
    dividends: actions.filter((a): a is DividendAction => a.kind === "dividend").map((d) => toApiDividend(d, state(d))),
  };
}

function stateOf(plan: AdjustmentPlan | undefined): (a: CorporateAction) => ActionState & { previousClose?: number } {
  const key = (a: CorporateAction) => `${a.kind}\u0000${a.id}`;
  const applied = new Map(plan?.applied.map((x) => [key(x.action), x]));
  const pending = new Set(plan?.pending.map(key));
  const skipped = new Map(plan?.skipped.map((x) => [key(x.action), x.reason]));
  return (a) => {
    const k = key(a);
    const hit = applied.get(k);
    if (hit) return { applied: true, status: "applied", reason: null, price_factor: hit.priceFactor, previousClose: hit.previousClose };
    if (pending.has(k)) return { applied: false, status: "announced", reason: null, price_factor: null };
    const why = skipped.get(k);
    if (why !== undefined) return { applied: false, status: "skipped", reason: why, price_factor: null };
    return { applied: false, status: "outside_history", reason: null, price_factor: null };
  };
}

function toApiSplit(s: SplitAction, st: ActionState): ApiSplit {
  return {
    id: s.id,
    execution_date: s.date,
    split_from: finite(s.splitFrom),
    split_to: finite(s.splitTo),
    adjustment_type: s.adjustmentType,
    applied: st.applied,
    status: st.status,
    reason: st.reason,
    price_factor: st.price_factor,
  };
}

function toApiDividend(d: DividendAction, st: ActionState & { previousClose?: number }): ApiDividend {
  return {
    id: d.id,
    ex_dividend_date: d.date,
    cash_amount: finite(d.cashAmount),
    currency: d.currency ?? null,
    declaration_date: d.declarationDate ?? null,
    record_date: d.recordDate ?? null,
    pay_date: d.payDate ?? null,
    frequency: d.frequency ?? null,
    distribution_type: d.distributionType ?? null,
    applied: st.applied,
    status: st.status,
    reason: st.reason,
    price_factor: st.price_factor,
    previous_close: st.previousClose ?? null,
  };
}

const finite = (n: number): number | null => (Number.isFinite(n) ? n : null);
