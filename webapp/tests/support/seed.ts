/**
 * Deterministic made-up bars for the browser tests and the benchmarks,
 * written through the pipeline's own upsert (feed "synthetic"), and a run
 * record like the CLI leaves, so every page has something real to show.
 */
import { tradingDaysBetween } from "@stock-market/pipeline/calendar/nyse";
import { upsertCorporateActions } from "@stock-market/pipeline/db/corporate-actions.server";
import { upsertPipelineBars } from "@stock-market/pipeline/db/pipeline-upserts.server";
import type { CorporateAction, SplitAction } from "@stock-market/pipeline/model/corporate-action";
import type { CleanBar } from "@stock-market/pipeline/transform/bars";
import { finishRun, startRun } from "@stock-market/pipeline/db/runs.server";
import { hash32, mulberry32 } from "@stock-market/pipeline/fake-polygon/synthetic";
import type { Db } from "mongodb";

/** A bar as the pipeline's upsert takes it. */
export type SeedBar = CleanBar;

const r2 = (x: number) => Math.round(x * 100) / 100;

/** A random walk over the NYSE trading days from..to, valid by the shared rules. */
export function syntheticBars(symbol: string, from: string, to: string, opts: { start?: number; seed?: number; skip?: readonly string[] } = {}): SeedBar[] {
  const rnd = mulberry32(opts.seed ?? hash32(symbol));
  const skip = new Set(opts.skip ?? []);
  let close = opts.start ?? 100;
  const out: SeedBar[] = [];
  for (const date of tradingDaysBetween(from, to)) {
    const open = r2(close * (1 + (rnd() - 0.5) * 0.02));
    close = r2(Math.max(1, open * (1 + (rnd() - 0.5) * 0.04)));
    const high = r2(Math.max(open, close) * (1 + rnd() * 0.01));
    const low = r2(Math.min(open, close) * (1 - rnd() * 0.01));
    if (!skip.has(date)) out.push({ symbol, date, open, high, low, close, volume: Math.round(1e6 + rnd() * 5e6) });
  }
  return out;
}

/** Writes bars as a pipeline run would, with a run record of its counts. */
export async function seedBars(db: Db, bars: readonly SeedBar[], command = "backfill"): Promise<void> {
  const runId = await startRun(db, { command, args: { seeded: true }, feed: "synthetic", host: "test" });
  const counts = await upsertPipelineBars(db, bars, { feed: "synthetic", runId, lakeObjectOf: (b) => `raw/synthetic/range/ticker=${b.symbol}/seed.json` });
  await finishRun(db, runId, {
    outcome: "success",
    counts: { rows: bars.length, valid: bars.length, rejected: 0, ...counts },
    apiRequests: 0,
    lakeObjectsWritten: 0,
    lakeObjectsRead: 0,
    message: `seeded ${bars.length} bars`,
  });
}

/**
 * Turns a continuous (split-adjusted) series into what traded around `split`:
 * every bar before the execution date in the pre-split share basis (prices
 * times split_to/split_from, volume divided by it), so the raw history has
 * the step that the split view must remove.
 */
export function asTradedAcross(bars: readonly SeedBar[], split: Pick<SplitAction, "date" | "splitFrom" | "splitTo">): SeedBar[] {
  const ratio = split.splitTo / split.splitFrom;
  const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
  return bars.map((b) =>
    b.date < split.date
      ? { ...b, open: r4(b.open * ratio), high: r4(b.high * ratio), low: r4(b.low * ratio), close: r4(b.close * ratio), volume: Math.round(b.volume / ratio) }
      : b,
  );
}

/** Writes actions as a daily run would (feed "synthetic"). */
export async function seedActions(db: Db, actions: readonly CorporateAction[]): Promise<void> {
  const runId = await startRun(db, { command: "run", args: { seeded: true }, feed: "synthetic", host: "test" });
  await upsertCorporateActions(db, actions, {
    feed: "synthetic",
    runId,
    lakeObjectOf: (a) => `raw/synthetic/${a.kind === "split" ? "splits" : "dividends"}/date=${a.date}/page-0001.json`,
  });
  await finishRun(db, runId, {
    outcome: "success",
    counts: { rows: actions.length, valid: actions.length, rejected: 0, inserted: actions.length, updated: 0, unchanged: 0, protectedManual: 0 },
    apiRequests: 0,
    lakeObjectsWritten: 0,
    lakeObjectsRead: 0,
    message: `seeded ${actions.length} actions`,
  });
}
