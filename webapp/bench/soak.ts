/**
 * Soak test of the production web app on loopback (not a test of the suite:
 * run on demand by `npm run soak`, after a production build). Starts FerretDB
 * on a temp directory, seeds several symbols with years of bars, serves the
 * build with remix-serve as `npm run start` would, then for --duration seconds
 * runs concurrent readers (chart pages, filtered records pages, CSV export;
 * soak-readers.ts) and editors editing their own records through the real
 * forms (soak-editors.ts). Afterwards it checks from the database that no
 * acknowledged edit was lost (soak-verify.ts). Prints a small table, writes
 * bench-results/soak.json, exits 1 on any error or lost update.
 *
 *   npx tsx bench/soak.ts [--duration 60] [--readers 10] [--editors 3] [--timeout 60] [--rate R]
 *                         [--symbols 4] [--years 3] [--stale-every 5]
 *
 * The load is bounded: every reader and editor has one request in flight at a
 * time (a closed loop), --rate caps the readers' requests per second, and a
 * request that takes longer than --timeout seconds counts as an error.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { addDays, latestCompletedSession, tradingDaysBetween } from "@stock-market/pipeline/calendar/nyse";
import { ensureDailyPriceIndexes } from "@stock-market/pipeline/db/daily-prices.server";
import { startFerretDb } from "@stock-market/pipeline/services/ferretdb.server";
import { MongoClient } from "mongodb";
import { seedBars, syntheticBars } from "../tests/support/seed";
import { startWebappServer } from "../tests/support/server";
import { runEditor, type EditorOutcome, type RecordKey } from "./soak-editors";
import { runReaders, type ReaderKind } from "./soak-readers";
import { latencyOf, renderSoakTable, type SoakResult, type Traffic } from "./soak-report";
import { verifyEdits } from "./soak-verify";

const say = (s: string) => process.stderr.write(`soak: ${s}\n`);

function option(name: string, fallback: number | null): number | null {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}
const need = (name: string, fallback: number) => Math.round(option(name, fallback)!);

const RECORDS_PER_EDITOR = 5;
const EDITOR = "soak-editor";

async function main(): Promise<number> {
  const seconds = need("duration", 60);
  const readers = need("readers", 10);
  const editors = need("editors", 3);
  const timeoutSeconds = need("timeout", 60);
  const rate = option("rate", null);
  const years = need("years", 3);
  const symbols = Array.from({ length: need("symbols", 4) }, (_, i) => `SOAK${String.fromCharCode(65 + (i % 26))}${i >= 26 ? i : ""}`);
  const staleEvery = need("stale-every", 5);
  // The mix: about 15% CSV exports (heavy, rarer), the rest split between records and chart pages.
  const csv = readers >= 3 ? Math.max(1, Math.round(readers * 0.15)) : 0;
  const records = Math.max(1, Math.round((readers - csv) * 0.45));
  const connections: Record<ReaderKind, number> = { "chart pages": Math.max(0, readers - csv - records), "records pages": records, "CSV export": csv };

  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanUp = async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => void cleanUp().finally(() => process.exit(130)));
  try {
    const dataDir = await mkdtemp(join(tmpdir(), "webapp-soak-ferretdb-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const ferret = await startFerretDb({ dataDir });
    cleanups.push(() => ferret.stop());
    const client = new MongoClient(ferret.uri);
    await client.connect();
    cleanups.push(() => client.close());
    const db = client.db(`soak_${randomBytes(4).toString("hex")}`);

    const latest = latestCompletedSession(new Date());
    const from = addDays(latest, -365 * years);
    const days = tradingDaysBetween(from, latest);
    await ensureDailyPriceIndexes(db);
    for (const [i, s] of symbols.entries()) await seedBars(db, syntheticBars(s, from, latest, { start: 20 + 40 * i }));
    const documents = await db.collection("daily_prices").countDocuments({});
    say(`seeded ${symbols.length} symbols × ${years} years: ${documents} records`);

    // Per-run secrets, handed to the server through its environment only; never printed.
    const password = randomBytes(18).toString("base64url");
    const server = await startWebappServer({
      MONGODB_URI: ferret.uri,
      MONGODB_DB: db.databaseName,
      ADMIN_USERNAME: EDITOR,
      ADMIN_PASSWORD: password,
      SESSION_SECRET: randomBytes(32).toString("hex"),
    });
    cleanups.push(() => server.stop());
    say(
      `production build served at ${server.baseUrl}; ${readers} readers (${Object.entries(connections)
        .map(([k, n]) => `${n} ${k}`)
        .join(", ")}), ${editors} editors, ${seconds} s`,
    );

    // Each editor owns RECORDS_PER_EDITOR recent records nobody else edits.
    const keysOf = (e: number): RecordKey[] =>
      Array.from({ length: RECORDS_PER_EDITOR }, (_, j) => ({
        symbol: symbols[e % symbols.length]!,
        date: days[days.length - 1 - (Math.floor(e / symbols.length) * RECORDS_PER_EDITOR + j)]!,
      }));

    let responses = 0;
    let edits = 0;
    const t0 = performance.now();
    const progress = setInterval(() => say(`${Math.round((performance.now() - t0) / 1000)} s: ${responses} reader responses, ${edits} edits saved`), 10_000);
    const deadline = Date.now() + seconds * 1000;
    const [readerOutcome, editorOutcomes] = await Promise.all([
      runReaders({ baseUrl: server.baseUrl, seconds, timeoutSeconds, rate, connections, symbols, days }, () => responses++),
      Promise.all(
        Array.from({ length: editors }, (_, e) =>
          runEditor({ baseUrl: server.baseUrl, username: EDITOR, password, index: e, keys: keysOf(e), deadline, timeoutMs: timeoutSeconds * 1000, staleEvery }, () => edits++),
        ),
      ),
    ]);
    clearInterval(progress);
    const elapsed = (performance.now() - t0) / 1000;
    say(`load finished after ${elapsed.toFixed(1)} s; verifying the database`);

    const acknowledged = editorOutcomes.flatMap((o) => o.acknowledged);
    const verification = await verifyEdits(
      db,
      EDITOR,
      Array.from({ length: editors }, (_, e) => keysOf(e)).flat(),
      acknowledged,
      editorOutcomes.flatMap((o) => o.uncertain),
    );
    const editorTraffic = mergeEditors(editorOutcomes, elapsed);
    const readerTraffic = Object.values(readerOutcome.byKind);
    const total: Traffic = {
      requests: editorTraffic.requests + readerTraffic.reduce((a, t) => a + t.requests, 0),
      perSecond: 0,
      latencyMs: latencyOf([...readerOutcome.latencies, ...editorOutcomes.flatMap((o) => o.latencies)]),
      statusCodes: {},
      unexpectedStatus: editorTraffic.unexpectedStatus + readerTraffic.reduce((a, t) => a + t.unexpectedStatus, 0),
      errors: editorTraffic.errors + readerTraffic.reduce((a, t) => a + t.errors, 0),
    };
    total.perSecond = total.requests / elapsed;
    for (const t of [...readerTraffic, editorTraffic]) for (const [code, n] of Object.entries(t.statusCodes)) total.statusCodes[code] = (total.statusCodes[code] ?? 0) + n;
    const ok =
      total.errors === 0 &&
      total.unexpectedStatus === 0 &&
      verification.lost.length === 0 &&
      verification.auditProblems.length === 0 &&
      verification.auditEntries === verification.acknowledged;

    const result: SoakResult = {
      generatedAt: new Date().toISOString(),
      seconds: Math.round(elapsed),
      server: "remix-serve (production build) on 127.0.0.1 and the embedded default, FerretDB 1.24 on PostgreSQL, on a temp directory",
      config: { readers: connections, editors, timeoutSeconds, rate, symbols, years, documents, recordsPerEditor: RECORDS_PER_EDITOR },
      readers: readerOutcome.byKind,
      editors: editorTraffic,
      total,
      verification,
      errorSamples: [...readerOutcome.errorSamples, ...editorOutcomes.flatMap((o) => o.errorSamples)].slice(0, 10),
      ok,
    };
    const out = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bench-results");
    await mkdir(out, { recursive: true });
    await writeFile(join(out, "soak.json"), `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${renderSoakTable(result)}\n`);
    say(`wrote ${join(out, "soak.json")}`);
    if (!ok && process.env.SOAK_DEBUG) process.stderr.write(`web app output:\n${server.output()}\n`);
    return ok ? 0 : 1;
  } finally {
    await cleanUp();
  }
}

function mergeEditors(outcomes: EditorOutcome[], elapsed: number): SoakResult["editors"] {
  const latencies = outcomes.flatMap((o) => o.latencies);
  const statusCodes: Record<string, number> = {};
  for (const o of outcomes) for (const [code, n] of Object.entries(o.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  const sum = (f: (o: EditorOutcome) => number) => outcomes.reduce((a, o) => a + f(o), 0);
  return {
    requests: latencies.length,
    perSecond: latencies.length / elapsed,
    latencyMs: latencyOf(latencies),
    statusCodes,
    unexpectedStatus: sum((o) => o.unexpectedStatus),
    errors: sum((o) => o.errors),
    acknowledged: sum((o) => o.acknowledged.length),
    staleProbes: sum((o) => o.staleProbes),
    staleRefused: sum((o) => o.staleRefused),
  };
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`soak: failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
