/**
 * Page bench (issue 11): round trips of the production build's pages, side by
 * side in one run on our embedded default (FerretDB on PostgreSQL) and on
 * FerretDB's SQLite backend (the old default) holding the same data, cold and
 * warm (pages-timing.ts); then the larger size on our default alone. Not a
 * test: nothing passes or fails on time here; bench/table.ts compares the
 * figures with their targets.
 *
 *   npx tsx bench/pages.ts [--quick] [--tickers 5] [--years 10] [--big-tickers 100] [--cold 5] [--warm 15]
 *
 * --big-tickers 0 skips the larger size. --quick: 3 tickers × 2 years, 10 × 2 for
 * the larger size, 3 cold and 5 warm runs. Writes ../bench-results/pages.json.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { startFerretDb, type FerretBackend } from "@stock-market/pipeline/services/ferretdb.server";
import { serverNeedsLease, withWriteLease } from "@stock-market/pipeline/db/write-lease.server";
import { MongoClient, type Db } from "mongodb";
import { startWebappServer } from "../tests/support/server";
import { percentile, say } from "./measure";
import { seedPageData, type SeededData } from "./pages-seed";
import { timePage, type PageSpec, type PageTiming } from "./pages-timing";

const QUICK = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";

function option(name: string, full: number, quick: number, min = 1): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i > 0 ? Number(process.argv[i + 1]) : QUICK ? quick : full;
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
  return v;
}

export interface PagesRun {
  backend: FerretBackend;
  data: SeededData;
  /** Median cost of taking and releasing the write lease once (decision 050), which FerretDB's guarded writes pay. */
  leaseMs: number;
  pages: Record<string, PageTiming & { label: string; path: string }>;
}

export interface PagesBenchResult {
  generatedAt: string;
  quick: boolean;
  machine: { node: string; cpus: number; cpuModel: string };
  options: { tickers: number; years: number; bigTickers: number; cold: number; warm: number };
  small: PagesRun[];
  big: PagesRun | null;
  totalSeconds: number;
}

/** Every page the issue names, for a data set whose symbols are `symbols`. */
export function pageSpecs(symbols: readonly string[]): PageSpec[] {
  const [a, b, c] = [symbols[0]!, symbols[1] ?? symbols[0]!, symbols[2] ?? symbols[0]!];
  return [
    { name: "chartMax", label: "chart, Max (MA 50 and 200)", path: `/chart/${a}?range=MAX&ma=50&ma=200`, expect: a, symbols: [a] },
    { name: "chart1Y", label: "chart, 1Y", path: `/chart/${b}?range=1Y`, expect: b, symbols: [b] },
    { name: "compare", label: "compare, 3 symbols, 5Y", path: `/compare?symbols=${a}&symbols=${b}&symbols=${c}&range=5Y`, expect: c, symbols: [a, b, c] },
    { name: "recordsFiltered", label: "records, one symbol", path: `/records?symbol=${b}`, expect: b, symbols: [b] },
    { name: "recordsUnfiltered", label: "records, unfiltered", path: `/records`, expect: a },
    { name: "health", label: "health", path: `/health`, expect: c },
    { name: "audit", label: "audit trail", path: `/audit`, expect: "bench-editor" },
  ];
}

async function runOn(backend: FerretBackend, tickers: number, years: number, counts: { cold: number; warm: number }, cleanups: (() => Promise<unknown>)[]): Promise<PagesRun> {
  const dir = await mkdtemp(join(tmpdir(), `webapp-pages-${backend}-`));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const ferret = await startFerretDb({ dataDir: dir, backend });
  cleanups.push(() => ferret.stop());
  const client = new MongoClient(ferret.uri);
  await client.connect();
  cleanups.push(() => client.close());
  const db = client.db("stock_market");
  say(`${backend}: seeding ${tickers} tickers × ${years} years…`);
  const data = await seedPageData(db, { tickers, years, audits: 60, log: (l) => say(`${backend}:${l}`) });
  say(`${backend}: ${data.records.toLocaleString("en-US")} records, ${data.actions} actions, ${data.audits} audited edits in ${Math.round(data.seconds)} s`);
  const leaseMs = await leaseCost(db);
  say(`${backend}: the write lease costs ${leaseMs} ms a hold (median of 20)`);
  const server = await startWebappServer({ MONGODB_URI: ferret.uri, MONGODB_DB: db.databaseName, SESSION_SECRET: randomBytes(32).toString("hex") });
  cleanups.push(() => server.stop());
  const pages: PagesRun["pages"] = {};
  try {
    for (const spec of pageSpecs(data.symbols)) {
      const t = await timePage(server.baseUrl, db, spec, counts);
      pages[spec.name] = { ...t, label: spec.label, path: spec.path };
      say(`${backend}: ${spec.label}: cold ${t.coldMedian} ms, warm ${t.warmMedian} ms (medians of ${counts.cold} and ${counts.warm})`);
    }
  } catch (e) {
    process.stderr.write(`web app output:\n${server.output()}\n`);
    throw e;
  }
  // Free the memory and the cores before the next backend: the figures are taken one backend at a time.
  for (const c of cleanups.splice(0).reverse()) await c();
  return { backend, data, leaseMs, pages };
}

async function leaseCost(db: Db): Promise<number> {
  if (!(await serverNeedsLease(db))) return 0;
  const ms: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    await withWriteLease(db, async () => undefined);
    ms.push(performance.now() - t0);
  }
  return Math.round(percentile(ms, 0.5) * 10) / 10;
}

async function main(): Promise<void> {
  const tickers = option("tickers", 5, 3);
  const years = option("years", 10, 2);
  const bigTickers = option("big-tickers", 100, 10, 0);
  const counts = { cold: option("cold", 5, 3), warm: option("warm", 15, 5) };
  const started = performance.now();
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanUp = async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => void cleanUp().finally(() => process.exit(130)));
  try {
    const small = [await runOn("postgresql", tickers, years, counts, cleanups), await runOn("sqlite", tickers, years, counts, cleanups)];
    const big = bigTickers > 0 ? await runOn("postgresql", bigTickers, years, counts, cleanups) : null;
    const result: PagesBenchResult = {
      generatedAt: new Date().toISOString(),
      quick: QUICK,
      machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "?" },
      options: { tickers, years, bigTickers, ...counts },
      small,
      big,
      totalSeconds: Math.round((performance.now() - started) / 1000),
    };
    const out = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bench-results");
    await mkdir(out, { recursive: true });
    await writeFile(join(out, "pages.json"), `${JSON.stringify(result, null, 2)}\n`);
    say(`wrote ${join(out, "pages.json")} (${result.totalSeconds} s in all)`);
  } finally {
    await cleanUp();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench pages: failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
