import { statusReport } from "@stock-market/pipeline/commands/status.server";
import { recentRuns } from "@stock-market/pipeline/db/runs.server";
import type { Db } from "mongodb";

/** Coverage per symbol against the NYSE calendar (the CLI's `status`), plus the recent runs with their counts. */
export async function dataHealth(db: Db, now = new Date()) {
  const [report, runs] = await Promise.all([statusReport(db, "*", now), recentRuns(db, 20)]);
  const lastSuccess = runs.find((r) => r.outcome === "success" || r.outcome === "rejected-records" || r.outcome === "market-closed");
  return {
    latestCompletedSession: report.latestCompletedSession,
    feeds: report.feeds,
    symbols: report.symbols.map((s) => ({ ...s, gaps: s.gaps.slice(0, 50), gapCount: s.gaps.length })),
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
