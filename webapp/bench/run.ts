/**
 * Web app benchmark (not a test: no pass/fail on time). The chart page's
 * loader on 10 years of one symbol, the records page's loader on a large
 * collection (filtered to one symbol, and the unfiltered first page), and the
 * gzip size of the JavaScript a chart page loads. Each loader call is split
 * into database time and our time (monitor.ts), and the commands it sends are
 * listed with the index that would serve them on MongoDB (indexes.ts).
 * Starts its own FerretDB on a temp directory, or uses BENCH_MONGODB_URI.
 *
 *   npx tsx bench/run.ts [--rows 1000000] [--runs 20] [--budget 60] [--quick]
 *
 * --runs is the most runs per figure (at least 3 are made); --budget the
 * seconds after which a figure starts no new run. --quick (or BENCH_QUICK=1):
 * 20,000 rows, 5 runs, 15 s. Prints a table on stdout, progress on stderr,
 * writes ../bench-results/webapp.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { addDays, latestCompletedSession } from "@stock-market/pipeline/calendar/nyse";
import { DAILY_PRICES, ensureDailyPriceIndexes } from "@stock-market/pipeline/db/daily-prices.server";
import { ensureRecordsPageIndexes } from "@stock-market/pipeline/db/records-query.server";
import { ensureCorporateActionIndexes } from "@stock-market/pipeline/db/corporate-actions.server";
import type { CorporateAction } from "@stock-market/pipeline/model/corporate-action";
import { startFerretDb } from "@stock-market/pipeline/services/ferretdb.server";
import { MongoClient, type Db } from "mongodb";
import { loadChart } from "../app/models/chart.server";
import { recordsPage } from "../app/models/records.server";
import { symbolsInDb } from "../app/models/symbols.server";
import { seedActions, seedBars, syntheticBars } from "../tests/support/seed";
import { chartPageJs } from "./assets";
import { fillCollection, fillSymbol } from "./fill";
import { listIndexes } from "./indexes";
import { measure, say } from "./measure";
import { CommandMonitor, type SentCommand } from "./monitor";
import { serverExplain } from "./explain";
import { renderWebappTable, type WebappBenchResult } from "./report";

const HERE = dirname(fileURLToPath(import.meta.url));
const QUICK = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";

function option(name: string, full: number, quick: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i > 0 ? Number(process.argv[i + 1]) : QUICK ? quick : full;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a whole number ≥ 1`);
  return v;
}

const CHART_TARGET_MS = 50;
const RECORDS_TARGET_MS = 100;

/** What kind of server answers: FerretDB says so in buildInfo. */
async function serverInfo(client: MongoClient): Promise<WebappBenchResult["server"]> {
  const info = await client.db("admin").command({ buildInfo: 1 });
  const ferretDb = "ferretdbVersion" in info;
  const version = String(info.version ?? "?");
  const description = process.env.BENCH_MONGODB_URI
    ? `BENCH_MONGODB_URI (${ferretDb ? "FerretDB" : "MongoDB"} ${version})`
    : `embedded FerretDB (PostgreSQL backend, the default; MongoDB ${version} wire protocol), started by the bench on a temporary directory`;
  return { description, ferretDb, version };
}

async function main() {
  const rows = option("rows", 1_000_000, 20_000);
  const maxRuns = option("runs", 20, 5);
  const budgetSeconds = option("budget", 60, 15);
  const started = performance.now();
  let uri = process.env.BENCH_MONGODB_URI;
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanUp = async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => void cleanUp().finally(() => process.exit(130)));
  try {
    if (!uri) {
      const dir = await mkdtemp(join(tmpdir(), "webapp-bench-ferretdb-"));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      const ferret = await startFerretDb({ dataDir: dir });
      cleanups.push(() => ferret.stop());
      uri = ferret.uri;
    }
    // Command monitoring is what splits each call into database and our time.
    const client = new MongoClient(uri, { monitorCommands: true });
    await client.connect();
    cleanups.push(() => client.close());
    const server = await serverInfo(client);
    say(`server: ${server.description}${QUICK ? "; quick mode" : ""}`);
    const monitor = new CommandMonitor(client);
    const budget = (db: Db) => ({ maxRuns, budgetMs: budgetSeconds * 1000, explain: (c: SentCommand) => serverExplain(db, c) });
    const scratch = (name: string): Db => {
      const db = client.db(`bench_${name}_${Date.now()}`);
      cleanups.push(() => db.dropDatabase());
      return db;
    };

    // 1. The chart page's loader (loadChart and the symbol list, as the route awaits them), 10 years of one symbol alone in its collection.
    const chartDb = scratch("chart");
    await ensureDailyPriceIndexes(chartDb);
    await ensureRecordsPageIndexes(chartDb);
    const latest = latestCompletedSession(new Date());
    const teny = syntheticBars("TENY", addDays(latest, -3652), latest);
    await seedBars(chartDb, teny);
    // Two splits and quarterly dividends, and the total-return basis: the loader adjusts the whole history on every call.
    await ensureCorporateActionIndexes(chartDb);
    await seedActions(chartDb, [
      ...[800, 2000].map((i, n): CorporateAction => ({
        kind: "split",
        id: `BENCH-S${n}`,
        symbol: "TENY",
        date: teny[i]!.date,
        splitFrom: 1,
        splitTo: 4,
        adjustmentType: "forward_split",
      })),
      ...Array.from({ length: 40 }, (_, n): CorporateAction => ({
        kind: "dividend",
        id: `BENCH-D${n}`,
        symbol: "TENY",
        date: teny[30 + n * 62]!.date,
        cashAmount: 0.1,
        currency: "USD",
      })),
    ]);
    const view = { adjustment: "all" as const, range: "MAX" as const, from: null, to: null, ma: [50 as const, 200 as const] };
    const bars = (await loadChart(chartDb, "TENY", view))!.bars.date.length;
    const chartIndexes = await listIndexes(chartDb, DAILY_PRICES);
    const chart = await measure(`chart loader (${bars} bars)`, monitor, chartIndexes, () => Promise.all([loadChart(chartDb, "TENY", view), symbolsInDb(chartDb)]), budget(chartDb));

    // 2. The records page's loader (one page and its count, and the symbol list) on a large collection.
    const bigDb = scratch("records");
    await ensureDailyPriceIndexes(bigDb);
    await ensureRecordsPageIndexes(bigDb);
    say(`writing ${rows.toLocaleString("en-US")} rows…`);
    const fill = await fillCollection(bigDb, rows);
    say(`written in ${Math.round(fill.seconds)} s (${fill.symbols} symbols)`);
    const recordsIndexes = await listIndexes(bigDb, DAILY_PRICES);
    const symbol = fillSymbol(Math.floor(fill.symbols / 2));
    const base = { sort: "date" as const, dir: "desc" as const, page: 1, size: 50 };
    const filtered = await measure(
      `records loader, one symbol`,
      monitor,
      recordsIndexes,
      () => Promise.all([recordsPage(bigDb, { ...base, symbol }), symbolsInDb(bigDb)]),
      budget(bigDb),
    );
    const unfiltered = await measure(`records loader, unfiltered`, monitor, recordsIndexes, () => Promise.all([recordsPage(bigDb, base), symbolsInDb(bigDb)]), budget(bigDb));
    monitor.close();

    // 3. What a chart page downloads.
    const result: WebappBenchResult = {
      generatedAt: new Date().toISOString(),
      quick: QUICK,
      machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "?" },
      server,
      options: { rows, maxRuns, budgetSeconds },
      chart: { symbol: "TENY", bars, targetMs: CHART_TARGET_MS, loader: chart, indexes: chartIndexes },
      records: { rows, symbols: fill.symbols, fillSeconds: Math.round(fill.seconds), symbol, targetMs: RECORDS_TARGET_MS, filtered, unfiltered, indexes: recordsIndexes },
      chartPageJsGzipKb: chartPageJs(),
      plotlyTargetKb: 450,
      totalSeconds: Math.round((performance.now() - started) / 1000),
    };
    const out = join(HERE, "..", "..", "bench-results");
    await mkdir(out, { recursive: true });
    await writeFile(join(out, "webapp.json"), `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${renderWebappTable(result)}\n`);
    say(`wrote ${join(out, "webapp.json")} (${result.totalSeconds} s in all)`);
  } finally {
    await cleanUp();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
