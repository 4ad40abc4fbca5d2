/**
 * Bench of the market screener (decision 081): the movers query over a
 * curated lake of 1 year x ~11,000 tickers (the fake server's whole market),
 * cold (the first query of a fresh process: DuckDB start, file footers) and
 * warm (median of repeats), plus the page's snapshot and breadth series and
 * the Parquet bytes per session. Writes bench-results/market.json.
 *
 *   npx tsx bench/market.ts [--quick]     (--quick: 2,000 tickers, fewer repeats)
 *
 * The cold figure is measured in a child process, so this process's own
 * DuckDB and page cache of the query do not count.
 */
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { addDays, tradingDaysBetween } from "../src/calendar/nyse.js";
import { actionBookFor } from "../src/fake-polygon/action-book.js";
import { servedDay } from "../src/fake-polygon/served-bars.js";
import { syntheticUniverse } from "../src/fake-polygon/synthetic.js";
import { writeCuratedBars, writeCuratedSplits, type FixtureBar } from "../src/market/curated-fixture.server.js";
import { Screener } from "../src/market/screener.server.js";
import { curatedSourceFor } from "../src/market/source.server.js";
import { median, round, say, timed } from "./measure.js";

/** One query's figures: cold in a fresh process, warm (new Screener, warm DuckDB) and the same request again (memo). */
export interface MarketQueryFigures {
  coldMs: number;
  warmMedianMs: number;
  warmMaxMs: number;
  /** CPU time of this process (DuckDB's threads included) per warm run: less sensitive than wall time to a busy machine. */
  warmCpuMedianMs: number;
  repeats: number;
  memoHitMs: number;
}

/** bench-results/market.json (read by webapp/bench/table.ts). */
export interface MarketBenchResult {
  name: "market";
  quick: boolean;
  measuredAt: string;
  machine: { node: string; platform: string; cpus: number; cpuModel: string };
  description: string;
  targets: { moversWarmMs: number };
  loadAverageBefore: number;
  loadAverageAfter: number;
  tickers: number;
  sessions: number;
  rows: number;
  fixtureWriteMs: number;
  parquetBytesPerSession: number;
  movers: MarketQueryFigures;
  snapshot: MarketQueryFigures;
  series: MarketQueryFigures;
}

const SEED = "bench-market";
const LATEST = "2025-06-27";
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

async function child(lake: string, what: "movers" | "snapshot" | "series"): Promise<void> {
  const screener = new Screener(curatedSourceFor(lake));
  const { ms } = await timed((): Promise<unknown> =>
    what === "movers" ? screener.movers(undefined, 10) : what === "snapshot" ? screener.snapshot(undefined, 20) : screener.breadthSeries(undefined, 126),
  );
  process.stdout.write(JSON.stringify({ ms }));
}

function coldInChild(lake: string, what: string): number {
  const r = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--child", lake, what], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cold ${what} child failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { ms: number }).ms;
}

async function buildLake(dir: string, tickers: number, sessions: string[]): Promise<{ ms: number; rows: number }> {
  const universe = syntheticUniverse(tickers);
  const book = actionBookFor(SEED, universe);
  let rows = 0;
  function* bars(): Generator<FixtureBar> {
    for (const date of sessions) {
      const day = servedDay(book, universe, date, "close", { adjusted: false, today: LATEST });
      for (const [i, b] of day.entries()) {
        rows++;
        yield { symbol: universe[i]!, date, open: b.o, high: b.h, low: b.l, close: b.c, volume: b.v, vwap: b.vw ?? null, transactions: b.n ?? null, otc: b.otc ?? false };
      }
    }
  }
  const { ms } = await timed(async () => {
    await writeCuratedBars(dir, bars());
    const splits = book.splitsBetween(sessions[0], LATEST).map((s) => ({ id: s.id, symbol: s.ticker, date: s.execution_date, split_from: s.split_from, split_to: s.split_to }));
    await writeCuratedSplits(dir, splits);
  });
  return { ms, rows };
}

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";
  const tickers = quick ? 2_000 : 11_000;
  const repeats = quick ? 5 : 15;
  const sessions = tradingDaysBetween(addDays(LATEST, -365), LATEST);
  const dir = await mkdtemp(path.join(tmpdir(), "bench-market-"));
  try {
    say(`market: writing ${sessions.length} sessions x ${tickers} tickers of curated Parquet…`);
    const built = await buildLake(dir, tickers, sessions);
    const partDir = path.join(dir, "curated", "daily_bars");
    const sizes = await Promise.all((await readdir(partDir)).map((d) => stat(path.join(partDir, d, "part-0.parquet")).then((s) => s.size)));
    // The machine is shared: the 1-minute load average before the queries, to read the figures by.
    const loadAverageBefore = round(loadavg()[0]!, 2);
    const figures: Partial<Record<"movers" | "snapshot" | "series", MarketQueryFigures>> = {};
    for (const what of ["movers", "snapshot", "series"] as const) {
      const coldMs = coldInChild(dir, what);
      // A new Screener per run: the process's DuckDB is warm, but the screener's result memo is empty.
      const run = (screener = new Screener(curatedSourceFor(dir))): Promise<unknown> =>
        what === "movers" ? screener.movers(undefined, 10) : what === "snapshot" ? screener.snapshot(undefined, 20) : screener.breadthSeries(undefined, 126);
      await run();
      const times: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < repeats; i++) {
        const before = process.cpuUsage();
        times.push((await timed(() => run())).ms);
        const used = process.cpuUsage(before);
        cpu.push((used.user + used.system) / 1000);
      }
      const same = new Screener(curatedSourceFor(dir));
      await run(same);
      const memoMs = (await timed(() => run(same))).ms;
      figures[what] = {
        coldMs: round(coldMs),
        warmMedianMs: round(median(times)),
        warmMaxMs: round(Math.max(...times)),
        warmCpuMedianMs: round(median(cpu)),
        repeats,
        memoHitMs: round(memoMs),
      };
      say(`market: ${what} cold ${round(coldMs)} ms, warm median ${round(median(times))} ms over ${repeats} (CPU ${round(median(cpu))} ms), repeated request ${round(memoMs)} ms`);
    }
    const out = path.join(ROOT, "bench-results", "market.json");
    await mkdir(path.dirname(out), { recursive: true });
    const result: MarketBenchResult = {
      name: "market",
      quick,
      measuredAt: new Date().toISOString(),
      machine: { node: process.version, platform: `${process.platform} ${process.arch}`, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "?" },
      description:
        "Market screener over a curated lake of one year of the whole (fake) market. movers: the API's query (the session and the 10 before it); snapshot: the /market page's lists and breadth (52 weeks of partitions); series: its breadth chart (126 sessions plus the 199 before them for the 200-day average: the whole year here). cold = first query in a fresh process, warm = median of repeats in one process (new Screener each), warmCpu = its CPU time (both DuckDB threads), memoHit = the same request again.",
      targets: { moversWarmMs: 1000 },
      loadAverageBefore,
      loadAverageAfter: round(loadavg()[0]!, 2),
      tickers,
      sessions: sessions.length,
      rows: built.rows,
      fixtureWriteMs: round(built.ms),
      parquetBytesPerSession: Math.round(median(sizes)),
      movers: figures.movers!,
      snapshot: figures.snapshot!,
      series: figures.series!,
    };
    await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
    say(`market: wrote ${path.relative(ROOT, out)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--child") await child(process.argv[3]!, process.argv[4] as "movers");
else await main();
