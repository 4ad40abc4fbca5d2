/**
 * Bench of the curate step (decision 080): one whole-market session (the fake
 * server's grouped day, ~11,000 tickers) from raw/ to
 * curated/daily_bars/date=D/part-0.parquet in a local lake, as the load step
 * does it (parse with the load's parser, merge, DuckDB writes Parquet to a
 * temp file, the lake's atomic put). Reports the median of a few runs (each
 * one writes: the partition is removed first), a re-run that finds the file
 * unchanged, and the Parquet bytes per session.
 *
 *   cd pipeline && npx tsx bench/curated.ts [--quick]
 *
 * Writes bench-results/curated.json; progress on stderr, one table on stdout.
 */
import { cpus } from "node:os";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { previousTradingDay, todayInNewYork } from "../src/calendar/nyse.js";
import { curate } from "../src/curated/curate.server.js";
import { curatedBarsKey } from "../src/curated/layout.js";
import type { CurateContext } from "../src/curated/bars.server.js";
import { startFakePolygon } from "../src/fake-polygon/server.js";
import { openLake } from "../src/lake/lake.js";
import { groupedKey } from "../src/lake/layout.js";
import { PolygonClient } from "../src/polygon/client.server.js";
import { int, median, ms, round, say, timed } from "./measure.js";

/** bench-results/curated.json (read by webapp/bench/table.ts). */
export interface CuratedBenchResult {
  generatedAt: string;
  machine: { node: string; platform: string; cpus: number; cpuModel: string };
  quick: boolean;
  runs: number;
  day: string;
  key: string;
  rawBytes: number;
  rows: number;
  parquetBytesPerSession: number;
  curateSessionMs: { median: number; min: number; max: number; all: number[] };
  rerunUnchangedMs: { median: number };
  targetMs: number;
  totalSeconds: number;
}

const RESULTS = fileURLToPath(new URL("../../bench-results/curated.json", import.meta.url));
const quick = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";
const RUNS = quick ? 3 : 7;
const TARGET_MS = 1000;

async function main(): Promise<void> {
  const started = Date.now();
  const work = await mkdtemp(join(tmpdir(), "bench-curated-"));
  const fake = await startFakePolygon({ universeSize: 11_000, apiKeys: ["bench-key"] });
  try {
    const day = previousTradingDay(todayInNewYork());
    const polygon = new PolygonClient({ baseUrl: fake.url, apiKey: "bench-key", maxRequestsPerMinute: 60_000, timeoutMs: 60_000, maxRetries: 0, retryBaseMs: 100 });
    const grouped = await polygon.grouped(day, { tradingDay: true });
    say(`grouped day ${day}: ${grouped.resultsCount} rows, ${grouped.body.length} bytes`);
    const lake = openLake(join(work, "lake"));
    await lake.put(groupedKey("polygon", day), grouped.body, {});
    const ctx: CurateContext = { lake, log: () => undefined, config: { feed: "polygon" } as CurateContext["config"] };

    const write: number[] = [];
    let rows = 0;
    let bytes = 0;
    for (let i = 0; i < RUNS; i++) {
      await rm(join(work, "lake", "curated"), { recursive: true, force: true });
      const { ms: t, value } = await timed(() => curate(ctx, day, day));
      if (value.bars.written !== 1) throw new Error(`run ${i + 1} did not write the partition`);
      rows = value.bars.rows;
      bytes = value.bars.bytes;
      write.push(t);
      say(`run ${i + 1}/${RUNS}: curated ${rows} rows in ${ms(t)}`);
    }
    const unchanged: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const { ms: t, value } = await timed(() => curate(ctx, day, day));
      if (value.bars.unchanged !== 1) throw new Error("a re-run rewrote an unchanged partition");
      unchanged.push(t);
    }
    const result: CuratedBenchResult = {
      generatedAt: new Date().toISOString(),
      machine: { node: process.version, platform: `${process.platform} ${process.arch}`, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "?" },
      quick,
      runs: RUNS,
      day,
      key: curatedBarsKey(day),
      rawBytes: grouped.body.length,
      rows,
      parquetBytesPerSession: bytes,
      curateSessionMs: { median: round(median(write)), min: round(Math.min(...write)), max: round(Math.max(...write)), all: write.map((x) => round(x)) },
      rerunUnchangedMs: { median: round(median(unchanged)) },
      targetMs: TARGET_MS,
      totalSeconds: (Date.now() - started) / 1000,
    };
    const table = [
      "| curated layer (bench/curated.ts) | value |",
      "|---|---|",
      `| curate one whole-market session (${int(rows)} tickers), median of ${RUNS} | ${ms(result.curateSessionMs.median)} (target < ${ms(TARGET_MS)}) |`,
      `| re-run, partition unchanged (not rewritten), median | ${ms(result.rerunUnchangedMs.median)} |`,
      `| Parquet bytes per session | ${int(bytes)} (raw JSON ${int(grouped.body.length)}) |`,
    ];
    process.stdout.write(table.join("\n") + "\n");
    await mkdir(join(RESULTS, ".."), { recursive: true });
    await writeFile(RESULTS, JSON.stringify(result, null, 2) + "\n");
    say(`wrote ${RESULTS}`);
  } finally {
    await fake.close();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
