/**
 * A curated lake for the browser and API tests of /market: fake Polygon bars
 * of tickers mostly NOT in the test database, over the last year up to the
 * latest session, plus 2024-06-06/07 (the OpenAPI example date). MKREV has a
 * 1-for-20 reverse split on the latest session; MKHALT is missing from the
 * session before it. Also the movers computed here in plain TypeScript, for
 * the tests to compare with (not with the screener's SQL).
 */
import { addDays, tradingDaysBetween } from "@stock-market/pipeline/calendar/nyse";
import { expectedFakeBar } from "@stock-market/pipeline/fake-polygon/server";
import { writeCuratedBars, writeCuratedSplits, type FixtureBar } from "@stock-market/pipeline/market/curated-fixture.server";

export const MARKET_SEED = "webapp-market";
export const REVERSE_SPLIT_SYMBOL = "MKREV";
export const HALTED_SYMBOL = "MKHALT";
/** E2EA and E2EB are loaded in the test database; the rest are not. */
export const MARKET_SYMBOLS = ["E2EA", "E2EB", REVERSE_SPLIT_SYMBOL, HALTED_SYMBOL, ...Array.from({ length: 16 }, (_, i) => `MK${String(i + 1).padStart(2, "0")}`)];

export interface MarketMover {
  symbol: string;
  close: number;
  change_pct: number;
}

export interface MarketLakeInfo {
  /** The lake's folder (LAKE_URI of the test server). */
  root: string;
  latest: string;
  sessions: string[];
  /** Every ticker's change on `latest`, computed here. */
  changes: MarketMover[];
}

export async function writeMarketLake(root: string, latest: string): Promise<MarketLakeInfo> {
  const sessions = ["2024-06-06", "2024-06-07", ...tradingDaysBetween(addDays(latest, -365), latest)];
  const previous = sessions[sessions.length - 2]!;
  const corporateActions = { splits: [{ ticker: REVERSE_SPLIT_SYMBOL, execution_date: latest, split_from: 20, split_to: 1 }], replaceSyntheticFor: MARKET_SYMBOLS };
  const bars: FixtureBar[] = [];
  for (const date of sessions) {
    for (const symbol of MARKET_SYMBOLS) {
      if (symbol === HALTED_SYMBOL && date === previous) continue;
      const b = expectedFakeBar({ seed: MARKET_SEED, corporateActions }, symbol, date, { adjusted: false, today: latest })!;
      bars.push({ symbol, date, open: b.o, high: b.h, low: b.l, close: b.c, volume: b.v, vwap: b.vw ?? null, transactions: b.n ?? null, otc: false });
    }
  }
  await writeCuratedBars(root, bars);
  await writeCuratedSplits(root, [{ id: "MKREV-SPLIT", symbol: REVERSE_SPLIT_SYMBOL, date: latest, split_from: 20, split_to: 1 }]);
  const close = (symbol: string, date: string) => bars.find((b) => b.symbol === symbol && b.date === date)?.close;
  const changes = MARKET_SYMBOLS.map((symbol) => {
    const now = close(symbol, latest)!;
    const before = sessions
      .slice(0, -1)
      .reverse()
      .find((d) => close(symbol, d) !== undefined)!;
    const factor = symbol === REVERSE_SPLIT_SYMBOL ? 20 : 1;
    return { symbol, close: now, change_pct: (now / (close(symbol, before)! * factor) - 1) * 100 };
  });
  return { root, latest, sessions, changes };
}
