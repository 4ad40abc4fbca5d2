/**
 * Corporate actions (splits and cash dividends): the type the pipeline stores,
 * the web app and the read API show, and the adjusted views apply. Pure (no
 * I/O), so the browser may import it too.
 */

export type ActionKind = "split" | "dividend";
export type SplitType = "forward_split" | "reverse_split" | "stock_dividend";

interface ActionBase {
  /** The API's `id`: unique per kind, stable across re-fetches. */
  id: string;
  symbol: string;
  /** Split: execution date; dividend: ex-dividend date (YYYY-MM-DD, New York). */
  date: string;
}

/** `splitFrom` old shares become `splitTo` new ones from `date` on (the execution date trades post-split). */
export interface SplitAction extends ActionBase {
  kind: "split";
  splitFrom: number;
  splitTo: number;
  adjustmentType: SplitType;
}

/** A cash dividend per share, as paid (not split-adjusted); prices before `date` (the ex-date) include it. */
export interface DividendAction extends ActionBase {
  kind: "dividend";
  cashAmount: number;
  currency?: string;
  declarationDate?: string;
  recordDate?: string;
  payDate?: string;
  frequency?: number;
  distributionType?: string;
}

export type CorporateAction = SplitAction | DividendAction;

export const SPLIT_TYPES: readonly SplitType[] = ["forward_split", "reverse_split", "stock_dividend"];

/** The factor a split multiplies the share count by (10 for a 10-for-1, 0.05 for a 1-for-20). */
export function splitRatio(s: Pick<SplitAction, "splitFrom" | "splitTo">): number {
  return s.splitTo / s.splitFrom;
}

/** "10-for-1", "1-for-20": how people say a split's ratio. */
export function describeSplit(s: Pick<SplitAction, "splitFrom" | "splitTo">): string {
  return `${trim(s.splitTo)}-for-${trim(s.splitFrom)}`;
}

/** "$0.24 cash dividend", "$0.10 cash dividend" (currency code when it is not USD). */
export function describeDividend(d: Pick<DividendAction, "cashAmount" | "currency">): string {
  // Money is read with cents: "$0.10", not "$0.1"; smaller fractions stay ("$0.125").
  const exact = trim(d.cashAmount);
  const amount = /\.\d\d/.test(exact) || !Number.isFinite(d.cashAmount) ? exact : d.cashAmount.toFixed(2);
  return d.currency && d.currency !== "USD" ? `${amount} ${d.currency} cash dividend` : `$${amount} cash dividend`;
}

export function describeAction(a: CorporateAction): string {
  return a.kind === "split" ? `${describeSplit(a)} split` : describeDividend(a);
}

function trim(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(10)));
}
