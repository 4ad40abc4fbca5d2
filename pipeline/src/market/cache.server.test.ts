import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createStorage } from "../lake/gcs.server.js";
import { openLake } from "../lake/lake.js";
import { D, SESSIONS, fixtureBars, fixtureSplits } from "../test-support/market-fixture.js";
import { writeCuratedBars, writeCuratedSplits } from "./curated-fixture.server.js";
import { CuratedLayerError } from "./errors.js";
import { Screener } from "./screener.server.js";
import { barsKey, curatedSourceFor } from "./source.server.js";

const bucket = `screener-${Date.now()}-${randomBytes(4).toString("hex")}`;
const uri = `gs://${bucket}/lake`;
let local: string;
let cacheDir: string;
// 60 sessions are enough here: the figures themselves are checked in screener.server.test.ts.
const recent = SESSIONS.slice(-60);

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(path.relative(dir, path.join(e.parentPath, e.name)));
  return out.sort();
}

describe("the screener over a GCS lake (fake-gcs-server)", () => {
  beforeAll(async () => {
    await createStorage({ apiEndpoint: inject("gcsEndpoint") }).createBucket(bucket);
    local = await mkdtemp(path.join(tmpdir(), "screener-src-"));
    cacheDir = await mkdtemp(path.join(tmpdir(), "screener-cache-"));
    await writeCuratedBars(
      local,
      fixtureBars().filter((b) => b.date >= recent[0]!),
    );
    await writeCuratedSplits(local, fixtureSplits());
    const lake = openLake(uri, { gcsApiEndpoint: inject("gcsEndpoint") });
    for (const key of await listFiles(local)) await lake.put(key, await readFile(path.join(local, key)), {});
  }, 120_000);
  afterAll(async () => {
    const b = createStorage({ apiEndpoint: inject("gcsEndpoint") }).bucket(bucket);
    await b.deleteFiles({ force: true }).catch(() => undefined);
    await b.delete().catch(() => undefined);
    for (const d of [local, cacheDir]) if (d) await rm(d, { recursive: true, force: true });
  });

  it("answers from a local cache of only the partitions a query needs, equal to reading the folder itself", async () => {
    const gcs = new Screener(curatedSourceFor(uri, { gcsApiEndpoint: inject("gcsEndpoint"), cacheDir }));
    expect(await gcs.sessions()).toEqual(recent);
    const fromGcs = await gcs.movers(D, 10);
    expect(fromGcs).toEqual(await new Screener(curatedSourceFor(local)).movers(D, 10));
    const cached = (await listFiles(cacheDir)).filter((f) => f.endsWith(".parquet"));
    expect(cached.filter((f) => f.includes("daily_bars"))).toHaveLength(11);
  });

  it("fetches a partition again when the object is rewritten, so a truncated upload is named, then a repaired one served", async () => {
    const gcs = new Screener(curatedSourceFor(uri, { gcsApiEndpoint: inject("gcsEndpoint"), cacheDir }));
    const lake = openLake(uri, { gcsApiEndpoint: inject("gcsEndpoint") });
    const key = barsKey(D);
    const good = await readFile(path.join(local, key));
    const before = await gcs.movers(D, 10);
    await lake.put(key, good.subarray(0, 200), {});
    await new Promise((r) => setTimeout(r, 2_100)); // past the listing's reuse window
    const err = await gcs.movers(D, 10).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CuratedLayerError);
    expect((err as Error).message).toContain(key);
    expect((err as Error).message).toContain(`stock-pipeline curate --from ${D} --to ${D}`);
    await lake.put(key, good, {});
    await new Promise((r) => setTimeout(r, 2_100));
    expect(await gcs.movers(D, 10)).toEqual(before);
  });
});
