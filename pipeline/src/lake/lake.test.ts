/**
 * One suite of lake behaviours, run against both backends: a local temp
 * folder and a fresh bucket on the fake-gcs-server started by the global setup.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { LakeError } from "../errors.js";
import { createStorage } from "./gcs.server.js";
import { openLake, type Lake } from "./lake.js";
import { groupedKey, rangePageKey, rangePrefix } from "./layout.js";

const SECRET = "sk_live_SECRET_1234567890";

interface Backend {
  name: string;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** A fresh, empty lake. */
  fresh(): Promise<Lake>;
  /** Leaves bookkeeping files (a sidecar without body, a temp file) beside `key`, as a crash or a copy would. */
  plantStray(lake: Lake, key: string): Promise<void>;
}

const localBackend = (): Backend => {
  let base = "";
  const roots = new Map<Lake, string>();
  return {
    name: "local folder",
    async setup() {
      base = await mkdtemp(path.join(tmpdir(), "lake-test-"));
    },
    async teardown() {
      await rm(base, { recursive: true, force: true });
    },
    async fresh() {
      const root = await mkdtemp(path.join(base, "lake-"));
      const lake = openLake(root, { forbiddenValues: [SECRET] });
      roots.set(lake, root);
      return lake;
    },
    async plantStray(lake, key) {
      const file = path.join(roots.get(lake) ?? "/nonexistent", ...key.split("/"));
      await writeFile(`${file}.tmp-4242-deadbeef`, '{"partial":');
      await writeFile(`${file}.x.json.meta.json`, "{}");
    },
  };
};

const gcsBackend = (): Backend => {
  const bucket = `test-${Date.now()}-${randomBytes(4).toString("hex")}`;
  let n = 0;
  const storage = () => createStorage({ apiEndpoint: inject("gcsEndpoint") });
  return {
    name: "GCS (fake-gcs-server)",
    async setup() {
      await storage().createBucket(bucket);
    },
    async teardown() {
      await storage()
        .bucket(bucket)
        .deleteFiles({ force: true })
        .catch(() => undefined);
      await storage()
        .bucket(bucket)
        .delete()
        .catch(() => undefined);
    },
    async fresh() {
      n += 1;
      return openLake(`gs://${bucket}/lake-${n}`, { gcsApiEndpoint: inject("gcsEndpoint"), forbiddenValues: [SECRET] });
    },
    async plantStray(lake, key) {
      const name = `${lake.description.split(" ")[0]?.replace(`gs://${bucket}/`, "")}/${key}`;
      await storage().bucket(bucket).file(`${name}.tmp-4242-deadbeef`).save('{"partial":', { resumable: false });
      await storage().bucket(bucket).file(`${name}.x.json.meta.json`).save("{}", { resumable: false });
    },
  };
};

const meta = (extra: Record<string, string> = {}) => ({
  url: "/v2/aggs/grouped/locale/us/market/stocks/2025-01-03?adjusted=true",
  status: "200",
  requestedAt: "2025-01-04T06:00:00.000Z",
  contentType: "application/json",
  feed: "polygon",
  ...extra,
});

describe.each([localBackend(), gcsBackend()])("lake on $name", (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it("returns a stored body byte for byte, including non-ASCII text and non-UTF-8 bytes", async () => {
    const lake = await backend.fresh();
    const text = Buffer.from('{"name":"Société Générale — 株式会社","trend":"📈","q":"a\\u0000b"}\n', "utf8");
    const binary = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0d, 0x0a, 0xc3]);
    await lake.put(groupedKey("polygon", "2025-01-03"), text, meta());
    await lake.put(groupedKey("polygon", "2025-01-06"), new Uint8Array(binary), meta());
    expect((await lake.get(groupedKey("polygon", "2025-01-03"))).body.equals(text)).toBe(true);
    expect((await lake.get(groupedKey("polygon", "2025-01-06"))).body.equals(binary)).toBe(true);
  });

  it("returns a 5 MB body byte for byte", async () => {
    const lake = await backend.fresh();
    const body = randomBytes(5 * 1024 * 1024);
    const key = rangePageKey("polygon", "AAPL", "2000-01-01", "2025-01-01", 1);
    await lake.put(key, body, meta({ bytes: String(body.length) }));
    const got = await lake.get(key);
    expect(got.body.length).toBe(body.length);
    expect(got.body.equals(body)).toBe(true);
  });

  it("returns the request metadata exactly as stored", async () => {
    const lake = await backend.fresh();
    const m = meta({ sha256: "ab".repeat(32), bytes: "17", note: "Zürich “quoted” ✓", Mixed_Case: "x" });
    await lake.put(groupedKey("synthetic", "2025-01-03"), Buffer.from("{}"), m);
    expect((await lake.get(groupedKey("synthetic", "2025-01-03"))).meta).toEqual(m);
  });

  it("tells whether an object exists", async () => {
    const lake = await backend.fresh();
    const key = groupedKey("polygon", "2025-01-03");
    expect(await lake.exists(key)).toBe(false);
    await lake.put(key, Buffer.from("{}"), meta());
    expect(await lake.exists(key)).toBe(true);
    expect(await lake.exists(groupedKey("polygon", "2025-01-02"))).toBe(false);
  });

  it("lists only data objects under a prefix, never metadata sidecars or temp files", async () => {
    const lake = await backend.fresh();
    const a1 = rangePageKey("polygon", "A", "2025-01-01", "2025-01-31", 1);
    const a2 = rangePageKey("polygon", "A", "2025-01-01", "2025-01-31", 2);
    const aa = rangePageKey("polygon", "AA", "2025-01-01", "2025-01-31", 1);
    const g = groupedKey("polygon", "2025-01-03");
    for (const key of [a1, a2, aa, g]) await lake.put(key, Buffer.from("{}"), meta());
    await backend.plantStray(lake, a1);
    expect(await lake.list(rangePrefix("polygon", "A"))).toEqual([a1, a2]);
    expect(await lake.list(rangePrefix("polygon"))).toEqual([a1, a2, aa]);
    expect(await lake.list("raw/polygon/grouped/date=2025-01")).toEqual([g]);
    expect(await lake.list("")).toEqual([g, a1, a2, aa].sort());
    expect(await lake.list(rangePrefix("synthetic"))).toEqual([]);
  });

  it("lists keys sorted ascending whatever the order they were written in", async () => {
    const lake = await backend.fresh();
    const keys = [
      rangePageKey("polygon", "MSFT", "2025-01-01", "2025-01-31", 10),
      rangePageKey("polygon", "BRK.A", "2025-01-01", "2025-01-31", 2),
      rangePageKey("polygon", "A/B", "2025-01-01", "2025-01-31", 1),
      rangePageKey("polygon", "BRK.A", "2025-01-01", "2025-01-31", 1),
      rangePageKey("polygon", "MSFT", "2025-01-01", "2025-01-31", 9),
      groupedKey("polygon", "2024-12-31"),
      groupedKey("polygon", "2024-01-02"),
    ];
    for (const key of keys) await lake.put(key, Buffer.from("{}"), meta());
    const listed = await lake.list("raw/");
    expect(listed).toEqual([...keys].sort());
    expect(listed.indexOf(keys[4] ?? "")).toBeLessThan(listed.indexOf(keys[0] ?? ""));
  });

  it("names the key when asked for a missing object", async () => {
    const lake = await backend.fresh();
    const key = groupedKey("polygon", "1999-01-04");
    const err = await lake.get(key).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LakeError);
    expect((err as LakeError).key).toBe(key);
    expect((err as LakeError).message).toContain(`no lake object at ${key}`);
  });

  it("replaces an object whole when it is written again, body and metadata", async () => {
    const lake = await backend.fresh();
    const key = groupedKey("polygon", "2025-01-03");
    await lake.put(key, randomBytes(1024 * 1024), meta({ stale: "yes", sha256: "old" }));
    const small = Buffer.from('{"v":2}');
    await lake.put(key, small, meta({ sha256: "new" }));
    const got = await lake.get(key);
    expect(got.body.equals(small)).toBe(true);
    expect(got.meta).toEqual(meta({ sha256: "new" }));
    expect(await lake.list("")).toEqual([key]);
  });

  it("gives each listed object a version token that changes when the object is rewritten, and only then", async () => {
    const lake = await backend.fresh();
    const a = groupedKey("polygon", "2025-01-03");
    const b = groupedKey("polygon", "2025-01-06");
    await lake.put(a, Buffer.from('{"v":1}'), meta());
    await lake.put(b, Buffer.from('{"v":1}'), meta());
    await backend.plantStray(lake, a);
    const before = await lake.versions("raw/polygon/grouped/");
    expect([...before.keys()]).toEqual([a, b]);
    expect(await lake.versions("raw/polygon/grouped/")).toEqual(before);
    await lake.put(a, Buffer.from('{"v":22}'), meta());
    const after = await lake.versions("raw/polygon/grouped/");
    expect(after.get(a)).not.toBe(before.get(a));
    expect(after.get(b)).toBe(before.get(b));
  });

  it("refuses to store metadata or a key containing a forbidden value, without echoing it", async () => {
    const lake = await backend.fresh();
    const key = groupedKey("polygon", "2025-01-03");
    const err = await lake.put(key, Buffer.from("{}"), meta({ url: `/v2/aggs?apiKey=${SECRET}` })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/forbidden value/);
    expect((err as Error).message).not.toContain(SECRET);
    expect(await lake.exists(key)).toBe(false);
    const badKey = rangePageKey("polygon", SECRET, "2025-01-01", "2025-01-02", 1);
    await expect(lake.put(badKey, Buffer.from("{}"), meta())).rejects.toThrow(/forbidden value/);
    expect(await lake.list("")).toEqual([]);
  });

  it("refuses metadata larger than GCS allows (8 KiB), on every backend alike", async () => {
    const lake = await backend.fresh();
    await expect(lake.put(groupedKey("polygon", "2025-01-03"), Buffer.from("{}"), meta({ big: "x".repeat(8192) }))).rejects.toThrow(/over the 8192-byte limit/);
    expect(await lake.exists(groupedKey("polygon", "2025-01-03"))).toBe(false);
  });

  it("rejects keys that escape the lake or collide with bookkeeping files", async () => {
    const lake = await backend.fresh();
    for (const key of ["", "/abs.json", "raw/../x.json", "raw//x.json", "raw/x.json.meta.json", "raw/x.json.tmp-1-ab"]) {
      await expect(lake.put(key, Buffer.from("{}"), meta()), key).rejects.toBeInstanceOf(LakeError);
    }
    await expect(lake.list("../")).rejects.toBeInstanceOf(LakeError);
  });

  it("describes itself without secrets", async () => {
    const lake = await backend.fresh();
    expect(lake.description).toMatch(/^(local folder \/|gs:\/\/test-)/);
    expect(lake.description).not.toContain(SECRET);
  });
});
