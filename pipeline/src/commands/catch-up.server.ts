/**
 * A daily command without `--date`: the latest completed session, and before
 * it every session missed since the last one loaded for the watchlist (the
 * machine was off, the scheduler down), oldest first, one grouped request
 * each, at most MAX_CATCH_UP_SESSIONS in all. Older missed sessions are named
 * with the back-fill that fills them; an empty database loads just the latest.
 */
import type { Db } from "mongodb";
import { nextTradingDay, tradingDaysBetween, type IsoDate } from "../calendar/nyse.js";
import type { TickerSelection } from "../config.server.js";
import { getSymbolSummaries } from "../db/symbol-summaries.server.js";
import type { RunCounts } from "../db/runs.server.js";
import type { CommandResult, Context } from "./context.server.js";
import { extract, load, run, type DailyArgs } from "./daily.server.js";
import { progressBar } from "./progress.js";

export interface CatchUpPlan {
  latest: IsoDate;
  /** The latest session with a live record of a watched ticker; null for none. */
  lastLoaded: IsoDate | null;
  /** What this run ingests, ascending; the latest session is the last one. */
  sessions: IsoDate[];
  /** Missed sessions left out by the cap, ascending. */
  skipped: IsoDate[];
}

/** Which sessions a daily run ingests (pure). */
export function catchUpPlan(latest: IsoDate, lastLoaded: IsoDate | null, maxSessions: number): CatchUpPlan {
  // Nothing loaded yet, or already up to date (or ahead, after an explicit --date): just the latest, again if need be.
  if (lastLoaded === null || lastLoaded >= latest) return { latest, lastLoaded, sessions: [latest], skipped: [] };
  const missing = tradingDaysBetween(nextTradingDay(lastLoaded), latest);
  const cut = Math.max(0, missing.length - maxSessions);
  return { latest, lastLoaded, sessions: missing.slice(cut), skipped: missing.slice(0, cut) };
}

/**
 * The last session loaded for the watchlist, from the per-symbol summaries
 * (a read of at most 64 bucket documents by `_id`: index-served on MongoDB,
 * and no scan of daily_prices on FerretDB). The newest of the tickers' last
 * sessions: a ticker that stopped trading must not make every run re-ingest.
 */
export async function lastLoadedSession(db: Db, tickers: TickerSelection): Promise<IsoDate | null> {
  let last: IsoDate | null = null;
  for (const s of (await getSymbolSummaries(db, tickers === "*" ? undefined : tickers)).values()) {
    if (s.last !== null && (last === null || s.last > last)) last = s.last;
  }
  return last;
}

/** The exact command that fills sessions a capped run left out. */
export function backfillCommand(skipped: readonly IsoDate[], tickers: TickerSelection): string {
  const from = skipped[0]!;
  const to = skipped[skipped.length - 1]!;
  // backfill fetches per ticker; the whole market takes one grouped run per session.
  if (tickers === "*") return `for d in ${skipped.join(" ")}; do stock-pipeline run --date "$d" || break; done`;
  return `stock-pipeline backfill --from ${from} --to ${to} --tickers ${tickers.join(",")}`;
}

export type DailyStep = "extract" | "load" | "run";
const STEPS: Record<DailyStep, (ctx: Context, args: DailyArgs) => Promise<CommandResult>> = { extract, load, run };

/** The counts of one session's load, as the difference of the run's totals. */
function countsLine(before: RunCounts, after: RunCounts): string {
  const d = (k: keyof RunCounts) => after[k] - before[k];
  const parts = [`${d("inserted")} inserted`, `${d("updated")} updated`, `${d("unchanged")} unchanged`];
  if (d("protectedManual")) parts.push(`${d("protectedManual")} left alone (edited by hand)`);
  if (d("rejected")) parts.push(`${d("rejected")} rejected`);
  return parts.join(", ");
}

/** `extract` / `load` / `run` without --date: the plan above, one session at a time, with a progress line each. */
export async function catchUp(ctx: Context, step: DailyStep, args: Omit<DailyArgs, "date"> & { latest: IsoDate }): Promise<CommandResult> {
  const plan = catchUpPlan(args.latest, await lastLoadedSession(ctx.db, args.tickers), ctx.config.maxCatchUpSessions);
  const { sessions, skipped, lastLoaded } = plan;
  const warnings: string[] = [];
  if (skipped.length) {
    const range = skipped.length === 1 ? skipped[0] : `${skipped[0]} to ${skipped[skipped.length - 1]}`;
    warnings.push(
      `${skipped.length} missed session(s) (${range}) were not ingested: the last one loaded is ${lastLoaded} and a daily run takes at most ` +
        `MAX_CATCH_UP_SESSIONS=${ctx.config.maxCatchUpSessions}; fill them with: ${backfillCommand(skipped, args.tickers)}`,
    );
    ctx.log(`${step}: warning: ${warnings[0]}`);
  }
  if (sessions.length > 1) ctx.log(`${step}: the last session loaded is ${lastLoaded}; ingesting the ${sessions.length} sessions since: ${sessions.join(", ")}`);
  const results: Array<{ date: IsoDate; result: CommandResult }> = [];
  for (const [i, date] of sessions.entries()) {
    const before = { ...ctx.counts };
    try {
      const result = await STEPS[step](ctx, { ...args, date });
      results.push({ date, result });
      if (sessions.length > 1) ctx.log(`${step} ${progressBar(i + 1, sessions.length)} ${date}: ${step === "extract" ? result.message : countsLine(before, ctx.counts)}`);
    } catch (e) {
      // The error itself is reported by the CLI; this line says how far the run got, and that the next one resumes.
      const done = results.length ? `${results.map((r) => r.date).join(", ")} done` : "no session done";
      if (sessions.length > 1) ctx.log(`${step}: stopped at ${date} (${done}); the next run without --date starts again after the last session loaded`);
      throw e;
    }
  }
  const plural = sessions.length > 1;
  const common = { sessions, missed: sessions.slice(0, -1), lastLoaded, skipped, ...(skipped.length && { backfill: backfillCommand(skipped, args.tickers) }) };
  const only = results[0]!.result;
  if (!plural) return { ...only, warnings: [...warnings, ...(only.warnings ?? [])], details: { ...only.details, ...common } };
  for (const { date, result } of results) for (const w of result.warnings ?? []) warnings.push(`${date}: ${w}`);
  const done = step === "extract" ? "extracted" : "loaded";
  const c = ctx.counts;
  const totals = step === "extract" ? `${ctx.lakeObjectsWritten} lake object(s) written` : `${c.inserted} inserted, ${c.updated} updated, ${c.unchanged} unchanged`;
  return {
    outcome: results.some((r) => r.result.outcome === "rejected-records") ? "rejected-records" : "success",
    message: `${done} ${sessions.length} sessions since ${lastLoaded}, the last one loaded (${sessions.join(", ")}): ${totals}`,
    ...(warnings.length && { warnings }),
    details: { ...common, perSession: results.map(({ date, result }) => ({ date, ...result.details, actions: undefined })) },
  };
}
