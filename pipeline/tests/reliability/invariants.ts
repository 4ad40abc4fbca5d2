/**
 * The invariants every fault must leave intact, checked after each one:
 *   - exactly one document per (symbol, date), counted document by document
 *     and cross-checked with $group (the unique index is not trusted);
 *   - every pipeline value equal to the fake source's deterministic bar, every
 *     record a person wrote still holding that person's values;
 *   - the expected keys all present (nothing lost);
 *   - a lake without temp files, metadata without its object, objects without
 *     metadata, or bodies that are not the whole response (JSON, sha256);
 *   - run records that tell the truth: the outcome each run really had, and no
 *     run still "running" once every process has ended and a later command ran.
 * Each check returns a list of problems; `expectInvariants` asserts they are
 * all empty, so one failure shows every violation at once.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import { readFile } from "node:fs/promises";
import type { Storage } from "@google-cloud/storage";
import type { Db } from "mongodb";
import { expect } from "vitest";
import { tradingDaysBetween } from "../../src/calendar/nyse.js";
import { expectedFakeBar } from "../../src/fake-polygon/server.js";
import { sessionOfBarsKey, yearOfActionsKey } from "../../src/curated/layout.js";
import { parseKey } from "../../src/lake/layout.js";
import type { PriceValues } from "../../src/model/daily-price.js";
import { listFiles } from "../e2e/harness.js";

/** The seed of the worlds' fake Polygon servers (startFakePolygon's default). */
export const SEED = "demo";

/** `SYMBOL|YYYY-MM-DD`: the key of a record. */
export const keyOf = (symbol: string, date: string) => `${symbol}|${date}`;

const iso = (d: Date) => d.toISOString().slice(0, 10);

/** The values the pipeline must store for (symbol, date): the fake's as-traded bar, renamed as the loader does. */
export function sourceValues(symbol: string, date: string): PriceValues {
  // adjusted=false does not depend on the clock: any "today" after the date serves the same bar.
  const bar = expectedFakeBar({ seed: SEED }, symbol, date, { adjusted: false, today: "9999-12-31" });
  if (!bar) throw new Error(`the source has no bar for ${symbol} on ${date}`);
  return { open: bar.o, high: bar.h, low: bar.l, close: bar.c, volume: bar.v, vwap: bar.vw, transactions: bar.n, ...(bar.otc !== undefined && { otc: bar.otc }) };
}

const VALUE_FIELDS = ["open", "high", "low", "close", "volume", "vwap", "transactions", "otc"] as const;
const valuesOf = (doc: Record<string, unknown>) => Object.fromEntries(VALUE_FIELDS.filter((f) => doc[f] !== undefined).map((f) => [f, doc[f]]));

/**
 * One pass over `daily_prices` that checks the records themselves:
 *   - each (symbol, date) stored once, by counting documents per key (the
 *     unique index is not trusted), cross-checked against a server-side
 *     `$group` count per date. (Not `$group` per key: FerretDB 1.24 groups in
 *     O(documents x groups), about 50 s for one grouped day of 11,000 keys.)
 *   - a person's record (key in `manual`) is source "manual" with exactly
 *     those values; any other is the pipeline's, equal to the source;
 *   - no record deleted;
 *   - every key of `complete` present.
 */
export async function recordProblems(
  db: Db,
  opts: { manual?: ReadonlyMap<string, PriceValues>; complete?: { symbols: readonly string[]; from: string; to: string } } = {},
): Promise<string[]> {
  const manual = opts.manual ?? new Map<string, PriceValues>();
  const problems: string[] = [];
  const perKey = new Map<string, number>();
  const perDate = new Map<string, number>();
  for await (const doc of db.collection("daily_prices").find({})) {
    const date = iso(doc.date as Date);
    const key = keyOf(doc.symbol as string, date);
    perKey.set(key, (perKey.get(key) ?? 0) + 1);
    perDate.set(date, (perDate.get(date) ?? 0) + 1);
    const want = manual.get(key);
    const expected = sortKeys({ source: want ? "manual" : "pipeline", ...(want ?? sourceValues(doc.symbol as string, date)) });
    const got = sortKeys({ source: doc.source, ...valuesOf(doc) });
    if (JSON.stringify(got) !== JSON.stringify(expected)) problems.push(`${key}: stored ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
    if (doc.deletedAt !== undefined) problems.push(`${key}: unexpectedly deleted`);
  }
  for (const [key, n] of perKey) if (n > 1) problems.push(`${key} is stored ${n} times`);
  const grouped = await db
    .collection("daily_prices")
    .aggregate<{ _id: Date; n: number }>([{ $group: { _id: "$date", n: { $sum: 1 } } }])
    .toArray();
  for (const g of grouped) {
    if (perDate.get(iso(g._id)) !== g.n) problems.push(`${iso(g._id)}: $group counts ${g.n} records, the scan ${perDate.get(iso(g._id)) ?? 0}`);
  }
  if (opts.complete) {
    const missing: string[] = [];
    for (const s of opts.complete.symbols) {
      for (const date of tradingDaysBetween(opts.complete.from, opts.complete.to)) if (!perKey.has(keyOf(s, date))) missing.push(keyOf(s, date));
    }
    problems.push(...missing.slice(0, 10).map((k) => `${k}: missing`));
    if (missing.length > 10) problems.push(`… ${missing.length} keys missing in all`);
  }
  return problems;
}

const sortKeys = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));

/** A key of the curated layer (Parquet, written by the curate step) rather than of raw/. */
const isCuratedKey = (key: string) => sessionOfBarsKey(key) !== null || yearOfActionsKey(key) !== null;

function bodyProblems(name: string, body: Buffer, sha256: string | undefined): string[] {
  const problems: string[] = [];
  const curated = name.includes("curated/") && isCuratedKey(name.slice(name.indexOf("curated/")));
  if (curated) {
    const whole = body.length >= 12 && body.subarray(0, 4).toString("latin1") === "PAR1" && body.subarray(-4).toString("latin1") === "PAR1";
    if (!whole) problems.push(`${name}: not a whole Parquet file (a partial write)`);
  } else {
    try {
      const json = JSON.parse(body.toString("utf8")) as { status?: unknown };
      if (json.status !== "OK") problems.push(`${name}: status ${JSON.stringify(json.status)}, not a successful response`);
    } catch {
      problems.push(`${name}: not whole JSON (a partial or foreign write)`);
    }
  }
  if (sha256 !== createHash("sha256").update(body).digest("hex")) problems.push(`${name}: its sha256 does not match its metadata`);
  return problems;
}

/** A local lake's leftovers and damage: temp files, orphaned sidecars, objects without metadata, partial bodies, foreign names. */
export async function localLakeProblems(lakeDir: string): Promise<string[]> {
  const files = await listFiles(lakeDir);
  const present = new Set(files);
  const problems: string[] = [];
  for (const f of files) {
    if (f.includes(".tmp-")) problems.push(`${f}: a temp file left behind`);
    else if (f.endsWith(".meta.json")) {
      if (!present.has(f.slice(0, -".meta.json".length))) problems.push(`${f}: metadata without its object`);
    } else if (!parseKey(f) && !isCuratedKey(f)) problems.push(`${f}: not a lake key`);
    else if (!present.has(`${f}.meta.json`)) problems.push(`${f}: an object without its metadata`);
    else {
      const meta = JSON.parse(await readFile(path.join(lakeDir, `${f}.meta.json`), "utf8")) as Record<string, string>;
      problems.push(...bodyProblems(f, await readFile(path.join(lakeDir, f)), meta.sha256));
    }
  }
  return problems;
}

/** The same for a GCS lake (no sidecars there: metadata travels with the object). */
export async function gcsLakeProblems(storage: Storage, bucket: string, prefix: string): Promise<string[]> {
  const [files] = await storage.bucket(bucket).getFiles({ prefix: `${prefix}/` });
  const problems: string[] = [];
  for (const f of files) {
    const key = f.name.slice(prefix.length + 1);
    if (key.includes(".tmp-") || (!parseKey(key) && !isCuratedKey(key))) {
      problems.push(`${f.name}: not a lake key (a temp or foreign object)`);
      continue;
    }
    const [md] = await f.getMetadata();
    const [body] = await f.download();
    problems.push(...bodyProblems(f.name, body, md.metadata?.sha256 as string | undefined));
  }
  return problems;
}

/** What a run's record must say. */
export interface RunTruth {
  runId: string;
  outcome: "success" | "failed" | "abandoned" | "rejected-records" | "market-closed";
  /** `error.kind` of a run that did not succeed. */
  errorKind?: string;
}

/**
 * Run records that lie: not the outcome the run had, a failure without its
 * error, or (once every process has ended and a later command has run) a run
 * still claiming to be "running".
 */
export async function runRecordProblems(db: Db, truths: readonly RunTruth[]): Promise<string[]> {
  const problems: string[] = [];
  const runs = db.collection<{ _id: string; outcome: string; error?: { kind: string; message: string } }>("pipeline_runs");
  for (const t of truths) {
    const r = await runs.findOne({ _id: t.runId });
    if (!r) {
      problems.push(`run ${t.runId}: no record`);
      continue;
    }
    if (r.outcome !== t.outcome) problems.push(`run ${t.runId}: recorded as "${r.outcome}", but it ${t.outcome === "success" ? "succeeded" : `was ${t.outcome}`}`);
    if (t.errorKind && r.error?.kind !== t.errorKind) problems.push(`run ${t.runId}: error kind ${r.error?.kind}, expected ${t.errorKind}`);
    if (t.outcome === "success" && r.error) problems.push(`run ${t.runId}: succeeded but records an error`);
  }
  for (const r of await runs.find({ outcome: "running" }).toArray()) problems.push(`run ${r._id}: still "running", but no command is`);
  for (const r of await runs.find({ outcome: { $in: ["failed", "abandoned"] } }).toArray()) {
    if (!r.error?.message) problems.push(`run ${r._id}: "${r.outcome}" without an error saying why`);
  }
  return problems;
}

export interface InvariantCheck {
  db: Db;
  /** Records a person wrote: key → the values that must have survived. */
  manual?: ReadonlyMap<string, PriceValues>;
  /** Keys that must all be present. */
  complete?: { symbols: readonly string[]; from: string; to: string };
  lake?: { dir: string } | { storage: Storage; bucket: string; prefix: string };
  runs?: readonly RunTruth[];
}

/** Asserts every invariant at once; the failure lists each violation. */
export async function expectInvariants(c: InvariantCheck): Promise<void> {
  const problems = [
    ...(await recordProblems(c.db, { manual: c.manual, complete: c.complete })),
    ...(c.lake ? ("dir" in c.lake ? await localLakeProblems(c.lake.dir) : await gcsLakeProblems(c.lake.storage, c.lake.bucket, c.lake.prefix)) : []),
    ...(c.runs ? await runRecordProblems(c.db, c.runs) : []),
  ];
  expect(problems).toEqual([]);
}
