/**
 * The corporate actions a chart window shows, each with what it does on the
 * chosen basis, in words: the hover text of the chart's markers and the
 * plain list under the chart (readable without the canvas). Pure.
 */
import type { Adjustment, AdjustmentPlan } from "@stock-market/pipeline/model/adjust";
import { describeDividend, describeSplit, splitRatio, type CorporateAction } from "@stock-market/pipeline/model/corporate-action";

/**
 * - applied: this basis adjusts the bars before it;
 * - not-on-basis: real, but this basis leaves it out (anything on `raw`, dividends on `split`);
 * - skipped: this basis would apply it but cannot (the plan's reason);
 * - no-effect: on or before the first bar, so no bar of the history is before it;
 * - announced: dated after the latest session, never applied early.
 */
export type MarkerStatus = "applied" | "not-on-basis" | "skipped" | "no-effect" | "announced";

export interface ActionMarker {
  id: string;
  kind: CorporateAction["kind"];
  /** Execution date (split) or ex-date (dividend). */
  date: string;
  /** "4-for-1 split (executed 2025-03-10)", "$0.12 cash dividend (ex-date 2025-05-09)". */
  title: string;
  status: MarkerStatus;
  /** What it does to this view, as a sentence fragment. */
  effect: string;
}

export interface ActionsOfWindow {
  /** Actions dated inside the window, oldest first. */
  markers: ActionMarker[];
  /** Actions dated after the latest session, wherever the window is. */
  announced: ActionMarker[];
  /** Every action the basis had to leave out, with why (they change the window even when dated outside it). */
  skipped: ActionMarker[];
}

/** How people name an action and its date. */
export function actionTitle(a: CorporateAction): string {
  return a.kind === "split" ? `${describeSplit(a)} split (executed ${a.date})` : `${describeDividend(a)} (ex-date ${a.date})`;
}

const key = (a: CorporateAction) => `${a.kind}\u0000${a.id}`;
const num = (n: number) => String(Number(n.toPrecision(6)));

/**
 * Sorts `actions` (all of the symbol's, as loaded) into the window's markers,
 * the announced ones and the skipped ones, by the plan that made the view.
 * `from`/`to` bound the window (inclusive; `from` null = the first bar);
 * `firstDate`/`lastDate` are the history's first and latest sessions.
 */
export function actionsOfWindow(
  actions: readonly CorporateAction[],
  plan: Pick<AdjustmentPlan, "applied" | "skipped">,
  adjustment: Adjustment,
  window: { from: string | null; to: string; firstDate: string; lastDate: string },
): ActionsOfWindow {
  const applied = new Map(plan.applied.map((p) => [key(p.action), p]));
  const skipped = new Map(plan.skipped.map((s) => [key(s.action), s.reason]));
  const out: ActionsOfWindow = { markers: [], announced: [], skipped: [] };
  for (const a of [...actions].sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : 0))) {
    const marker = ((): ActionMarker => {
      const base = { id: a.id, kind: a.kind, date: a.date, title: actionTitle(a) };
      const done = applied.get(key(a));
      if (done) return { ...base, status: "applied", effect: appliedEffect(a, done.priceFactor, done.previousClose) };
      const reason = skipped.get(key(a));
      if (reason !== undefined) return { ...base, status: "skipped", effect: `not applied: ${reason}` };
      if (a.date > window.lastDate) return { ...base, status: "announced", effect: "announced: applies from its date on, never before" };
      if (adjustment === "raw") return { ...base, status: "not-on-basis", effect: "not applied: prices as traded" };
      if (a.kind === "dividend" && adjustment === "split") return { ...base, status: "not-on-basis", effect: "not applied: dividends count only in the total-return basis" };
      return { ...base, status: "no-effect", effect: "changes nothing here: no earlier bar in the history" };
    })();
    if (marker.status === "announced") out.announced.push(marker);
    if (marker.status === "skipped") out.skipped.push(marker);
    if (a.date >= (window.from ?? window.firstDate) && a.date <= window.to) out.markers.push(marker);
  }
  return out;
}

function appliedEffect(a: CorporateAction, priceFactor: number, previousClose: number | undefined): string {
  if (a.kind === "split") {
    const ratio = splitRatio(a);
    return ratio >= 1
      ? `prices before it divided by ${num(ratio)}, volumes multiplied by ${num(ratio)}`
      : `prices before it multiplied by ${num(1 / ratio)}, volumes divided by ${num(1 / ratio)}`;
  }
  return `prices before it multiplied by ${priceFactor.toFixed(6)} (1 − ${num(a.cashAmount)} / previous close ${num(previousClose ?? Number.NaN)})`;
}
