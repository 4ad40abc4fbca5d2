import { randomBytes } from "node:crypto";
import { cp, mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createStorage } from "../lake/gcs.server.js";
import { openLake } from "../lake/lake.js";
import { SESSIONS, fixtureBars, fixtureSplits } from "../test-support/market-fixture.js";
import { writeCuratedBars, writeCuratedSplits } from "./curated-fixture.server.js";
import { LOOKBACK_SESSIONS, Screener } from "./screener.server.js";
import { barsKey, curatedSourceFor, type CuratedSourceOptions } from "./source.server.js";

const bucket = `pcache-${Date.now()}-${randomBytes(4).toString("hex")}`;
const uri = `gs://${bucket}/lake`;
const recent = SESSIONS.slice(-60);
/** Two movers requests whose partitions do not overlap: each reads its session and the 10 before it. */
const LATE = recent[recent.length - 1]!;
const EARLY = recent[recent.length - 1 - 2 * (LOOKBACK_SESSIONS + 1)]!;
const windowOf = (day: string) => recent.slice(recent.indexOf(day) - LOOKBACK_SESSIONS, recent.indexOf(day) + 1).map(barsKey);
/** A copy used this recently is kept (long enough for one request on a busy machine); the tests wait past it between requests. */
const GRACE_MS = 1_000;
const LISTING_MS = 2_100;
const dirs: string[] = [];
let local: string;

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const endpoint = () => inject("gcsEndpoint");

async function tempDir(prefix: string): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(path.relative(dir, path.join(e.parentPath, e.name)));
  return out.sort();
}

/** The copies in a cache folder (bodies) and their bytes. */
async function copies(dir: string): Promise<{ keys: string[]; bytes: number; labels: string[] }> {
  const files = await listFiles(dir);
  const keys = files.filter((f) => f.endsWith(".parquet"));
  const sizes = await Promise.all(keys.map((k) => stat(path.join(dir, k)).then((s) => s.size)));
  return { keys, bytes: sizes.reduce((a, b) => a + b, 0), labels: files.filter((f) => f.endsWith(".version")) };
}

const sizeOf = async (keys: string[]) => (await Promise.all(keys.map((k) => stat(path.join(local, k)).then((s) => s.size)))).reduce((a, b) => a + b, 0);
const screenerOver = (opts: CuratedSourceOptions) => new Screener(curatedSourceFor(uri, { gcsApiEndpoint: endpoint(), cacheGraceMs: GRACE_MS, ...opts }));

describe("the bounds of the GCS partition cache (fake-gcs-server)", () => {
  beforeAll(async () => {
    await createStorage({ apiEndpoint: endpoint() }).createBucket(bucket);
    local = await tempDir("pcache-src-");
    await writeCuratedBars(
      local,
      fixtureBars().filter((b) => b.date >= recent[0]!),
    );
    await writeCuratedSplits(local, fixtureSplits());
    const lake = openLake(uri, { gcsApiEndpoint: endpoint() });
    for (const key of await listFiles(local)) await lake.put(key, await readFile(path.join(local, key)), {});
  }, 120_000);
  afterAll(async () => {
    const b = createStorage({ apiEndpoint: endpoint() }).bucket(bucket);
    await b.deleteFiles({ force: true }).catch(() => undefined);
    await b.delete().catch(() => undefined);
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("keeps the folder under its size cap by removing the least recently used partitions, and answers as the folder itself does", async () => {
    const cacheDir = await tempDir("pcache-lru-");
    const actions = (await listFiles(local)).filter((f) => f.startsWith("curated/corporate_actions/") && f.endsWith(".parquet"));
    // Room for one request's partitions and three more.
    const cap = (await sizeOf([...windowOf(LATE), ...actions])) + (await sizeOf(windowOf(EARLY).slice(-3)));
    const gcs = screenerOver({ cacheDir, cacheMaxBytes: cap });
    const folder = new Screener(curatedSourceFor(local));

    expect(await gcs.movers(EARLY, 10)).toEqual(await folder.movers(EARLY, 10));
    expect((await copies(cacheDir)).keys).toEqual(expect.arrayContaining(windowOf(EARLY)));
    await pause(GRACE_MS + 50);
    expect(await gcs.movers(LATE, 10)).toEqual(await folder.movers(LATE, 10));

    const after = await copies(cacheDir);
    expect(after.bytes).toBeLessThanOrEqual(cap);
    expect(after.keys).toEqual(expect.arrayContaining([...windowOf(LATE), ...actions]));
    // The earlier request's partitions were used oldest first (ascending dates): its latest ones stay.
    const kept = windowOf(EARLY).filter((k) => after.keys.includes(k));
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(windowOf(EARLY).length);
    expect(kept).toEqual(windowOf(EARLY).slice(-kept.length));
    expect(after.labels.map((l) => l.slice(0, -".version".length))).toEqual(after.keys);

    // A removed partition is fetched again when asked for, with the same answer.
    await pause(GRACE_MS + 50);
    expect(await gcs.movers(EARLY, 10)).toEqual(await folder.movers(EARLY, 10));
    expect((await copies(cacheDir)).bytes).toBeLessThanOrEqual(cap);
  });

  it("answers a request that needs more than the cap, then keeps no more than that request's partitions", async () => {
    const cacheDir = await tempDir("pcache-tiny-");
    const gcs = screenerOver({ cacheDir, cacheMaxBytes: 1 });
    const folder = new Screener(curatedSourceFor(local));
    expect(await gcs.movers(EARLY, 10)).toEqual(await folder.movers(EARLY, 10));
    await pause(GRACE_MS + 50);
    expect(await gcs.movers(LATE, 10)).toEqual(await folder.movers(LATE, 10));
    expect((await copies(cacheDir)).keys.filter((k) => k.includes("daily_bars"))).toEqual(windowOf(LATE));
  });

  it("drops the copy of a partition rewritten or deleted in the lake at the next listing, though no request asks for it", async () => {
    const cacheDir = await tempDir("pcache-stale-");
    const gcs = screenerOver({ cacheDir });
    const lake = openLake(uri, { gcsApiEndpoint: endpoint() });
    const before = await gcs.movers(LATE, 10);
    const [rewritten, deleted] = [windowOf(LATE)[0]!, windowOf(LATE)[1]!];
    expect((await copies(cacheDir)).keys).toEqual(expect.arrayContaining([rewritten, deleted]));

    await lake.put(rewritten, await readFile(path.join(local, rewritten)), {}); // same bytes, a new generation
    await createStorage({ apiEndpoint: endpoint() }).bucket(bucket).file(`lake/${deleted}`).delete();
    try {
      await pause(Math.max(LISTING_MS, GRACE_MS + 50));
      await gcs.movers(EARLY, 10);
      const keys = (await copies(cacheDir)).keys;
      expect(keys).not.toContain(rewritten);
      expect(keys).not.toContain(deleted);
      expect(await listFiles(cacheDir)).not.toContain(`${rewritten}.version`);
    } finally {
      await lake.put(deleted, await readFile(path.join(local, deleted)), {});
    }
    await pause(LISTING_MS);
    expect(await gcs.movers(LATE, 10)).toEqual(before);
  });

  it("counts what the folder already holds when a process starts, and removes leftovers of interrupted downloads", async () => {
    const warm = await tempDir("pcache-warm-");
    await screenerOver({ cacheDir: warm }).movers(LATE, 10);
    await screenerOver({ cacheDir: warm }).movers(EARLY, 10);
    // A copy of that folder is what a restarted process finds: its index starts from the disk.
    const restarted = await tempDir("pcache-restart-");
    await cp(warm, restarted, { recursive: true });
    const leftover = path.join(restarted, `${barsKey(LATE)}.12345.tmp`);
    await writeFile(leftover, "partial");
    const old = new Date(Date.now() - 3_600_000);
    await utimes(leftover, old, old);
    for (const label of (await copies(restarted)).labels) await utimes(path.join(restarted, label), old, old);

    const cap = await sizeOf([...windowOf(LATE), ...(await listFiles(local)).filter((f) => f.startsWith("curated/corporate_actions/") && f.endsWith(".parquet"))]);
    await screenerOver({ cacheDir: restarted, cacheMaxBytes: cap }).movers(LATE, 10);
    const after = await copies(restarted);
    expect(after.bytes).toBeLessThanOrEqual(cap);
    expect(after.keys).toEqual(expect.arrayContaining(windowOf(LATE)));
    expect(after.keys.filter((k) => windowOf(EARLY).includes(k))).toEqual([]);
    expect(await listFiles(restarted)).not.toContain(path.relative(restarted, leftover));
  });
});
