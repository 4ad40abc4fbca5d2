import { latestCompletedSession } from "@stock-market/pipeline/calendar/nyse";
import { coverageReport } from "@stock-market/pipeline/commands/status.server";
import { curatedCoverage } from "@stock-market/pipeline/curated/coverage.server";
import { listSourcedActionsFor, type SourcedAction } from "@stock-market/pipeline/db/corporate-actions.server";
import { recentRuns } from "@stock-market/pipeline/db/runs.server";
import { describeDividend, describeSplit } from "@stock-market/pipeline/model/corporate-action";
import type { Db } from "mongodb";
import { getEnv } from "~/env.server";
import { cachedRead } from "~/read-cache.server";

/**
 * The most actions listed per symbol: a long-listed dividend payer would
 * otherwise fill the page (at 20, 100 symbols made a 1 MB page that took
 * 230 ms to render); the rest are a link away (the corporate-actions API).
 */
export const ACTIONS_PER_SYMBOL = 8;

export interface HealthAction {
  kind: "split" | "dividend";
  id: string;
  date: string;
  /** "4-for-1", "$0.12 cash dividend". */
  what: string;
  /** Applied from its date on; announced when dated after the symbol's latest session. */
  status: "applied" | "announced";
  lakeObject: string;
}

/**
 * Coverage per symbol against the NYSE calendar (the CLI's `status`) and of
 * the lake's curated layer (sessions, rows of the whole market), each
 * symbol's corporate actions, and the recent runs with their counts. The
 * coverage and actions are cached per data version and session day; the
 * runs (which no data write moves) are read on every request.
 */
export async function dataHealth(db: Db, now = new Date()) {
  const env = getEnv();
  const [[report, actions], runs, curated] = await Promise.all([
    cachedRead(
      db,
      `health\u0000${latestCompletedSession(now)}`,
      // One query over corporate_actions for every symbol, once the symbols are known.
      () =>
        coverageReport(db, "*", now).then(
          async (r) =>
            [
              r,
              await listSourcedActionsFor(
                db,
                r.symbols.map((s) => s.symbol),
              ),
            ] as const,
        ),
      ([r]) => r.symbols.length,
    ),
    recentRuns(db, 20),
    // The same function as the CLI's status (decision 080): a listing and the Parquet footers, never the rows.
    curatedCoverage(env.lakeUri, { gcsApiEndpoint: env.GCS_API_ENDPOINT, projectId: env.GCS_PROJECT_ID }),
  ]);
  const lastSuccess = runs.find((r) => r.outcome === "success" || r.outcome === "rejected-records" || r.outcome === "market-closed");
  return {
    latestCompletedSession: report.latestCompletedSession,
    feeds: report.feeds,
    oldBasis: report.oldBasis,
    curated: { ...curated, gaps: curated.gaps.slice(0, 20), gapCount: curated.gaps.length },
    symbols: report.symbols.map((s) => {
      const all = actions.get(s.symbol) ?? [];
      return {
        ...s,
        gaps: s.gaps.slice(0, 50),
        gapCount: s.gaps.length,
        // The newest ones: what a person checks after a run.
        actions: all.slice(-ACTIONS_PER_SYMBOL).map((a) => healthAction(a, s.last)),
        actionCount: all.length,
      };
    }),
    lastSuccessAt: lastSuccess?.finishedAt?.toISOString() ?? lastSuccess?.startedAt.toISOString() ?? null,
    runs: runs.map((r) => ({
      id: r._id,
      command: r.command,
      args: Object.entries(r.args ?? {})
        .filter(([, v]) => v !== undefined && v !== null && v !== false)
        .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") : String(v)}`)
        .join(" "),
      feed: r.feed,
      outcome: r.outcome,
      startedAt: r.startedAt.toISOString(),
      durationMs: r.durationMs ?? null,
      counts: r.counts,
      apiRequests: r.apiRequests,
      message: r.message ?? null,
      error: r.error ? `${r.error.kind}: ${r.error.message}` : null,
    })),
  };
}

function healthAction({ action: a, lakeObject }: SourcedAction, last: string | null): HealthAction {
  return {
    kind: a.kind,
    id: a.id,
    date: a.date,
    what: a.kind === "split" ? describeSplit(a) : describeDividend(a),
    status: last !== null && a.date > last ? "announced" : "applied",
    lakeObject,
  };
}
