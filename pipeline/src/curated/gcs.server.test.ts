import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startFakePolygon, type FakePolygon } from "../fake-polygon/server.js";
import { createStorage } from "../lake/gcs.server.js";
import { openLake, type Lake } from "../lake/lake.js";
import { groupedKey } from "../lake/layout.js";
import { PolygonClient } from "../polygon/client.server.js";
import { curatedCoverage } from "./coverage.server.js";
import { curate } from "./curate.server.js";
import { curatedBarsKey } from "./layout.js";
import { curateContext, duck, plainRows, sqlPath } from "../test-support/curated-lake.js";

const D = "2025-01-03";
const bucket = `curated-${Date.now()}-${randomBytes(4).toString("hex")}`;
const uri = `gs://${bucket}/lake`;
let fake: FakePolygon;
let lake: Lake;
let scratch: string;
let raw: Buffer;

beforeAll(async () => {
  await createStorage({ apiEndpoint: inject("gcsEndpoint") }).createBucket(bucket);
  lake = openLake(uri, { gcsApiEndpoint: inject("gcsEndpoint") });
  scratch = await mkdtemp(path.join(tmpdir(), "curated-gcs-"));
  fake = await startFakePolygon({ universeSize: 400, apiKeys: ["k"] });
  const client = new PolygonClient({ baseUrl: fake.url, apiKey: "k", maxRequestsPerMinute: 60_000, timeoutMs: 30_000, maxRetries: 0, retryBaseMs: 10 });
  raw = (await client.grouped(D, { tradingDay: true })).body;
  await lake.put(groupedKey("polygon", D), raw, {});
}, 120_000);

afterAll(async () => {
  await fake?.close();
  const b = createStorage({ apiEndpoint: inject("gcsEndpoint") }).bucket(bucket);
  await b.deleteFiles({ force: true }).catch(() => undefined);
  await b.delete().catch(() => undefined);
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe("curate into a GCS lake (fake-gcs-server)", () => {
  it("writes the partition to the bucket; downloaded through the lake and read by DuckDB, it equals the raw response", async () => {
    const r = await curate(curateContext(lake), D, D);
    expect(r.bars).toMatchObject({ sessions: [D], written: 1 });
    const [files] = await createStorage({ apiEndpoint: inject("gcsEndpoint") })
      .bucket(bucket)
      .getFiles({ prefix: "lake/curated/" });
    expect(files.map((f) => f.name)).toEqual([`lake/${curatedBarsKey(D)}`]);

    // No httpfs here: the object comes down through the lake abstraction, into a folder laid out like the lake.
    const local = path.join(scratch, curatedBarsKey(D));
    await mkdir(path.dirname(local), { recursive: true });
    await writeFile(local, (await lake.get(curatedBarsKey(D))).body);
    const rows = await duck(
      `SELECT date, * EXCLUDE (date, feed) FROM read_parquet(${sqlPath(path.join(scratch, "curated/daily_bars/*/*.parquet"))}, hive_partitioning = true) ORDER BY symbol`,
    );
    const want = [...plainRows(raw).values()].sort((a, b) => (a.symbol < b.symbol ? -1 : 1)).map((w) => ({ date: D, ...w }));
    expect(want).toHaveLength(JSON.parse(raw.toString("utf8")).results.length);
    expect(rows).toEqual(want);
  });

  it("a re-run leaves the object's generation as it was", async () => {
    const before = await lake.versions("curated/");
    expect((await curate(curateContext(lake), D, D)).bars.unchanged).toBe(1);
    expect(await lake.versions("curated/")).toEqual(before);
  });

  it("coverage lists the sessions of a gs:// lake without downloading them (rows are not counted there)", async () => {
    const c = await curatedCoverage(uri, { gcsApiEndpoint: inject("gcsEndpoint") });
    expect(c).toMatchObject({ sessions: 1, first: D, last: D, gaps: [], rows: null, unreadable: [] });
    expect(c.error).toBeUndefined();
  });
});
