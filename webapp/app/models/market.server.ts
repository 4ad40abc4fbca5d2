/**
 * The market screener for the page and the API (decision 081): one Screener
 * per process over LAKE_URI's curated layer (a local folder read in place, or
 * a gs:// lake through a local cache), and the one mapping of its failures to
 * a status and a sentence.
 */
import { CuratedLayerError, SessionNotCuratedError } from "@stock-market/pipeline/market/errors";
import { Screener, type BreadthPoint } from "@stock-market/pipeline/market/screener.server";
import { curatedSourceFor } from "@stock-market/pipeline/market/source.server";
import type { MarketSnapshot, Movers } from "@stock-market/pipeline/market/summary";
import { join } from "node:path";
import type { CuratedChartData } from "~/components/curated-chart";
import { getEnv } from "~/env.server";
import { PAGE_LIMIT, SERIES_SESSIONS, type MarketPageQuery, type MoversQuery } from "~/lib/market-params";

const globalCache = globalThis as unknown as { __webappScreener?: Screener };

/** Opened on first use; nothing is read until a query runs. */
export function getScreener(): Screener {
  if (!globalCache.__webappScreener) {
    const env = getEnv();
    const source = curatedSourceFor(env.lakeUri, {
      gcsApiEndpoint: env.GCS_API_ENDPOINT,
      projectId: env.GCS_PROJECT_ID,
      cacheDir: env.CURATED_CACHE_DIR ?? join(env.dataDir, "curated-cache"),
      cacheMaxBytes: env.CURATED_CACHE_MAX_MB * 1024 * 1024,
    });
    globalCache.__webappScreener = new Screener(source);
  }
  return globalCache.__webappScreener;
}

/** What the API's movers route answers: exactly ARCHITECTURE.md's shape. */
export interface MoversBody {
  date: string;
  gainers: { symbol: string; close: number; change_pct: number }[];
  losers: { symbol: string; close: number; change_pct: number }[];
}

export async function loadMovers(query: MoversQuery, screener = getScreener()): Promise<MoversBody> {
  const m: Movers = await screener.movers(query.date, query.limit);
  const strip = (list: Movers["gainers"]) => list.map(({ symbol, close, change_pct }) => ({ symbol, close, change_pct }));
  return { date: m.date, gainers: strip(m.gainers), losers: strip(m.losers) };
}

export interface MarketPage {
  snapshot: MarketSnapshot;
  series: BreadthPoint[];
  sessions: string[];
}

export async function loadMarketPage(query: MarketPageQuery, screener = getScreener()): Promise<MarketPage> {
  const filters = { minPrice: query.minPrice, minDollarVolume: query.minDollarVolume, includeOtc: query.includeOtc };
  const snapshot = await screener.snapshot(query.date, PAGE_LIMIT, filters);
  const series = await screener.breadthSeries(snapshot.date, SERIES_SESSIONS, filters);
  const sessions = await screener.sessions();
  return { snapshot, series, sessions };
}

/** Sessions of a read-only chart from the curated lake (about a year). */
const CURATED_CHART_SESSIONS = 252;

/**
 * The last year of `symbol` from the curated lake, split-adjusted to the
 * latest session, for a ticker MongoDB does not hold; null when the lake has
 * no bar of it, or cannot be read (the chart page then says "not loaded" only).
 */
export async function loadCuratedChart(symbol: string, notLoaded: string, screener = getScreener()): Promise<CuratedChartData | null> {
  try {
    const history = await screener.history(symbol, CURATED_CHART_SESSIONS);
    if (history.length === 0) return null;
    const sessions = await screener.sessions();
    const col = <K extends keyof (typeof history)[number]>(k: K) => history.map((b) => b[k]);
    return {
      symbol,
      asOf: sessions[sessions.length - 1]!,
      notLoaded,
      bars: { date: col("date"), open: col("open"), high: col("high"), low: col("low"), close: col("close"), volume: col("volume") },
    };
  } catch (e) {
    if (marketFailure(e)) return null;
    throw e;
  }
}

/**
 * A screener failure as a status and a sentence, or undefined for an
 * unexpected one (a 500 the caller logs). A session the lake lacks is a 404;
 * a damaged or missing partition a 503 (the service cannot answer until an
 * operator runs the curate command the sentence names), never data.
 */
export function marketFailure(e: unknown): { status: 404 | 503; message: string } | undefined {
  if (e instanceof SessionNotCuratedError || (e instanceof Error && e.name === "SessionNotCuratedError")) return { status: 404, message: e.message };
  if (e instanceof CuratedLayerError || (e instanceof Error && e.name === "CuratedLayerError")) return { status: 503, message: e.message };
  return undefined;
}
