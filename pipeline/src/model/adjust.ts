/**
 * Adjusted views, computed on read from as-traded bars and corporate actions
 * (docs/decisions/060-as-traded-bars-and-adjusted-views.md). The one module
 * the web app, the read API and the screener use. Pure: no I/O.
 *
 * - `raw`: as traded.
 * - `split`: prices divided, volume multiplied, by the product of
 *   split_to/split_from of the splits executed after the bar's date and on or
 *   before `asOf` (the latest loaded session).
 * - `all`: `split`, and every cash dividend with ex-date after the bar's date
 *   (and on or before `asOf`) multiplies the bar's prices by
 *   1 - cash / close of the session before the ex-date, both as traded
 *   (the CRSP/Yahoo total-return convention). Volume as in `split`.
 */
import { previousTradingDay } from "../calendar/nyse.js";
import { splitRatio, type CorporateAction, type DividendAction, type SplitAction } from "./corporate-action.js";

export const ADJUSTMENTS = ["raw", "split", "all"] as const;
export type Adjustment = (typeof ADJUSTMENTS)[number];

export function isAdjustment(value: unknown): value is Adjustment {
  return typeof value === "string" && (ADJUSTMENTS as readonly string[]).includes(value);
}

/** The fields an adjustment changes; anything else on a bar is copied as is. */
export interface OhlcvBar {
  /** YYYY-MM-DD */
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  vwap?: number;
}

/** An action that changes at least one bar: `priceFactor` multiplies the prices of every bar before its date. */
export interface AppliedAction {
  action: CorporateAction;
  priceFactor: number;
  /** Dividends: the as-traded close of the session before the ex-date. */
  previousClose?: number;
}

/** An action left out, with the sentence that says why. */
export interface SkippedAction {
  action: CorporateAction;
  reason: string;
}

export interface AdjustmentPlan {
  adjustment: Adjustment;
  /** Per bar, in the bars' order: what its prices and its volume are multiplied by. */
  priceFactor: number[];
  volumeFactor: number[];
  /** Actions in effect for this view, oldest first. */
  applied: AppliedAction[];
  /** Known, but executing after `asOf` (announced splits, declared dividends): never applied early. */
  pending: CorporateAction[];
  /** Actions that cannot be applied (a duplicate, no close before the ex-date, an impossible amount). */
  skipped: SkippedAction[];
}

export interface AdjustOptions {
  /** The latest loaded session of the symbol; defaults to the last bar's date. */
  asOf?: string;
}

/**
 * Works out the factors of every bar in one pass from the newest bar back
 * (cost linear in bars + actions, after sorting the actions). `bars` must be
 * one symbol's, in ascending date order, one per date.
 */
export function planAdjustment(
  bars: readonly Pick<OhlcvBar, "date" | "close">[],
  actions: readonly CorporateAction[],
  adjustment: Adjustment,
  opts: AdjustOptions = {},
): AdjustmentPlan {
  for (let i = 1; i < bars.length; i++) {
    if (!(bars[i - 1]!.date < bars[i]!.date)) throw new RangeError(`bars must be in ascending date order, one per date: ${bars[i - 1]!.date} then ${bars[i]!.date}`);
  }
  const n = bars.length;
  const plan: AdjustmentPlan = { adjustment, priceFactor: new Array<number>(n).fill(1), volumeFactor: new Array<number>(n).fill(1), applied: [], pending: [], skipped: [] };
  if (adjustment === "raw" || n === 0) return plan;
  const asOf = opts.asOf ?? bars[n - 1]!.date;
  const first = bars[0]!.date;
  const closeOn = new Map(bars.map((b) => [b.date, b.close]));

  const events: { date: string; price: number; volume: number; applied: AppliedAction }[] = [];
  const seen = new Map<string, CorporateAction>();
  const sorted = [...actions].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const action of sorted) {
    if (action.kind === "dividend" && adjustment !== "all") continue;
    // At or before the first bar, an action changes no bar of this history.
    if (action.date <= first) continue;
    if (action.date > asOf) {
      plan.pending.push(action);
      continue;
    }
    // The API is known to list one action twice under two ids; applying both would double it.
    const twin = seen.get(identity(action));
    if (twin) {
      plan.skipped.push({ action, reason: `same ${action.kind} as ${twin.id} on ${action.date}: counted once` });
      continue;
    }
    seen.set(identity(action), action);
    const event = action.kind === "split" ? splitEvent(action) : dividendEvent(action, closeOn);
    if ("reason" in event) plan.skipped.push({ action, reason: event.reason });
    else events.push({ date: action.date, ...event });
  }

  let price = 1;
  let volume = 1;
  let e = events.length - 1;
  for (let i = n - 1; i >= 0; i--) {
    const date = bars[i]!.date;
    for (; e >= 0 && events[e]!.date > date; e--) {
      price *= events[e]!.price;
      volume *= events[e]!.volume;
    }
    plan.priceFactor[i] = price;
    plan.volumeFactor[i] = volume;
  }
  plan.applied = events.map((ev) => ev.applied);
  return plan;
}

function identity(a: CorporateAction): string {
  return a.kind === "split" ? `split ${a.date} ${a.splitFrom}:${a.splitTo}` : `dividend ${a.date} ${a.cashAmount} ${a.currency ?? "USD"}`;
}

function splitEvent(s: SplitAction): { price: number; volume: number; applied: AppliedAction } | { reason: string } {
  const ratio = splitRatio(s);
  if (!(Number.isFinite(ratio) && ratio > 0)) return { reason: `split ratio ${s.splitTo}/${s.splitFrom} is not a positive number` };
  return { price: 1 / ratio, volume: ratio, applied: { action: s, priceFactor: 1 / ratio } };
}

function dividendEvent(d: DividendAction, closeOn: ReadonlyMap<string, number>): { price: number; volume: number; applied: AppliedAction } | { reason: string } {
  if (d.currency !== undefined && d.currency !== "USD") return { reason: `paid in ${d.currency}, not in the currency of the prices (USD)` };
  const before = previousTradingDay(d.date);
  const previousClose = closeOn.get(before);
  if (previousClose === undefined) return { reason: `no bar for ${before}, the session before the ex-date, to price it against` };
  if (!(d.cashAmount > 0 && d.cashAmount < previousClose)) return { reason: `cash ${d.cashAmount} is not between 0 and the previous close ${previousClose}` };
  const factor = 1 - d.cashAmount / previousClose;
  return { price: factor, volume: 1, applied: { action: d, priceFactor: factor, previousClose } };
}

/** The bars on the chosen basis (copies; vwap too when present), with the plan that made them. */
export function adjustBars<T extends OhlcvBar>(
  bars: readonly T[],
  actions: readonly CorporateAction[],
  adjustment: Adjustment,
  opts: AdjustOptions = {},
): { bars: T[]; plan: AdjustmentPlan } {
  const plan = planAdjustment(bars, actions, adjustment, opts);
  if (adjustment === "raw") return { bars: bars.map((b) => ({ ...b })), plan };
  const out = bars.map((b, i) => {
    const p = plan.priceFactor[i]!;
    const adjusted: T = { ...b, open: b.open * p, high: b.high * p, low: b.low * p, close: b.close * p, volume: b.volume * plan.volumeFactor[i]! };
    if (typeof b.vwap === "number") adjusted.vwap = b.vwap * p;
    return adjusted;
  });
  return { bars: out, plan };
}
