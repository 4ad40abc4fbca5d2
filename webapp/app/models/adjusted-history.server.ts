/**
 * A symbol's whole history on a chosen basis (raw, split, all), for the chart,
 * the comparison and the read API. The history is read whole because the
 * adjustment of any bar depends on every action after it up to the latest
 * session, and a dividend needs the close of the session before its ex-date.
 */
import { listCorporateActions } from "@stock-market/pipeline/db/corporate-actions.server";
import { getPriceHistory, type PricePoint } from "@stock-market/pipeline/db/daily-prices.server";
import { adjustBars, type Adjustment, type AdjustmentPlan, type OhlcvBar } from "@stock-market/pipeline/model/adjust";
import type { CorporateAction } from "@stock-market/pipeline/model/corporate-action";
import { fromStoredDate, isValidSymbol } from "@stock-market/pipeline/model/daily-price";
import type { Db } from "mongodb";
import { cachedRead } from "~/read-cache.server";

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

/** The live history of `symbol` on `adjustment`; null when it has no live record. Cached per data version: read-only. */
export async function loadAdjustedHistory(db: Db, symbol: string, adjustment: Adjustment): Promise<AdjustedHistory | null> {
  // Not a ticker (a URL's junk, a NUL that PostgreSQL refuses in a filter): there is nothing to read.
  if (!isValidSymbol(symbol)) return null;
  return cachedRead(db, `history\u0000${symbol}\u0000${adjustment}`, () => readAdjustedHistory(db, symbol, adjustment), (h) => h?.bars.length ?? 1);
}

async function readAdjustedHistory(db: Db, symbol: string, adjustment: Adjustment): Promise<AdjustedHistory | null> {
  const [history, actions] = await Promise.all([getPriceHistory(db, symbol), listCorporateActions(db, symbol)]);
  if (history.length === 0) return null;
  const asTraded = history.map(toBar);
  const { bars, plan } = adjustBars(asTraded, actions, adjustment, { asOf: asTraded[asTraded.length - 1]!.date });
  return { symbol, adjustment, bars, actions, plan };
}

function toBar(d: PricePoint): AdjustedBar {
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
