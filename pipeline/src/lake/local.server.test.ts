/** Local-folder specifics: crashes and failures mid-write. The shared behaviours are in lake.test.ts. */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, LakeError } from "../errors.js";
import { openLake } from "./lake.js";
import { groupedKey } from "./layout.js";

const isRoot = process.getuid?.() === 0;
const key = groupedKey("polygon", "2025-01-03");
const meta = { url: "/v2/aggs/grouped/locale/us/market/stocks/2025-01-03", status: "200" };

let root = "";
const fileOf = (k: string) => path.join(root, ...k.split("/"));
const filesIn = async (dir: string) => (await readdir(dir, { recursive: true })).map(String).sort();

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "lake-local-"));
});
afterEach(async () => {
  await chmod(path.dirname(fileOf(key)), 0o755).catch(() => undefined);
  await rm(root, { recursive: true, force: true });
});

describe("local lake", () => {
  it("stores the body under the key's path and the metadata in a JSON sidecar beside it", async () => {
    const lake = openLake(root);
    await lake.put(key, Buffer.from('{"ok":true}'), meta);
    expect(await readFile(fileOf(key), "utf8")).toBe('{"ok":true}');
    expect(JSON.parse(await readFile(`${fileOf(key)}.meta.json`, "utf8"))).toEqual(meta);
    expect(await filesIn(path.dirname(fileOf(key)))).toEqual(["grouped.json", "grouped.json.meta.json"]);
  });

  it("a crash mid-write leaves no partial object under the final name", async () => {
    // What a writer killed before its rename leaves behind: a temp file (and maybe the sidecar).
    const lake = openLake(root);
    await mkdir(path.dirname(fileOf(key)), { recursive: true });
    await writeFile(`${fileOf(key)}.tmp-4242-0123456789ab`, '{"results":[{"T":"AA');
    await writeFile(`${fileOf(key)}.meta.json`, JSON.stringify(meta));
    expect(await lake.exists(key)).toBe(false);
    expect(await lake.list("")).toEqual([]);
    await expect(lake.get(key)).rejects.toThrow(`no lake object at ${key}`);
    // The next put of the same key replaces the leftovers cleanly.
    await lake.put(key, Buffer.from("{}"), meta);
    expect((await lake.get(key)).body.toString()).toBe("{}");
    expect(await lake.list("")).toEqual([key]);
  });

  it("a failed rename leaves no partial object under the final name and fails with a LakeError naming the key and cause", async () => {
    const lake = openLake(root);
    // A directory in the way makes the final rename fail (EISDIR), even for root.
    await mkdir(fileOf(key), { recursive: true });
    const err = await lake.put(key, randomBytes(256 * 1024), meta).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LakeError);
    expect((err as LakeError).key).toBe(key);
    expect((err as LakeError).message).toMatch(new RegExp(`^could not write lake object ${key} in local folder .*: EISDIR`));
    expect(await lake.exists(key)).toBe(false);
    expect(await lake.list("")).toEqual([]);
    // No temp file is left behind either, nor the metadata placed just before the body failed.
    expect((await filesIn(path.dirname(fileOf(key)))).filter((f) => f.includes(".tmp-"))).toEqual([]);
    expect(await filesIn(path.dirname(fileOf(key)))).not.toContain(`${path.basename(fileOf(key))}.meta.json`);
  });

  it.skipIf(isRoot)("a read-only folder makes put fail with a LakeError and keeps the old object whole", async () => {
    const lake = openLake(root);
    await lake.put(key, Buffer.from('{"v":1}'), meta);
    await chmod(path.dirname(fileOf(key)), 0o555);
    const err = await lake.put(key, Buffer.from('{"v":2}'), meta).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LakeError);
    expect((err as LakeError).message).toMatch(/^could not write lake object .*: EACCES/);
    expect((await lake.get(key)).body.toString()).toBe('{"v":1}');
  });

  it("reports an unreadable object as a LakeError with the cause code, not as missing", async () => {
    const lake = openLake(root);
    await mkdir(fileOf(key), { recursive: true });
    await expect(lake.get(key)).rejects.toThrow(/^could not read lake object .*: EISDIR/);
  });

  it("reports a corrupt metadata sidecar as a LakeError", async () => {
    const lake = openLake(root);
    await lake.put(key, Buffer.from("{}"), meta);
    await writeFile(`${fileOf(key)}.meta.json`, '{"status":200}');
    await expect(lake.get(key)).rejects.toThrow(/metadata .* is not a JSON object of strings/);
  });

  it("lists nothing, rather than failing, when the lake folder does not exist yet", async () => {
    expect(await openLake(path.join(root, "not-yet")).list("raw/")).toEqual([]);
  });

  it("resolves a relative path against the working directory and accepts file:// URIs", () => {
    expect(openLake("some/lake").description).toBe(`local folder ${path.resolve(process.cwd(), "some/lake")}`);
    expect(openLake("file:///var/lake").description).toBe("local folder /var/lake");
  });

  it("refuses an empty URI or an unsupported scheme as a configuration error", () => {
    expect(() => openLake("  ")).toThrow(ConfigError);
    expect(() => openLake("s3://bucket/x")).toThrow(ConfigError);
  });
});
