import type { Db } from "mongodb";
import { latestCompletedSession, nextTradingDay, tradingDaysBetween } from "../calendar/nyse.js";
import type { TickerSelection } from "../config.server.js";
import { dailyPrices, datesBySymbol, LIVE, listSymbols } from "../db/daily-prices.server.js";
import { recentRuns } from "../db/runs.server.js";

export interface SymbolCoverage {
  symbol: string;
  records: number;
  first: string | null;
  last: string | null;
  /** Trading days between first and last without a record. */
  gaps: string[];
  /** Completed sessions after `last` not loaded yet. */
  behind: number;
}

export interface StatusReport {
  latestCompletedSession: string;
  feeds: string[];
  symbols: SymbolCoverage[];
  recentRuns: { id: string; command: string; outcome: string; startedAt: string; durationMs: number | null; message: string | null; error: string | null; apiRequests: number }[];
}

/** Coverage per symbol against the NYSE calendar, gaps, and the last runs. */
export async function statusReport(db: Db, tickers: TickerSelection, now = new Date()): Promise<StatusReport> {
  const latest = latestCompletedSession(now);
  const symbols = tickers === "*" ? await listSymbols(db) : tickers;
  const dates = await datesBySymbol(db, symbols);
  const coverage = symbols.map((symbol): SymbolCoverage => {
    const have = dates.get(symbol) ?? [];
    if (have.length === 0) return { symbol, records: 0, first: null, last: null, gaps: [], behind: 0 };
    const first = have[0]!;
    const last = have[have.length - 1]!;
    const present = new Set(have);
    const gaps = tradingDaysBetween(first, last).filter((d) => !present.has(d));
    const behind = last >= latest ? 0 : tradingDaysBetween(nextTradingDay(last), latest).length;
    return { symbol, records: have.length, first, last, gaps, behind };
  });
  const feeds = ((await dailyPrices(db).distinct("feed", LIVE)) as (string | null)[]).filter((f): f is string => !!f).sort();
  const runs = await recentRuns(db, 5);
  return {
    latestCompletedSession: latest,
    feeds,
    symbols: coverage,
    recentRuns: runs.map((r) => ({
      id: r._id,
      command: r.command,
      outcome: r.outcome,
      startedAt: r.startedAt.toISOString(),
      durationMs: r.durationMs ?? null,
      message: r.message ?? null,
      error: r.error?.message ?? null,
      apiRequests: r.apiRequests,
    })),
  };
}

/** The report as text for a terminal. */
export function formatStatus(report: StatusReport): string {
  const lines: string[] = [];
  lines.push(`Latest completed NYSE session: ${report.latestCompletedSession}`);
  if (report.feeds.includes("synthetic")) lines.push("Note: the database holds SYNTHETIC records from the offline source (made-up prices, not market data).");
  lines.push("");
  const header = ["symbol", "records", "first", "last", "gaps", "behind"];
  const rows = report.symbols.map((s) => [
    s.symbol,
    String(s.records),
    s.first ?? "-",
    s.last ?? "-",
    s.records === 0 ? "no data" : s.gaps.length === 0 ? "0" : `${s.gaps.length} (${s.gaps.slice(0, 3).join(", ")}${s.gaps.length > 3 ? ", …" : ""})`,
    s.records === 0 ? "-" : String(s.behind),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [header, ...rows]) lines.push(r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd());
  lines.push("");
  lines.push(report.recentRuns.length ? "Recent runs:" : "No pipeline runs recorded yet.");
  for (const r of report.recentRuns) {
    const took = r.durationMs === null ? "" : ` in ${(r.durationMs / 1000).toFixed(1)} s`;
    lines.push(`  ${r.startedAt}  ${r.command.padEnd(9)} ${r.outcome}${took}, ${r.apiRequests} API request(s): ${r.error ?? r.message ?? ""}`);
  }
  return lines.join("\n");
}
