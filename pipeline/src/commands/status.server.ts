import type { Db } from "mongodb";
import { latestCompletedSession, nextTradingDay, tradingDaysBetween } from "../calendar/nyse.js";
import type { TickerSelection } from "../config.server.js";
import { oldBasisRecords, type OldBasisRange } from "../db/daily-prices.server.js";
import { getSymbolSummaries, symbolsWithOldBasis } from "../db/symbol-summaries.server.js";
import { recentRuns } from "../db/runs.server.js";
import type { CuratedCoverage } from "../curated/coverage.server.js";
import { backfillRefetchCommand } from "./basis.server.js";

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

/**
 * Records stored before prices were stored as traded (no `basis`), of every
 * symbol in the database whatever the watchlist.
 */
export interface OldBasisReport {
  /** Pipeline records: split-adjusted as of the day they were fetched. */
  symbols: OldBasisRange[];
  /** The one command that re-fetches them all as traded; null when there are none. */
  command: string | null;
  /** Records a person edited before the switch: checked by a person, never rewritten unasked. */
  manual: OldBasisRange[];
}

export interface StatusReport {
  latestCompletedSession: string;
  feeds: string[];
  symbols: SymbolCoverage[];
  oldBasis: OldBasisReport;
  recentRuns: { id: string; command: string; outcome: string; startedAt: string; durationMs: number | null; message: string | null; error: string | null; apiRequests: number }[];
  /** The curated layer of the lake (decision 080), beside MongoDB's coverage; absent when not asked for. */
  curated?: CuratedCoverage;
}

/** What the report says of the data (no runs): a function of the data version and the day, so readers may cache it. */
export type CoverageReport = Omit<StatusReport, "recentRuns">;

/**
 * Coverage per symbol against the NYSE calendar and the gaps, from the
 * per-symbol summaries (symbol-summaries.server.ts): no scan of the records.
 */
export async function coverageReport(db: Db, tickers: TickerSelection, now = new Date()): Promise<CoverageReport> {
  const latest = latestCompletedSession(now);
  const summaries = await getSymbolSummaries(db, tickers === "*" ? undefined : tickers);
  const symbols =
    tickers === "*"
      ? [...summaries.values()]
          .filter((s) => s.records > 0)
          .map((s) => s._id)
          .sort()
      : tickers;
  const feeds = new Set<string>();
  const coverage = symbols.map((symbol): SymbolCoverage => {
    const s = summaries.get(symbol);
    if (!s || s.records === 0 || s.first === null || s.last === null) return { symbol, records: 0, first: null, last: null, gaps: [], behind: 0 };
    for (const f of Object.keys(s.feeds)) feeds.add(f);
    const behind = s.last >= latest ? 0 : tradingDaysBetween(nextTradingDay(s.last), latest).length;
    return { symbol, records: s.records, first: s.first, last: s.last, gaps: s.gaps, behind };
  });
  return { latestCompletedSession: latest, feeds: [...feeds].sort(), symbols: coverage, oldBasis: await oldBasisReport(db) };
}

/** Coverage per symbol against the NYSE calendar, gaps, and the last runs. */
export async function statusReport(db: Db, tickers: TickerSelection, now = new Date()): Promise<StatusReport> {
  const [coverage, runs] = await Promise.all([coverageReport(db, tickers, now), recentRuns(db, 5)]);
  return {
    ...coverage,
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

async function oldBasisReport(db: Db): Promise<OldBasisReport> {
  const { pipeline, manual } = await oldBasisRecords(db, await symbolsWithOldBasis(db));
  if (pipeline.length === 0) return { symbols: [], command: null, manual };
  const from = pipeline.reduce((m, s) => (s.from < m ? s.from : m), pipeline[0]!.from);
  const to = pipeline.reduce((m, s) => (s.to > m ? s.to : m), pipeline[0]!.to);
  return {
    symbols: pipeline,
    command: backfillRefetchCommand(
      from,
      to,
      pipeline.map((s) => s.symbol),
    ),
    manual,
  };
}

/** The old-basis section: what is affected and the command that fixes it. Empty when nothing is. */
function formatOldBasis(o: OldBasisReport): string[] {
  const lines: string[] = [];
  const row = (s: OldBasisRange) => `  ${s.symbol}  ${s.records} record(s)  ${s.from}..${s.to}`;
  if (o.symbols.length) {
    const total = o.symbols.reduce((n, s) => n + s.records, 0);
    lines.push("", `OLD BASIS: ${total} record(s) of ${o.symbols.length} symbol(s) are split-adjusted as of the day they were fetched, not as traded:`);
    lines.push(...o.symbols.map(row));
    lines.push("Re-fetch them as traded (docs/migration-as-traded.md):", `  ${o.command}`);
  }
  if (o.manual.length) {
    lines.push("", "Edited by hand before prices were stored as traded (check that these values are as traded; the pipeline does not rewrite them):");
    lines.push(...o.manual.map(row));
  }
  return lines;
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
  for (const r of [header, ...rows])
    lines.push(
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    );
  lines.push(...formatOldBasis(report.oldBasis));
  if (report.curated) lines.push("", ...formatCurated(report.symbols, report.curated, report.latestCompletedSession));
  lines.push("");
  lines.push(report.recentRuns.length ? "Recent runs:" : "No pipeline runs recorded yet.");
  for (const r of report.recentRuns) {
    const took = r.durationMs === null ? "" : ` in ${(r.durationMs / 1000).toFixed(1)} s`;
    lines.push(`  ${r.startedAt}  ${r.command.padEnd(9)} ${r.outcome}${took}, ${r.apiRequests} API request(s): ${r.error ?? r.message ?? ""}`);
  }
  return lines.join("\n");
}

/** MongoDB's records beside the curated layer's sessions and rows (the whole market). */
export function formatCurated(symbols: readonly SymbolCoverage[], c: CuratedCoverage, latest: string): string[] {
  const n = (x: number) => x.toLocaleString("en-US");
  const withData = symbols.filter((s) => s.first !== null);
  const records = withData.reduce((t, s) => t + s.records, 0);
  const first = withData.reduce<string | null>((m, s) => (m === null || s.first! < m ? s.first : m), null);
  const last = withData.reduce<string | null>((m, s) => (m === null || s.last! > m ? s.last : m), null);
  const lines = [`MongoDB: ${n(records)} record(s) of ${withData.length} symbol(s)${first ? `, ${first}..${last}` : ""}`];
  if (c.error) return [...lines, `Curated layer (${c.lake}): cannot be listed: ${c.error}`];
  const rows = c.rows === null ? "rows not counted on a gs:// lake" : `${n(c.rows)} row(s)`;
  const span = c.first ? `, ${c.first}..${c.last}${c.last! < latest ? ` (behind ${latest})` : ""}` : "";
  const gaps = c.gaps.length ? `; ${c.gaps.length} session(s) without a partition (${c.gaps.slice(0, 3).join(", ")}${c.gaps.length > 3 ? ", …" : ""})` : "";
  lines.push(
    `Curated layer (Parquet, every ticker): ${n(c.sessions)} session(s)${span}, ${rows}${gaps}; corporate actions: ${c.actionYears} year file(s)${c.actionRows === null ? "" : `, ${n(c.actionRows)} row(s)`}`,
  );
  for (const u of c.unreadable) lines.push(`  UNREADABLE: ${u.message}`);
  return lines;
}
