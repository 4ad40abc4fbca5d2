/**
 * The health page's and the chart's loaders on 5 tickers × 10 years, cold
 * (read cache emptied before each call) and warm (a repeated call with no
 * write between), median of 7 each, on each FerretDB backend. The figures of
 * docs/decisions/071-symbol-summaries-and-read-cache.md.
 *
 *   npx tsx bench/read-cache.ts [sqlite|postgresql ...]
 *
 * With BENCH_MONGODB_URI, that server is used instead (the argument then only labels it).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { ensureCorporateActionIndexes } from "@stock-market/pipeline/db/corporate-actions.server";
import { ensureDailyPriceIndexes } from "@stock-market/pipeline/db/daily-prices.server";
import { ensureRecordsPageIndexes } from "@stock-market/pipeline/db/records-query.server";
import { ensureRunIndexes } from "@stock-market/pipeline/db/runs.server";
import { startFerretDb, type FerretBackend } from "@stock-market/pipeline/services/ferretdb.server";
import { MongoClient, type Db } from "mongodb";
import { loadChart, parseViewParams } from "../app/models/chart.server";
import { dataHealth } from "../app/models/health.server";
import { recordsPage } from "../app/models/records.server";
import { symbolsInDb } from "../app/models/symbols.server";
import { clearReadCache } from "../app/read-cache.server";
import { seedBars, syntheticBars } from "../tests/support/seed";

const TICKERS = ["AAPL", "MSFT", "GOOG", "AMZN", "NVDA"];
const RUNS = 7;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function time(fn: () => Promise<unknown>, cold: boolean): Promise<number> {
  const ms: number[] = [];
  await fn();
  for (let i = 0; i < RUNS; i++) {
    if (cold) clearReadCache();
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

async function bench(backend: FerretBackend): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), "bench-read-cache-"));
  const given = process.env.BENCH_MONGODB_URI;
  const server = given ? { uri: given, stop: async () => undefined } : await startFerretDb({ dataDir, backend });
  const client = new MongoClient(server.uri);
  try {
    const db: Db = client.db(`bench_read_cache_${Date.now()}`);
    await ensureDailyPriceIndexes(db);
    await ensureRecordsPageIndexes(db);
    await ensureRunIndexes(db);
    await ensureCorporateActionIndexes(db);
    const t = performance.now();
    for (const s of TICKERS) await seedBars(db, syntheticBars(s, "2015-01-02", "2024-12-31"));
    process.stderr.write(`${backend}: seeded ${TICKERS.length} × 10 years in ${Math.round(performance.now() - t)} ms\n`);
    const view = parseViewParams(new URLSearchParams("range=Max&ma=50&ma=200"));
    const base = { sort: "date" as const, dir: "desc" as const, page: 1, size: 50 };
    const loaders: [string, () => Promise<unknown>][] = [
      ["health", () => dataHealth(db)],
      ["chart Max", () => Promise.all([loadChart(db, "AAPL", view), symbolsInDb(db)])],
      ["records AAPL", () => Promise.all([recordsPage(db, { ...base, symbol: "AAPL" }), symbolsInDb(db)])],
      ["records all", () => Promise.all([recordsPage(db, base), symbolsInDb(db)])],
    ];
    for (const [name, fn] of loaders) {
      const cold = await time(fn, true);
      const warm = await time(fn, false);
      console.log(`| ${backend} | ${name} | ${cold.toFixed(1)} ms | ${warm.toFixed(1)} ms |`);
    }
  } finally {
    await client.close();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const backends = (process.argv.slice(2).length ? process.argv.slice(2) : ["sqlite", "postgresql"]) as FerretBackend[];
console.log("| backend | loader | cold | warm |\n|---|---|---|---|");
for (const b of backends) await bench(b);
