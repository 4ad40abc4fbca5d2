/**
 * The market screener (decision 081): movers, most active, 52-week highs and
 * lows and breadth for one curated session, and breadth over time, computed
 * by DuckDB over the curated Parquet layer, split-aware.
 *
 * "Previous close" of a ticker on session D: its last close within the
 * LOOKBACK_SESSIONS curated sessions before D, brought to D's share basis
 * (a halted ticker is compared with its last trade; one silent for longer,
 * or new, has no change and is left out of movers and advancers/decliners).
 * A ticker absent on D did not trade: it is in nothing for D. If the session
 * before D (NYSE calendar) has no partition while older ones exist, the lake
 * has a gap and D's changes cannot be trusted: CuratedLayerError naming the
 * missing object and the curate command. D being the first curated session
 * leaves every previous close empty (previousSession null).
 */
import { createHash } from "node:crypto";
import { DuckDBListType, VARCHAR, listValue } from "@duckdb/node-api";
import { addDays, previousTradingDay } from "../calendar/nyse.js";
import type { OhlcvBar } from "../model/adjust.js";
import { query, type Params, type Row } from "./duckdb.server.js";
import { CuratedLayerError, SessionNotCuratedError, corruptPartitionError, curateCommand } from "./errors.js";
import { barsKey, rangeOfKey, type CuratedFile, type CuratedSource } from "./source.server.js";
import { breadthSeriesSql, dayRowsSql, historySql } from "./sql.js";
import { summarize, type DayRow, type MarketSnapshot, type Movers, type ScreenFilters } from "./summary.js";

export const LOOKBACK_SESSIONS = 10;
export const DEFAULT_FILTERS: ScreenFilters = { minPrice: 0, minDollarVolume: 0, includeOtc: true };
const LIST = new DuckDBListType(VARCHAR);

/** A read-only chart's bar: the shared bar without vwap (the curated history is split-adjusted, vwap is not kept). */
export type HistoryBar = Omit<OhlcvBar, "vwap">;

export interface BreadthPoint {
  date: string;
  /** null when the session before has no partition (or this is the first one): no change is known. */
  advancers: number | null;
  decliners: number | null;
  unchanged: number | null;
  above50Pct: number | null;
  above200Pct: number | null;
}

export class Screener {
  private readonly results = new Map<string, Row[]>();
  constructor(readonly source: CuratedSource) {}

  async sessions(): Promise<string[]> {
    return this.source.sessions();
  }

  /** Gainers and losers of `date` (default: the latest curated session), `limit` of each. */
  async movers(date: string | undefined, limit: number, filters: ScreenFilters = DEFAULT_FILTERS): Promise<Movers> {
    const { day, sessions, index } = await this.resolve(date);
    const window = sessions.slice(Math.max(0, index - LOOKBACK_SESSIONS), index + 1);
    const rows = await this.dayRows(day, window, filters);
    const s = summarize(day, rows, limit);
    return { date: day, previousSession: this.previousOf(sessions, index), gainers: s.gainers, losers: s.losers };
  }

  /** Everything the market page shows for one session. */
  async snapshot(date: string | undefined, limit: number, filters: ScreenFilters = DEFAULT_FILTERS): Promise<MarketSnapshot> {
    const { day, sessions, index } = await this.resolve(date);
    const yearAgo = addDays(day, -364);
    const window = sessions.slice(0, index + 1).filter((s) => s >= yearAgo);
    const rows = await this.dayRows(day, window, filters);
    return { ...summarize(day, rows, limit), previousSession: this.previousOf(sessions, index), windowStart: window[0]! };
  }

  /** Breadth for the `count` curated sessions ending at `date` (default latest). */
  async breadthSeries(date: string | undefined, count: number, filters: ScreenFilters = DEFAULT_FILTERS): Promise<BreadthPoint[]> {
    const { day, sessions, index } = await this.resolve(date);
    const first = Math.max(0, index - count + 1);
    const window = sessions.slice(Math.max(0, first - 199), index + 1);
    const bars = await this.source.barFiles(window);
    const actions = await this.source.actionFiles();
    const params = { ...this.params(day, bars, actions, filters), dates: listValue(window), from: sessions[first]!, max_gap: LOOKBACK_SESSIONS };
    const rows = await this.run(breadthSeriesSql(actions.length > 0), params, [...bars, ...actions]);
    const known = new Set(sessions);
    return rows.map((r) => {
      const date = String(r.date);
      const comparable = known.has(previousTradingDay(date));
      const pct = (above: unknown, n: unknown) => (Number(n) > 0 ? (100 * Number(above)) / Number(n) : null);
      return {
        date,
        advancers: comparable ? Number(r.advancers) : null,
        decliners: comparable ? Number(r.decliners) : null,
        unchanged: comparable ? Number(r.unchanged) : null,
        above50Pct: pct(r.above50, r.n50),
        above200Pct: pct(r.above200, r.n200),
      };
    });
  }

  /**
   * One symbol's bars over the last `count` curated sessions, split-adjusted
   * to the latest one (what a chart shows for a ticker outside MongoDB).
   */
  async history(symbol: string, count: number): Promise<HistoryBar[]> {
    const { day, sessions, index } = await this.resolve(undefined);
    const window = sessions.slice(Math.max(0, index - count + 1), index + 1);
    const bars = await this.source.barFiles(window);
    const actions = await this.source.actionFiles();
    const params: Params = { bars: listValue(bars.map((f) => f.path)), d: day, symbol };
    if (actions.length > 0) params.actions = listValue(actions.map((f) => f.path));
    const rows = await this.run(historySql(actions.length > 0), params, [...bars, ...actions]);
    return rows as unknown as HistoryBar[];
  }

  private async resolve(date: string | undefined): Promise<{ day: string; sessions: string[]; index: number }> {
    const sessions = await this.source.sessions();
    const latest = sessions[sessions.length - 1];
    const day = date ?? latest;
    const index = day === undefined ? -1 : sessions.indexOf(day);
    if (day === undefined || index < 0) throw new SessionNotCuratedError(date ?? "the latest session", latest);
    if (index > 0) {
      const expected = previousTradingDay(day);
      if (sessions[index - 1]! < expected) {
        const key = barsKey(expected);
        throw new CuratedLayerError(
          `The curated layer has no ${key}, the session before ${day}, so no change against the previous close can be computed; rebuild it with \`${curateCommand(expected)}\` (after \`stock-pipeline extract --date ${expected}\` if raw/ lacks it).`,
          key,
          "missing",
        );
      }
    }
    return { day, sessions, index };
  }

  private previousOf(sessions: string[], index: number): string | null {
    return index > 0 ? sessions[index - 1]! : null;
  }

  private params(day: string, bars: CuratedFile[], actions: CuratedFile[], filters: ScreenFilters): Params {
    const params: Params = {
      bars: listValue(bars.map((f) => f.path)),
      d: day,
      min_price: filters.minPrice,
      min_dollar_volume: filters.minDollarVolume,
      include_otc: filters.includeOtc,
    };
    if (actions.length > 0) params.actions = listValue(actions.map((f) => f.path));
    return params;
  }

  private async dayRows(day: string, window: string[], filters: ScreenFilters): Promise<DayRow[]> {
    const bars = await this.source.barFiles(window);
    const actions = await this.source.actionFiles();
    const back = (n: number) => window[Math.max(0, window.length - n)]!;
    const params = { ...this.params(day, bars, actions, filters), lookback: back(LOOKBACK_SESSIONS + 1), from50: back(50), from200: back(200) };
    const rows = await this.run(dayRowsSql(actions.length > 0), params, [...bars, ...actions]);
    return rows as unknown as DayRow[];
  }

  /**
   * Runs a query; a DuckDB read failure is traced to the file at fault and
   * named. Results are kept per (statement, parameters, each file's mtime and
   * size): a rewritten partition (or a GCS copy fetched again) changes the
   * key, so nothing stale is served, and a page reloaded or paged back costs
   * no query. Only successes are kept.
   */
  private async run(sql: string, params: Params, files: CuratedFile[]): Promise<Row[]> {
    const key = createHash("sha256")
      .update(sql)
      .update(JSON.stringify(params, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v)))
      .update(files.map((f) => `${f.path}@${f.stamp}`).join("\n"))
      .digest("hex");
    // A file without a stamp was not checked: no memo then (never the case with this module's sources).
    const memo = files.every((f) => f.stamp !== undefined);
    const hit = memo ? this.results.get(key) : undefined;
    if (hit) return hit;
    const types = Object.fromEntries(["bars", "dates", "actions"].filter((k) => k in params).map((k) => [k, LIST]));
    try {
      const rows = await query(sql, params, types);
      if (memo) {
        if (this.results.size >= RESULTS_KEPT) this.results.delete(this.results.keys().next().value!);
        this.results.set(key, rows);
      }
      return rows;
    } catch (e) {
      throw (await findCulprit(files, e)) ?? e;
    }
  }
}

/** Query results kept per screener (a snapshot of 11,000 rows is ~2 MB). */
const RESULTS_KEPT = 16;

/** The file DuckDB choked on: named in its message, or found by reading each file alone. */
async function findCulprit(files: CuratedFile[], cause: unknown): Promise<CuratedLayerError | undefined> {
  const message = cause instanceof Error ? cause.message : String(cause);
  const culprit = files.find((f) => message.includes(f.path));
  const reason = (m: string) =>
    `DuckDB: ${m
      .split("\n")[0]!
      .replace(/'[^']*'/g, "the file")
      .slice(0, 200)}`;
  if (culprit) return corruptPartitionError(culprit.key, ...rangeOfKey(culprit.key), reason(message), cause);
  for (const f of files) {
    const isBars = f.key.startsWith("curated/daily_bars/");
    const probe = isBars
      ? "SELECT count(symbol), sum(open + high + low + close + volume), count(vwap), count(transactions), count(otc), count(feed) FROM read_parquet([$f])"
      : "SELECT count(kind), count(id), count(symbol), count(date), sum(split_from), sum(split_to) FROM read_parquet([$f])";
    try {
      await query(probe, { f: f.path });
    } catch (e) {
      return corruptPartitionError(f.key, ...rangeOfKey(f.key), reason(e instanceof Error ? e.message : String(e)), e);
    }
  }
  return undefined;
}
