/**
 * The curate step (decision 080): raw/ → curated/ for a date range, with no
 * API request. Used by the `curate` command and, after their MongoDB load,
 * by `load`/`run`, `backfill` and `reprocess` for the sessions they touched.
 *
 * Exports for the other parts: `curatedBarsKey`, `curatedActionsKey`
 * (./layout.ts), `curate` (this file), `curatedCoverage` (./coverage.server.ts).
 */
import { actionKeysBetween } from "../commands/actions.server.js";
import { curateActions, type ActionsReport } from "./actions.server.js";
import { curateBars, type BarsReport, type CurateContext } from "./bars.server.js";
import { ParquetFiles } from "./parquet.server.js";

export interface CurateReport {
  from: string;
  to: string;
  bars: BarsReport;
  actions: ActionsReport;
  ms: number;
}

export interface CurateOptions {
  /**
   * The raw actions objects to merge (what the load step loaded). Default:
   * every actions object of the range (actionKeysBetween), and every year of
   * the range is checked and rebuilt if its file is unreadable.
   */
  actionKeys?: readonly string[];
  /** Rewrite only the sessions that range pages cover (after a back-fill: the other sessions did not change). */
  rangeSessionsOnly?: boolean;
}

function yearsOf(from: string, to: string): string[] {
  const out: string[] = [];
  for (let y = Number(from.slice(0, 4)); y <= Number(to.slice(0, 4)); y++) out.push(String(y));
  return out;
}

/** Rebuilds the curated partitions of [from, to] from raw/ and merges the range's corporate actions. */
export async function curate(ctx: CurateContext, from: string, to: string, opts: CurateOptions = {}): Promise<CurateReport> {
  const started = performance.now();
  const files = await ParquetFiles.open();
  try {
    const bars = await curateBars(ctx, files, from, to, opts.rangeSessionsOnly ?? false);
    const keys = opts.actionKeys ?? (await actionKeysBetween(ctx, from, to));
    const actions = await curateActions(ctx, files, keys, opts.actionKeys ? [] : yearsOf(from, to));
    return { from, to, bars, actions, ms: Math.round(performance.now() - started) };
  } finally {
    await files.close();
  }
}

/** "curated 3 session(s), 33,012 rows (2 written, 1 unchanged); actions: 2 year file(s), 140 rows". */
export function curateSummary(r: CurateReport): string {
  const b = r.bars;
  const a = r.actions;
  const parts = [`curated ${b.sessions.length} session(s) ${r.from}..${r.to}, ${b.rows} rows (${b.written} written, ${b.unchanged} unchanged)`];
  if (b.rejected) parts.push(`${b.rejected} invalid row(s) left out (as the load quarantines them)`);
  if (b.skipped.length) parts.push(`${b.skipped.length} old-basis object(s) skipped`);
  parts.push(
    `corporate actions: ${a.years.length} year file(s), ${a.rows} rows (${a.written} written, ${a.unchanged} unchanged${a.rebuilt.length ? `, ${a.rebuilt.length} rebuilt` : ""})`,
  );
  return `${parts.join("; ")} in ${r.ms} ms`;
}
