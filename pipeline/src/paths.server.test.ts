import { mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "./config.server.js";
import { projectRoot, resolveSetting } from "./paths.server.js";

const checkout = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const outside = await realpath(await mkdtemp(path.join(tmpdir(), "paths-")));
afterAll(() => rm(outside, { recursive: true, force: true }));

describe("relative paths in settings", () => {
  it("are taken from the checkout's root from any folder inside it, and from the working directory outside one", () => {
    expect(projectRoot(checkout)).toBe(checkout);
    expect(projectRoot(path.join(checkout, "pipeline", "src"))).toBe(checkout);
    expect(projectRoot(path.join(checkout, "webapp"))).toBe(checkout);
    expect(projectRoot(outside)).toBe(outside);
  });

  it("leave URIs and absolute paths as they are", () => {
    expect(resolveSetting("gs://bucket/prefix", outside)).toBe("gs://bucket/prefix");
    expect(resolveSetting("/srv/data", outside)).toBe("/srv/data");
    expect(resolveSetting("./.data", outside)).toBe(path.join(outside, ".data"));
  });

  it("give the CLI the lake under DATA_DIR unless LAKE_URI names another", () => {
    const c = loadConfig({ DATA_DIR: "/srv/stock" });
    expect(c.dataDir).toBe("/srv/stock");
    expect(c.lake.uri).toBe("/srv/stock/lake");
    expect(loadConfig({ DATA_DIR: "/srv/stock", LAKE_URI: "gs://bucket/p" }).lake.uri).toBe("gs://bucket/p");
  });
});
