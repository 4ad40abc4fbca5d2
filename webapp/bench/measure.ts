/**
 * Timing for the web app bench: adaptive runs of one loader call, each split
 * into database and our time by the command monitor, and the commands the
 * call sent with the index that would serve each on MongoDB.
 */
import { performance } from "node:perf_hooks";
import type { CommandMonitor, SentCommand } from "./monitor";
import { planFor, type IndexInfo, type Plan } from "./indexes";

export const say = (s: string) => process.stderr.write(`bench: ${s}\n`);

export interface Stats {
  median: number;
  p95: number;
}

export interface CommandFigure {
  command: string;
  filter: string;
  sort: string | null;
  /** Median round trip of this command across the runs (getMores included). */
  medianMs: number;
  getMores: number;
  plan: Plan;
  /** The server's explain, untimed (FerretDB: SQLite plan and pushdown; MongoDB: winning plan). */
  server: string | null;
}

export interface Figure {
  runs: number;
  /** Why the runs stopped: the requested number, or the time budget. */
  stoppedBy: "runs" | "time budget";
  /** Whether the warm-up call was slow enough to count as the first run. */
  warmUpCounted: boolean;
  total: Stats;
  database: Stats;
  ours: Stats;
  commands: CommandFigure[];
}

const r1 = (n: number) => Math.round(n * 10) / 10;

/** Nearest-rank percentile. */
export function percentile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? Number.NaN;
}
const stats = (xs: number[]): Stats => ({ median: r1(percentile(xs, 0.5)), p95: r1(percentile(xs, 0.95)) });

/** Mongo shell-like text of a filter or sort: `{symbol: "S1", deletedAt: {$exists: false}}`. */
export function shell(doc: unknown): string {
  const json = JSON.stringify(doc, function (this: Record<string, unknown>, k: string, v: unknown) {
    const raw = k ? this[k] : v;
    return raw instanceof Date ? `ISODate(${raw.toISOString().slice(0, 10)})` : v;
  });
  return (json ?? "")
    .replace(/"([A-Za-z_$][\w$]*)":/g, "$1: ")
    .replace(/"ISODate\(([^)]*)\)"/g, "ISODate($1)")
    .replace(/,(?=\S)/g, ", ");
}

const signature = (c: SentCommand) => `${c.name}|${c.collection}|${c.key ?? ""}|${shell(c.filter)}|${shell(c.sort ?? null)}`;

export interface MeasureOptions {
  maxRuns: number;
  minRuns?: number;
  /** Stop starting new runs after this long (warm-up included). */
  budgetMs: number;
  /** A warm-up slower than this counts as the first run: on a scan, caching changes nothing and the time is better spent. */
  slowMs?: number;
  /** Asks the server how it runs a command (explain.ts). */
  explain?: (c: SentCommand) => Promise<string | null>;
}

/**
 * Calls `fn` once to warm up, then at least `minRuns` (3) times and at most
 * `maxRuns`, stopping early once `budgetMs` has passed; progress on stderr.
 */
export async function measure(label: string, monitor: CommandMonitor, indexes: readonly IndexInfo[], fn: () => Promise<unknown>, o: MeasureOptions): Promise<Figure> {
  const minRuns = o.minRuns ?? 3;
  const started = performance.now();
  const samples: { total: number; db: number; commands: SentCommand[] }[] = [];
  const once = async () => {
    monitor.begin();
    const t = performance.now();
    await fn();
    const total = performance.now() - t;
    const p = monitor.end();
    return { total, db: Math.min(p.dbMs, total), commands: p.commands };
  };
  const warm = await once();
  const warmUpCounted = warm.total >= (o.slowMs ?? 5_000);
  if (warmUpCounted) samples.push(warm);
  say(`${label}: warm-up ${r1(warm.total)} ms${warmUpCounted ? " (slow: counted as run 1)" : ""}`);
  let lastReport = performance.now();
  while (samples.length < minRuns || (samples.length < o.maxRuns && performance.now() - started < o.budgetMs)) {
    samples.push(await once());
    const s = samples[samples.length - 1]!;
    if (s.total > 1_000 || performance.now() - lastReport > 10_000) {
      say(`${label}: run ${samples.length}: ${r1(s.total)} ms (database ${r1(s.db)} ms); ${Math.round((performance.now() - started) / 1000)} s so far`);
      lastReport = performance.now();
    }
  }
  const bySig = new Map<string, { c: SentCommand; ms: number[] }>();
  for (const s of samples) {
    for (const c of s.commands) {
      const k = signature(c);
      const e = bySig.get(k) ?? { c, ms: [] };
      e.ms.push(c.ms);
      bySig.set(k, e);
    }
  }
  const commands: CommandFigure[] = [];
  for (const { c, ms } of bySig.values()) {
    commands.push({
      command: c.name === "aggregate" && c.isCount ? "aggregate (countDocuments)" : c.name === "distinct" ? `distinct ${c.key}` : c.name,
      filter: shell(c.filter),
      sort: c.sort ? shell(c.sort) : null,
      medianMs: r1(percentile(ms, 0.5)),
      getMores: c.getMores,
      plan: planFor(c, indexes),
      server: o.explain ? await o.explain(c) : null,
    });
  }
  const fig: Figure = {
    runs: samples.length,
    stoppedBy: samples.length >= o.maxRuns ? "runs" : "time budget",
    warmUpCounted,
    total: stats(samples.map((s) => s.total)),
    database: stats(samples.map((s) => s.db)),
    ours: stats(samples.map((s) => s.total - s.db)),
    commands,
  };
  say(`${label}: median ${fig.total.median} ms = database ${fig.database.median} + ours ${fig.ours.median} (${fig.runs} runs)`);
  return fig;
}
