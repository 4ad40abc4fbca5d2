/**
 * `npm run bench`: the pipeline's benchmark (not a test: no pass/fail on time).
 * Starts its own FerretDB on a temporary data directory and its own fake
 * Polygon server (11,000 tickers), measures
 *   (a) loading one grouped day through our path vs a plain insertMany,
 *   (b) loading the same day again,
 *   (c) API requests per job with the real CLI vs the old product,
 *   (d) peak memory,
 * prints one table on stdout and writes bench-results/pipeline.json at the
 * repository root. Progress goes to stderr.
 *
 * Options: --runs N (repetitions for medians, default 5),
 *          --grow-days N (older days added for the scan-growth figure, default 5).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MongoClient } from "mongodb";
import { previousTradingDay, todayInNewYork } from "../src/calendar/nyse.js";
import { startFakePolygon, type FakePolygon } from "../src/fake-polygon/server.js";
import { groupedKey } from "../src/lake/layout.js";
import { PolygonClient } from "../src/polygon/client.server.js";
import { startFerretDb, type FerretDbServer } from "../src/services/ferretdb.server.js";
import { benchApi } from "./api.js";
import { benchLoad } from "./load.js";
import { say } from "./measure.js";
import { renderTable, type BenchResult } from "./report.js";

const RESULTS = fileURLToPath(new URL("../../bench-results/pipeline.json", import.meta.url));

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1 || v > 50) throw new Error(`--${name} must be a whole number from 1 to 50`);
  return v;
}

/** Peak resident set (VmHWM) of another process, in KiB, where /proc tells. */
async function peakRssOf(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]);
  return Number.isFinite(kb) && kb > 0 ? kb : undefined;
}

async function main(): Promise<void> {
  const runs = option("runs", 5);
  const growDays = option("grow-days", 5);
  const started = Date.now();
  const work = await mkdtemp(join(tmpdir(), "stock-bench-"));
  let ferret: FerretDbServer | undefined;
  let fake: FakePolygon | undefined;
  let client: MongoClient | undefined;
  const stopAll = async () => {
    await client?.close().catch(() => undefined);
    await fake?.close().catch(() => undefined);
    await ferret?.stop().catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => void stopAll().finally(() => process.exit(130)));
  }
  try {
    say(`work directory ${work}`);
    ferret = await startFerretDb({ dataDir: join(work, "ferretdb") });
    say(`FerretDB (pid ${ferret.pid}) at ${ferret.uri}`);
    fake = await startFakePolygon({ universeSize: 11_000, apiKeys: ["test-key"] });
    say(`fake Polygon server at ${fake.url}`);
    client = new MongoClient(ferret.uri, { monitorCommands: true });
    await client.connect();

    // The latest session the fake serves (it refuses today's, as the plan does).
    const day = previousTradingDay(todayInNewYork());
    const olderDays: string[] = [];
    for (let d = day; olderDays.length < growDays;) olderDays.push((d = previousTradingDay(d)));
    const polygon = new PolygonClient({ baseUrl: fake.url, apiKey: "test-key", maxRequestsPerMinute: 60_000, timeoutMs: 60_000, maxRetries: 0, retryBaseMs: 100 });
    const grouped = await polygon.grouped(day, { tradingDay: true });
    say(`grouped day ${day}: ${grouped.resultsCount} rows, ${grouped.body.length} bytes`);

    const load = await benchLoad(client, grouped.body, day, groupedKey("polygon", day), runs, olderDays);
    const api = await benchApi(fake, ferret.uri, work, day);
    const ferretRssKb = await peakRssOf(ferret.pid);
    const result: BenchResult = {
      generatedAt: new Date().toISOString(),
      machine: { node: process.version, platform: `${process.platform} ${process.arch}`, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "?" },
      server: "FerretDB 1.24 on PostgreSQL (the embedded default), started by the bench on a temporary data directory",
      runs,
      day,
      load,
      api,
      memory: {
        benchMaxRssKb: process.resourceUsage().maxRSS,
        ferretDbPeakRssKb: ferretRssKb,
        cli: api.map((j) => ({ job: j.job, maxRssKb: j.cliMaxRssKb, method: j.rssMethod })),
      },
      totalSeconds: (Date.now() - started) / 1000,
    };
    process.stdout.write(renderTable(result) + "\n");
    await mkdir(join(RESULTS, ".."), { recursive: true });
    await writeFile(RESULTS, JSON.stringify(result, null, 2) + "\n");
    say(`wrote ${RESULTS} (${result.totalSeconds.toFixed(0)} s in all)`);
  } finally {
    await stopAll();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
