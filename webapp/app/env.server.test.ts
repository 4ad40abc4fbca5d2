import { describe, expect, it } from "vitest";
import { EnvError, parseEnv, publicEnv } from "./env.server";

describe("the environment schema", () => {
  it("has working defaults for local use", () => {
    const e = parseEnv({});
    expect(e).toMatchObject({ MONGODB_DB: "stock_market", ADMIN_USERNAME: "editor", READ_REQUIRES_LOGIN: false, cookieSecure: false, CURATED_CACHE_MAX_MB: 1024 });
    expect(e.MONGODB_URI).toBeUndefined();
    expect(e.dataDir).toMatch(/\/\.data$/);
  });

  it("requires a long SESSION_SECRET in production, and names every bad variable at once", () => {
    expect(() => parseEnv({ NODE_ENV: "production" })).toThrow(/SESSION_SECRET is required in production/);
    try {
      parseEnv({ SESSION_SECRET: "short", MONGODB_URI: "http://x", READ_REQUIRES_LOGIN: "maybe", ADMIN_PASSWORD_HASH: "plain", CURATED_CACHE_MAX_MB: "0" });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(EnvError);
      for (const name of ["SESSION_SECRET", "MONGODB_URI", "READ_REQUIRES_LOGIN", "ADMIN_PASSWORD_HASH", "CURATED_CACHE_MAX_MB"]) expect((e as Error).message).toContain(name);
    }
    const prod = parseEnv({ NODE_ENV: "production", SESSION_SECRET: "x".repeat(32), READ_REQUIRES_LOGIN: "true" });
    expect(prod).toMatchObject({ cookieSecure: true, READ_REQUIRES_LOGIN: true });
  });

  it("shows the browser only the public list", () => {
    const e = parseEnv({ SESSION_SECRET: "x".repeat(32), ADMIN_PASSWORD: "secret-password" });
    expect(JSON.stringify(publicEnv(e))).not.toMatch(/secret|xxxx/);
  });
});

describe("paths", () => {
  it("DATA_DIR, LAKE_URI and the default lake resolve to the same folders as the CLI's", async () => {
    const { loadConfig } = await import("@stock-market/pipeline/config.server");
    const cases: Record<string, string>[] = [{}, { DATA_DIR: "./elsewhere" }, { DATA_DIR: "./d", LAKE_URI: "./my-lake" }, { LAKE_URI: "gs://bucket/lake" }];
    for (const raw of cases) {
      const web = parseEnv(raw);
      const cli = loadConfig(raw as NodeJS.ProcessEnv);
      expect(web.dataDir, JSON.stringify(raw)).toBe(cli.dataDir);
      expect(web.lakeUri, JSON.stringify(raw)).toBe(cli.lake.uri);
    }
  });
});
