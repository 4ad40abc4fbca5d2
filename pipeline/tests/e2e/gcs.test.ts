/** The GCS lake backend end to end: the CLI against fake-gcs-server through @google-cloud/storage. */
import { createHash, randomBytes } from "node:crypto";
import { Storage } from "@google-cloud/storage";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { describeRun, listFiles, priceRows, useE2eWorld } from "./harness.js";

const bucket = `e2e-lake-${randomBytes(6).toString("hex")}`;
const w = await useE2eWorld({ name: "gcs", fake: { rangePageSize: 10 }, tickers: "AAPL,MSFT" });
const gcsEnv = { LAKE_URI: `gs://${bucket}/lake`, GCS_API_ENDPOINT: inject("gcsEndpoint") };
const storage = new Storage({ apiEndpoint: inject("gcsEndpoint"), projectId: "test-project", useAuthWithCustomEndpoint: false });

beforeAll(async () => {
  await storage.createBucket(bucket);
});
afterAll(async () => {
  await storage
    .bucket(bucket)
    .deleteFiles({ force: true })
    .catch(() => undefined);
  await storage
    .bucket(bucket)
    .delete()
    .catch(() => undefined);
});

describe("LAKE_URI=gs://bucket/prefix", () => {
  it("run --date and backfill store every response in the bucket under the prefix, with metadata and without the key", async () => {
    const run = await w.cli(["run", "--date", "2025-01-03"], gcsEnv);
    expect(run.code, describeRun(run)).toBe(0);
    const backfill = await w.cli(["backfill", "--from", "2024-12-02", "--to", "2024-12-31", "--json"], gcsEnv);
    expect(backfill.code, describeRun(backfill)).toBe(0);
    // 3 range pages per ticker, and one batch of the tickers' splits and one of their dividends.
    expect(backfill.json().apiRequests).toBe(2 * 3 + 2);

    const [files] = await storage.bucket(bucket).getFiles();
    const all = files.map((f) => f.name).sort();
    const names = all.filter((n) => !n.startsWith("lake/curated/"));
    const batch = createHash("sha256").update("AAPL,MSFT").digest("hex").slice(0, 12);
    expect(names).toEqual([
      "lake/raw/polygon/dividends/date=2025-01-03/page-0001.json",
      `lake/raw/polygon/dividends/tickers=${batch}/from=2024-12-02_to=2024-12-31/page-0001.json`,
      "lake/raw/polygon/grouped/date=2025-01-03/grouped.json",
      ...["AAPL", "MSFT"].flatMap((t) => [1, 2, 3].map((p) => `lake/raw/polygon/range/ticker=${t}/from=2024-12-02_to=2024-12-31/page-000${p}.json`)),
      "lake/raw/polygon/splits/date=2025-01-03/page-0001.json",
      `lake/raw/polygon/splits/tickers=${batch}/from=2024-12-02_to=2024-12-31/page-0001.json`,
    ]);
    // Beside raw/, the curated Parquet of the run's session and of the back-fill's 21 sessions.
    const curated = all.filter((n) => n.startsWith("lake/curated/daily_bars/"));
    expect(curated).toHaveLength(1 + 21);
    expect(curated).toContain("lake/curated/daily_bars/date=2025-01-03/part-0.parquet");
    for (const f of files.filter((x) => x.name.startsWith("lake/raw/"))) {
      const [md] = await f.getMetadata();
      expect(md.metadata).toMatchObject({ feed: "polygon", status: "200", request: expect.stringMatching(/^GET \/(v2\/aggs|stocks\/v1)\//) });
      expect(JSON.stringify(md)).not.toContain(w.apiKey);
      expect(f.name).not.toContain(w.apiKey);
    }
    // Nothing went to the local folder the other tests of this world would use.
    expect(await listFiles(w.lakeDir)).toEqual([]);
  });

  it("a second backfill resumes from the bucket and fetches nothing", async () => {
    w.fake.resetStats();
    const r = await w.cli(["backfill", "--from", "2024-12-02", "--to", "2024-12-31", "--json"], gcsEnv);
    expect(r.code, describeRun(r)).toBe(0);
    expect(w.fake.stats().total).toBe(0);
    // 6 range pages and the 2 actions pages, all reused.
    expect(r.json()).toMatchObject({ apiRequests: 0, lakeObjectsRead: 6 + 2, counts: { inserted: 0, updated: 0 } });
  });

  it("reprocess rebuilds daily_prices from the bucket with zero API requests", async () => {
    const before = await priceRows(w.db);
    expect(before).toHaveLength(22 * 2);
    await w.db.collection("daily_prices").drop();
    w.fake.resetStats();
    const r = await w.cli(["reprocess", "--from", "2024-12-01", "--to", "2025-01-03", "--json"], gcsEnv);
    expect(r.code, describeRun(r)).toBe(0);
    expect(w.fake.stats().total).toBe(0);
    // 1 grouped object, 6 range pages, and the 4 actions objects of the run and the back-fill.
    expect(r.json()).toMatchObject({ apiRequests: 0, lakeObjectsRead: 1 + 6 + 4 });
    expect(await priceRows(w.db)).toEqual(before);
  });
});
