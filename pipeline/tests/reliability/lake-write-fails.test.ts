/**
 * The lake failing a write in the middle of an extract (a paginated
 * back-fill): a local path made unwritable part-way, an object's final name
 * taken by a directory, and Cloud Storage answering 503 to uploads. After each:
 * a clear sentence and exit 1, no temp file, orphaned metadata or partial
 * object, the run record says failed, and a re-run completes the work without
 * fetching again what the lake already holds.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { Storage } from "@google-cloud/storage";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { day, describeRun, hasStackTrace, listFiles, useE2eWorld, type CliRun } from "../e2e/harness.js";
import { actionRows, backfillActions, batchActionKeys, storedActionProblems } from "./expected-actions.js";
import { expectInvariants, type RunTruth } from "./invariants.js";
import { chmodDoesNotBlock, spawnCli, startFailingGcsProxy, waitFor, type FailingGcsProxy } from "./support.js";

const TICKERS = ["AAPL", "MSFT", "NVDA"];
const TODAY = "2026-01-15";
const w = await useE2eWorld({ name: "rel_lake", fake: { rangePageSize: 50, today: () => TODAY }, tickers: TICKERS.join(",") });
const truths: RunTruth[] = [];
const pageKey = (t: string, from: string, to: string, p: number) => `raw/polygon/range/ticker=${t}/from=${from}_to=${to}/page-000${p}.json`;
/** The ticker of each range request, in order (the actions requests that follow are counted by route). */
const rangeTickers = () => w.fake.requests.filter((q) => q.path.startsWith("/v2/aggs/ticker/")).map((q) => q.path.split("/")[4]);
/** Actions objects (any window) among lake keys. */
const actionKeys = (keys: readonly string[]) => keys.filter((k) => /raw\/polygon\/(splits|dividends)\//.test(k));
const records = (symbols: string[], from: string, to: string) =>
  w.db.collection("daily_prices").countDocuments({ symbol: { $in: symbols }, date: { $gte: day(from), $lte: day(to) } });

beforeEach(() => {
  w.fake.resetStats();
  w.fake.clearFaults();
});

/** Exit 1 with the lake's sentence naming the object and the cause, no stack, a failed record. */
/**
 * The re-run fetched the tickers' splits and dividends once each (the failed
 * run never got to them), stored them in the lake (`keys`: its object names)
 * and loaded them as the source has them.
 */
async function expectActionsDone(r: CliRun, from: string, to: string, keys: readonly string[]) {
  const actions = backfillActions(TICKERS, from, to, TODAY);
  const a = r.json().details.actions;
  expect(a).toMatchObject({ objects: 2, splits: actions.splits.length, dividends: actions.dividends.length, rejected: 0, updated: 0 });
  expect(a.inserted + a.unchanged).toBe(actionRows(actions));
  expect(r.json().counts.valid).toBe(TICKERS.length * 124 + actionRows(actions));
  expect(keys).toEqual(expect.arrayContaining(batchActionKeys(TICKERS, from, to)));
  expect(await storedActionProblems(w.db, actions)).toEqual([]);
}

function expectLakeFailure(r: Awaited<ReturnType<typeof w.cli>>, key: string, cause: RegExp) {
  expect(r.code, describeRun(r)).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`stock-pipeline backfill: could not write lake object ${key.replace(/[.]/g, "\\.")} in .*${cause.source}`));
  expect(r.stderr).not.toMatch(/unexpected error/i);
  expect(hasStackTrace(r.stderr), r.stderr).toBe(false);
  expect(r.json()).toMatchObject({ outcome: "failed", exitCode: 1, error: { kind: "LakeError" } });
  truths.push({ runId: r.json().runId, outcome: "failed", errorKind: "LakeError" });
}

describe("a local lake path made unwritable part-way through a back-fill", () => {
  const FROM = "2024-01-02";
  const TO = "2024-06-28";
  const rangeDir = path.join(w.lakeDir, "raw", "polygon", "range");
  // As root chmod blocks nothing: then a file takes the place of the next partition directory.
  let asRoot = false;
  beforeAll(async () => {
    asRoot = await chmodDoesNotBlock(w.scratch);
  });
  afterAll(async () => {
    // Even after a failed assertion, so that the world's folder can be removed.
    await chmod(rangeDir, 0o755).catch(() => undefined);
  });

  it("stops with exit 1 naming the object and the cause, after storing and loading the tickers before it", async () => {
    w.fake.inject({ kind: "hold", match: `/ticker/MSFT/range/1/day/${FROM}/`, times: 1 });
    const cli = spawnCli(w, ["backfill", "--from", FROM, "--to", TO, "--json"]);
    await waitFor("the back-fill to ask for MSFT's first page", () => w.fake.held === 1);
    if (asRoot) await writeFile(path.join(rangeDir, "ticker=MSFT"), "not a directory");
    else await chmod(rangeDir, 0o555);
    w.fake.releaseHeld();
    const r = await cli.done;
    expectLakeFailure(r, pageKey("MSFT", FROM, TO, 1), asRoot ? /ENOTDIR/ : /EACCES/);
    if (asRoot) await rm(path.join(rangeDir, "ticker=MSFT"));
    else await chmod(rangeDir, 0o755);
    const stored = (await listFiles(w.lakeDir)).filter((f) => !f.endsWith(".meta.json"));
    expect(stored).toEqual([1, 2, 3].map((p) => pageKey("AAPL", FROM, TO, p)));
    expect(await records(["AAPL"], FROM, TO)).toBe(124);
    expect(await records(["MSFT", "NVDA"], FROM, TO)).toBe(0);
    await expectInvariants({ db: w.db, lake: { dir: w.lakeDir }, runs: truths });
  });

  it("re-run once the path is writable again, fetches only what the lake lacks and completes", async () => {
    const r = await w.cli(["backfill", "--from", FROM, "--to", TO, "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    truths.push({ runId: r.json().runId, outcome: "success" });
    expect(rangeTickers()).toEqual(["MSFT", "MSFT", "MSFT", "NVDA", "NVDA", "NVDA"]);
    expect(w.fake.stats().byRoute).toEqual({ range: 6, splits: 1, dividends: 1 });
    await expectActionsDone(r, FROM, TO, await listFiles(w.lakeDir));
    await expectInvariants({ db: w.db, complete: { symbols: TICKERS, from: FROM, to: TO }, lake: { dir: w.lakeDir }, runs: truths });
  });
});

describe("an object's final name taken by a directory while its response is on the way", () => {
  const FROM = "2023-01-03";
  const TO = "2023-06-30";

  it("fails with EISDIR and leaves neither a temp file nor metadata without its object", async () => {
    // NVDA's second page: a follow-up whose path starts with the next bar's time stamp in ms.
    w.fake.inject({ kind: "hold", match: "/ticker/NVDA/range/1/day/1", times: 1 });
    const cli = spawnCli(w, ["backfill", "--from", FROM, "--to", TO, "--json"]);
    await waitFor("the back-fill to ask for NVDA's second page", () => w.fake.held === 1);
    const squatter = path.join(w.lakeDir, ...pageKey("NVDA", FROM, TO, 2).split("/"));
    await mkdir(squatter, { recursive: true });
    w.fake.releaseHeld();
    const r = await cli.done;
    expectLakeFailure(r, pageKey("NVDA", FROM, TO, 2), /EISDIR/);
    await rm(squatter, { recursive: true });
    // The metadata renamed into place before the body failed was taken back.
    expect(await listFiles(path.dirname(squatter))).toEqual([path.basename(pageKey("NVDA", FROM, TO, 1)), `${path.basename(pageKey("NVDA", FROM, TO, 1))}.meta.json`]);
    expect(actionKeys(await listFiles(w.lakeDir)).filter((k) => k.includes(`/from=${FROM}_to=${TO}/`))).toEqual([]);
    await expectInvariants({ db: w.db, lake: { dir: w.lakeDir }, runs: truths });
  });

  it("re-run, fetches NVDA's pages 2 and 3 through page 1's next_url and completes", async () => {
    const r = await w.cli(["backfill", "--from", FROM, "--to", TO, "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    truths.push({ runId: r.json().runId, outcome: "success" });
    expect(rangeTickers()).toEqual(["NVDA", "NVDA"]);
    expect(w.fake.requests.filter((q) => q.path.startsWith("/v2/aggs/ticker/")).every((q) => q.query.cursor !== undefined)).toBe(true);
    expect(w.fake.stats().byRoute).toEqual({ range: 2, splits: 1, dividends: 1 });
    await expectActionsDone(r, FROM, TO, await listFiles(w.lakeDir));
    await expectInvariants({ db: w.db, complete: { symbols: TICKERS, from: FROM, to: TO }, lake: { dir: w.lakeDir }, runs: truths });
  });
});

describe("Cloud Storage answering 503 to uploads", () => {
  const bucket = `rel-lake-${randomBytes(6).toString("hex")}`;
  const prefix = "lake";
  const storage = new Storage({ apiEndpoint: inject("gcsEndpoint"), projectId: "test-project", useAuthWithCustomEndpoint: false });
  let proxy: FailingGcsProxy;
  const gcsEnv = () => ({ LAKE_URI: `gs://${bucket}/${prefix}`, GCS_API_ENDPOINT: proxy.endpoint });
  const lake = { storage, bucket, prefix };
  /** Every object's key in the lake, without the prefix. */
  const bucketKeys = async () => (await storage.bucket(bucket).getFiles({ prefix: `${prefix}/` }))[0].map((f) => f.name.slice(prefix.length + 1));

  beforeAll(async () => {
    await storage.createBucket(bucket);
    proxy = await startFailingGcsProxy(inject("gcsEndpoint"));
  });
  afterAll(async () => {
    await proxy?.close();
    await storage.bucket(bucket).deleteFiles({ force: true });
    await storage.bucket(bucket).delete();
  });

  const FROM = "2021-01-04";
  const TO = "2021-06-30";

  it("once is retried by the storage client; for good, it stops the back-fill with exit 1 naming the object and HTTP 503, and the bucket holds only whole objects", async () => {
    // Uploads in order: AAPL pages 1-3, MSFT pages 1-3, … The 3rd is refused once (its retry is the 4th);
    // from the 6th on (MSFT's page 2 and every retry of it) all are refused.
    proxy.refuseUploads((n) => n === 3 || n >= 6);
    const r = await w.cli(["backfill", "--from", FROM, "--to", TO, "--json"], gcsEnv());
    expectLakeFailure(r, pageKey("MSFT", FROM, TO, 2), /HTTP 503/);
    expect(proxy.refused).toBeGreaterThan(2);
    const [files] = await storage.bucket(bucket).getFiles({ prefix: `${prefix}/raw/polygon/range/` });
    expect(files.map((f) => f.name)).toEqual([...[1, 2, 3].map((p) => pageKey("AAPL", FROM, TO, p)), pageKey("MSFT", FROM, TO, 1)].map((k) => `${prefix}/${k}`));
    expect(actionKeys(await bucketKeys())).toEqual([]);
    expect(await records(["AAPL"], FROM, TO)).toBe(124);
    expect(await records(["MSFT", "NVDA"], FROM, TO)).toBe(0);
    await expectInvariants({ db: w.db, lake, runs: truths });
  });

  it("re-run once uploads work again, fetches only the missing pages and completes", async () => {
    proxy.refuseUploads(() => false);
    const r = await w.cli(["backfill", "--from", FROM, "--to", TO, "--json"], gcsEnv());
    expect(r.code, describeRun(r)).toBe(0);
    truths.push({ runId: r.json().runId, outcome: "success" });
    expect(rangeTickers()).toEqual(["MSFT", "MSFT", "NVDA", "NVDA", "NVDA"]);
    expect(w.fake.stats().byRoute).toEqual({ range: 5, splits: 1, dividends: 1 });
    await expectActionsDone(r, FROM, TO, await bucketKeys());
    await expectInvariants({ db: w.db, complete: { symbols: TICKERS, from: FROM, to: TO }, lake, runs: truths });
  });
});
