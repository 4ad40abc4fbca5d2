/**
 * Web app benchmark (not a test): the chart loader on 10 years of one symbol,
 * the records page's loader on a large collection (filtered to one symbol, and
 * the unfiltered first page), and the gzip size of the JavaScript a chart page
 * loads. Starts its own FerretDB on a temp directory, or uses BENCH_MONGODB_URI.
 *   npx tsx bench/run.ts [--rows 1000000] [--runs 20]     (after `npm run build`)
 * Prints a table on stdout, writes ../bench-results/webapp.json.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { addDays, latestCompletedSession, tradingDaysBetween } from "@stock-market/pipeline/calendar/nyse";
import { dailyPrices, ensureDailyPriceIndexes, ensureRecordsPageIndexes, listSymbols } from "@stock-market/pipeline/db/daily-prices.server";
import { toStoredDate } from "@stock-market/pipeline/model/daily-price";
import { startFerretDb } from "@stock-market/pipeline/services/ferretdb.server";
import { MongoClient, type Db } from "mongodb";
import { loadChart } from "../app/models/chart.server";
import { recordsPage } from "../app/models/records.server";
import { seedBars, syntheticBars } from "../tests/support/seed";

const HERE = dirname(fileURLToPath(import.meta.url));
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROWS = arg("rows", 1_000_000);
const RUNS = arg("runs", 20);
const say = (s: string) => process.stderr.write(`bench: ${s}\n`);

async function timeIt(runs: number, f: () => Promise<unknown>): Promise<{ median: number; p95: number; runs: number }> {
  await f(); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await f();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => Math.round(ms[Math.min(ms.length - 1, Math.ceil(q * ms.length) - 1)]! * 10) / 10;
  return { median: at(0.5), p95: at(0.95), runs };
}

/** Bulk rows for the records page: many symbols over many days (plain inserts: this is bench data, not the pipeline path). */
async function fillCollection(db: Db, rows: number): Promise<void> {
  const latest = latestCompletedSession(new Date());
  const days = tradingDaysBetween(addDays(latest, -730), latest);
  const symbols = Math.ceil(rows / days.length);
  const now = new Date();
  let batch: object[] = [];
  let written = 0;
  for (let s = 0; s < symbols && written < rows; s++) {
    const symbol = `S${String(s).padStart(5, "0")}`;
    for (const day of days) {
      if (written + batch.length >= rows) break;
      batch.push({ symbol, date: toStoredDate(day), open: 10, high: 11, low: 9, close: 10.5, volume: 1000, source: "pipeline", feed: "synthetic", ingestedAt: now, updatedAt: now });
      if (batch.length === 10_000) {
        await dailyPrices(db).insertMany(batch as never[], { ordered: false });
        written += batch.length;
        batch = [];
        if (written % 100_000 === 0) say(`${written.toLocaleString("en-US")} rows written`);
      }
    }
  }
  if (batch.length) await dailyPrices(db).insertMany(batch as never[], { ordered: false });
}

/** Gzip size of the JS a chart page loads: Remix's entry, the root and chart routes with their imports, and the lazily loaded Plotly chunk. */
function chartPageJs(): { routeKb: number; plotlyKb: number; totalKb: number } | null {
  const assets = join(HERE, "..", "build", "client", "assets");
  if (!existsSync(assets)) return null;
  const files = readdirSync(assets);
  const manifestFile = files.find((f) => /^manifest-.*\.js$/.test(f));
  const plotFile = files.find((f) => /^plot\.client-.*\.js$/.test(f));
  if (!manifestFile || !plotFile) return null;
  type Entry = { module: string; imports?: string[] };
  const m = JSON.parse(readFileSync(join(assets, manifestFile), "utf8").replace(/^window\.__remixManifest=/, "").replace(/;\s*$/, "")) as { entry: Entry; routes: Record<string, Entry> };
  const gz = (path: string) => gzipSync(readFileSync(join(HERE, "..", "build", "client", path))).length / 1024;
  const all = new Set<string>([`/assets/${plotFile}`]);
  for (const e of [m.entry, m.routes.root!, m.routes["routes/chart.$symbol"]!]) for (const f of [e.module, ...(e.imports ?? [])]) all.add(f);
  const r1 = (n: number) => Math.round(n * 10) / 10;
  return { routeKb: r1(gz(m.routes["routes/chart.$symbol"]!.module)), plotlyKb: r1(gz(`/assets/${plotFile}`)), totalKb: r1([...all].reduce((sum, f) => sum + gz(f), 0)) };
}

async function main() {
  let uri = process.env.BENCH_MONGODB_URI;
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    if (!uri) {
      const dir = await mkdtemp(join(tmpdir(), "webapp-bench-ferretdb-"));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      const ferret = await startFerretDb({ dataDir: dir });
      cleanups.push(() => ferret.stop());
      uri = ferret.uri;
    }
    const client = new MongoClient(uri);
    await client.connect();
    cleanups.push(() => client.close());

    // 1. Chart loader, 10 years of one symbol, alone in its collection.
    const chartDb = client.db(`bench_chart_${Date.now()}`);
    cleanups.push(() => chartDb.dropDatabase());
    await ensureDailyPriceIndexes(chartDb);
    const latest = latestCompletedSession(new Date());
    await seedBars(chartDb, syntheticBars("TENY", addDays(latest, -3652), latest));
    const view = { range: "MAX" as const, from: null, to: null, ma: [50 as const, 200 as const] };
    const chart = await timeIt(RUNS, () => Promise.all([loadChart(chartDb, "TENY", view), listSymbols(chartDb)]));
    const bars = (await loadChart(chartDb, "TENY", view))!.bars.date.length;
    say(`chart loader (${bars} bars): median ${chart.median} ms, p95 ${chart.p95} ms`);

    // 2. Records page on a large collection.
    const bigDb = client.db(`bench_records_${Date.now()}`);
    cleanups.push(() => bigDb.dropDatabase());
    await ensureDailyPriceIndexes(bigDb);
    await ensureRecordsPageIndexes(bigDb);
    say(`writing ${ROWS.toLocaleString("en-US")} rows…`);
    const t0 = performance.now();
    await fillCollection(bigDb, ROWS);
    say(`written in ${Math.round((performance.now() - t0) / 1000)} s`);
    const base = { sort: "date" as const, dir: "desc" as const, page: 1, size: 50 };
    const runsBig = Math.max(3, Math.min(RUNS, 5));
    const filtered = await timeIt(runsBig, () => recordsPage(bigDb, { ...base, symbol: "S00042" }));
    say(`records page, one symbol: median ${filtered.median} ms`);
    const unfiltered = await timeIt(runsBig, () => recordsPage(bigDb, base));
    say(`records page, unfiltered: median ${unfiltered.median} ms`);

    // 3. What a chart page downloads.
    const js = chartPageJs();
    const result = { rows: ROWS, chartBars: bars, chartLoaderMs: chart, recordsFilteredMs: filtered, recordsUnfilteredMs: unfiltered, chartPageJsGzipKb: js, server: process.env.BENCH_MONGODB_URI ? "given" : "embedded FerretDB 1.24 (SQLite)" };
    const out = join(HERE, "..", "..", "bench-results");
    await mkdir(out, { recursive: true });
    await writeFile(join(out, "webapp.json"), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`| web app figure | value | target |
|---|---|---|
| chart loader, ${bars} bars (10 years), median / p95 | ${chart.median} / ${chart.p95} ms | median < 50 ms |
| records page, ${ROWS.toLocaleString("en-US")} rows, one symbol (median / p95) | ${filtered.median} / ${filtered.p95} ms | < 100 ms |
| records page, ${ROWS.toLocaleString("en-US")} rows, unfiltered first page (median / p95) | ${unfiltered.median} / ${unfiltered.p95} ms | measured |
| chart page JS, gzip: Plotly chunk / route / everything | ${js ? `${js.plotlyKb} / ${js.routeKb} / ${js.totalKb} KB` : "build first"} | Plotly ≤ 450 KB |`);
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }
}

await main();
