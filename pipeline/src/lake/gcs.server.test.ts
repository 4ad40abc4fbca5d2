/** GCS specifics: object layout, URI parsing and failures surfacing. The shared behaviours are in lake.test.ts. */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ConfigError, LakeError } from "../errors.js";
import { GcsLake, createStorage, parseGsUri } from "./gcs.server.js";
import { openLake } from "./lake.js";
import { groupedKey } from "./layout.js";

const key = groupedKey("polygon", "2025-01-03");
const meta = { url: "/v2/aggs/grouped/locale/us/market/stocks/2025-01-03", status: "200" };
const bucket = `test-${Date.now()}-${randomBytes(4).toString("hex")}`;

describe("GCS lake", () => {
  beforeAll(async () => {
    await createStorage({ apiEndpoint: inject("gcsEndpoint") }).createBucket(bucket);
  });
  afterAll(async () => {
    const b = createStorage({ apiEndpoint: inject("gcsEndpoint") }).bucket(bucket);
    await b.deleteFiles({ force: true }).catch(() => undefined);
    await b.delete().catch(() => undefined);
  });

  it("stores one object per key under the lake prefix, with the metadata as its custom metadata", async () => {
    const storage = createStorage({ apiEndpoint: inject("gcsEndpoint") });
    const lake = openLake(`gs://${bucket}/lakes/one/`, { gcsApiEndpoint: inject("gcsEndpoint") });
    await lake.put(key, Buffer.from('{"ok":true}'), meta);
    const [files] = await storage.bucket(bucket).getFiles({ prefix: "lakes/one/" });
    expect(files.map((f) => f.name)).toEqual([`lakes/one/${key}`]);
    const [md] = await storage.bucket(bucket).file(`lakes/one/${key}`).getMetadata();
    expect(md.metadata).toEqual(meta);
    expect(md.contentType).toBe("application/json");
    expect(md.contentEncoding ?? "").not.toBe("gzip");
  });

  it("keeps lakes with different prefixes in one bucket apart", async () => {
    const a = openLake(`gs://${bucket}/a`, { gcsApiEndpoint: inject("gcsEndpoint") });
    const ab = openLake(`gs://${bucket}/ab`, { gcsApiEndpoint: inject("gcsEndpoint") });
    await a.put(key, Buffer.from("{}"), meta);
    expect(await ab.list("")).toEqual([]);
    expect(await ab.exists(key)).toBe(false);
  });

  it("fails with a LakeError naming the key and HTTP 404, never silently, when the bucket does not exist", async () => {
    const lake = openLake(`gs://no-such-bucket-${Date.now()}`, { gcsApiEndpoint: inject("gcsEndpoint") });
    const err = await lake.put(key, Buffer.from("{}"), meta).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LakeError);
    expect((err as LakeError).key).toBe(key);
    expect((err as LakeError).message).toMatch(new RegExp(`^could not write lake object ${key} in gs://no-such-bucket-.*: HTTP 404`));
  });

  it("parses gs:// URIs and refuses ones without a valid bucket", () => {
    expect(parseGsUri("gs://my-bucket")).toEqual({ bucket: "my-bucket", prefix: "" });
    expect(parseGsUri("gs://my-bucket/a/b/")).toEqual({ bucket: "my-bucket", prefix: "a/b" });
    expect(openLake("gs://my-bucket/lake").description).toBe("gs://my-bucket/lake");
    expect(() => openLake("gs://")).toThrow(ConfigError);
    expect(() => openLake("gs://Bad_Bucket!/x")).toThrow(ConfigError);
    expect(() => openLake("gs://bucket/a/../b")).toThrow(ConfigError);
  });
});

describe("GCS lake against a misbehaving server", () => {
  let server: Server;
  let endpoint = "";
  let requests = 0;
  let mode: "503" | "wrong-checksum" = "503";

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests += 1;
      req.resume();
      req.on("end", () => {
        if (mode === "wrong-checksum") {
          // Claims success, but for bytes other than the ones sent.
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ name: `lake/${key}`, bucket: "bucket", generation: "1", size: "2", crc32c: "AAAAAA==" }));
          return;
        }
        res.writeHead(503, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: 503, message: "Service Unavailable", errors: [] } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const lake = () => new GcsLake(createStorage({ apiEndpoint: endpoint, retryOptions: { maxRetries: 1, retryDelayMultiplier: 1, maxRetryDelay: 1 } }), "bucket", "lake", endpoint);

  it.each([
    ["put", (l: GcsLake) => l.put(key, Buffer.from("{}"), meta), "write"],
    ["get", (l: GcsLake) => l.get(key), "read the metadata of"],
    ["exists", (l: GcsLake) => l.exists(key), "check"],
    ["list", (l: GcsLake) => l.list("raw/"), "list"],
  ] as const)("%s retries, then fails with a LakeError naming the key and 503", async (_op, run, verb) => {
    mode = "503";
    requests = 0;
    const err = await run(lake()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LakeError);
    expect((err as LakeError).message).toMatch(new RegExp(`^could not ${verb} lake object .* in gs://bucket/lake .*: HTTP 503`));
    expect(requests).toBeGreaterThan(1);
  });

  it("put fails, rather than passing as a success, when the server acknowledges different bytes", async () => {
    mode = "wrong-checksum";
    const err = await lake()
      .put(key, Buffer.from("{}"), meta)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LakeError);
    expect((err as LakeError).message).toMatch(new RegExp(`^could not write lake object ${key} .*: FILE_NO_UPLOAD`));
  });
});
