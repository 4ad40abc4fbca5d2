/**
 * A symbol's whole history on a chosen basis (raw, split, all), for the chart,
 * the comparison and the read API. The history is read whole because the
 * adjustment of any bar depends on every action after it up to the latest
 * session, and a dividend needs the close of the session before its ex-date.
 */
import { listCorporateActions } from "@stock-market/pipeline/db/corporate-actions.server";
import { adjustBars, type Adjustment, type AdjustmentPlan, type OhlcvBar } from "@stock-market/pipeline/model/adjust";
import type { CorporateAction } from "@stock-market/pipeline/model/corporate-action";
import type { RecordView } from "@stock-market/pipeline/db/record-views.server";
import { fromStoredDate, isValidSymbol } from "@stock-market/pipeline/model/daily-price";
import type { Db } from "mongodb";
import { cachedRead } from "~/read-cache.server";
import { symbolRecords } from "~/symbol-records.server";

/** One bar on the chosen basis, with what the page needs to know about the record behind it. */
export interface AdjustedBar extends OhlcvBar {
  manual: boolean;
  synthetic: boolean;
}

export interface AdjustedHistory {
  symbol: string;
  adjustment: Adjustment;
  bars: AdjustedBar[];
  /** Every action stored for the symbol, oldest first. */
  actions: CorporateAction[];
  plan: AdjustmentPlan;
}

/**
 * The live history of `symbol` on `adjustment`; null when it has no live
 * record. The records come from the per-symbol store (symbol-records.server.ts),
 * the actions from the data-version cache; the adjusted bars are computed once
 * per pair of them. Read-only.
 */
export async function loadAdjustedHistory(db: Db, symbol: string, adjustment: Adjustment): Promise<AdjustedHistory | null> {
  // Not a ticker (a URL's junk, a NUL that PostgreSQL refuses in a filter): there is nothing to read.
  if (!isValidSymbol(symbol)) return null;
  const [records, actions] = await Promise.all([
    symbolRecords(db, symbol),
    cachedRead(
      db,
      `actions\u0000${symbol}`,
      () => listCorporateActions(db, symbol),
      (a) => a.length,
    ),
  ]);
  if (records.length === 0) return null;
  let byAdjustment = computed.get(records);
  if (!byAdjustment) computed.set(records, (byAdjustment = new Map()));
  const known = byAdjustment.get(adjustment);
  if (known?.actions === actions) return known.history;
  const asTraded = records.map(toBar);
  const { bars, plan } = adjustBars(asTraded, actions, adjustment, { asOf: asTraded[asTraded.length - 1]!.date });
  const history = { symbol, adjustment, bars, actions, plan };
  byAdjustment.set(adjustment, { actions, history });
  return history;
}

/** Adjusted histories by the records array they came from: it is replaced, never changed, when a record changes. */
const computed = new WeakMap<readonly RecordView[], Map<Adjustment, { actions: CorporateAction[]; history: AdjustedHistory }>>();

function toBar(d: RecordView): AdjustedBar {
  return {
    date: fromStoredDate(d.date),
    open: d.open,
    high: d.high,
    low: d.low,
    close: d.close,
    volume: d.volume,
    manual: d.source === "manual",
    synthetic: d.feed === "synthetic",
  };
}
