import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, redact, redactMongoUri } from "./config.server.js";
import { projectRoot } from "./paths.server.js";
import { ConfigError } from "./errors.js";

/** Made-up credentials, assembled so that no literal URI with a password sits in the repository. */
const fakeUri = (scheme: string, user: string, password: string, rest: string) => `${scheme}://${user}:${password}` + "@" + rest;

/** loadConfig's error, or a failure when it does not throw one. */
function configErrorOf(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

const KEY = "pk_test_0123456789abcdef";

describe("loadConfig defaults", () => {
  it("an empty environment gives the offline synthetic feed with the documented defaults", () => {
    const c = loadConfig({});
    expect(c).toEqual({
      feed: "synthetic",
      polygon: { apiKey: undefined, baseUrl: undefined, maxRequestsPerMinute: 60_000, timeoutMs: 30_000, maxRetries: 5, retryBaseMs: 2_000 },
      mongo: { uri: undefined, dbName: "stock_market" },
      lake: { uri: path.resolve(projectRoot(), ".data/lake"), gcsApiEndpoint: undefined, gcsProjectId: undefined },
      tickers: ["AAPL", "GOOGL", "MSFT", "TSLA", "NVDA"],
      dataDir: path.resolve(projectRoot(), ".data"),
      maxCatchUpSessions: 10,
      secrets: [],
    });
  });

  it("a key alone selects the real API at api.polygon.io paced to the free plan's 5 requests per minute", () => {
    const c = loadConfig({ POLYGON_API_KEY: KEY });
    expect(c.feed).toBe("polygon");
    expect(c.polygon).toMatchObject({ apiKey: KEY, baseUrl: "https://api.polygon.io", maxRequestsPerMinute: 5 });
  });

  it("a blank key counts as no key, and surrounding spaces are trimmed from values", () => {
    expect(loadConfig({ POLYGON_API_KEY: "   " }).feed).toBe("synthetic");
    const c = loadConfig({ POLYGON_API_KEY: `  ${KEY}\n`, POLYGON_BASE_URL: " https://api.massive.com/// ", MONGODB_DB: " prices " });
    expect(c.polygon.apiKey).toBe(KEY);
    expect(c.polygon.baseUrl).toBe("https://api.massive.com");
    expect(c.mongo.dbName).toBe("prices");
  });

  it("numbers are read from text, and a fractional request rate is kept", () => {
    const c = loadConfig({
      POLYGON_API_KEY: KEY,
      POLYGON_MAX_REQUESTS_PER_MINUTE: "0.5",
      POLYGON_TIMEOUT_MS: "1500",
      POLYGON_MAX_RETRIES: "0",
      POLYGON_RETRY_BASE_MS: "5",
    });
    expect(c.polygon).toMatchObject({ maxRequestsPerMinute: 0.5, timeoutMs: 1500, maxRetries: 0, retryBaseMs: 5 });
  });

  it("a gs:// lake, an emulator endpoint and a project are passed through", () => {
    const c = loadConfig({ LAKE_URI: "gs://my-bucket/raw-data", GCS_API_ENDPOINT: "http://127.0.0.1:4443/", GCS_PROJECT_ID: "proj-1" });
    expect(c.lake).toEqual({ uri: "gs://my-bucket/raw-data", gcsApiEndpoint: "http://127.0.0.1:4443", gcsProjectId: "proj-1" });
  });
});

describe("loadConfig errors", () => {
  it("names every invalid variable in one ConfigError, one issue each, exit code 2", () => {
    const bad: Record<string, string> = {
      POLYGON_BASE_URL: "ftp://api.polygon.io",
      POLYGON_MAX_REQUESTS_PER_MINUTE: "lots",
      POLYGON_TIMEOUT_MS: "0",
      POLYGON_MAX_RETRIES: "2.5",
      POLYGON_RETRY_BASE_MS: "-3",
      MONGODB_URI: "http://db.example.com",
      MONGODB_DB: "bad name!",
      LAKE_URI: "gs://X",
      GCS_API_ENDPOINT: "not a url",
      TICKERS: "AAPL,BAD TICKER",
      ALLOW_SYNTHETIC_DATA: "yes",
      MAX_CATCH_UP_SESSIONS: "0",
    };
    const e = configErrorOf({ POLYGON_API_KEY: KEY, ...bad });
    expect(e.exitCode).toBe(2);
    const names = Object.keys(bad);
    expect(e.issues).toHaveLength(names.length);
    for (const name of names) {
      const mine = e.issues.filter((i) => i.startsWith(`${name} `));
      expect(mine, `issues naming ${name}: ${JSON.stringify(e.issues)}`).toHaveLength(1);
      expect(e.message).toContain(mine[0]);
    }
    expect(e.message).toMatch(new RegExp(`^Invalid configuration \\(${names.length} problems\\): `));
  });

  it("a single problem is one sentence naming the variable", () => {
    const e = configErrorOf({ POLYGON_MAX_RETRIES: "21" });
    expect(e.issues).toEqual([expect.stringMatching(/^POLYGON_MAX_RETRIES /)]);
    expect(e.message).toBe(`Invalid configuration: ${e.issues[0]}`);
  });

  it.each([
    ["POLYGON_MAX_REQUESTS_PER_MINUTE", "0"],
    ["POLYGON_MAX_REQUESTS_PER_MINUTE", "60001"],
    ["POLYGON_MAX_REQUESTS_PER_MINUTE", "Infinity"],
    ["POLYGON_TIMEOUT_MS", "NaN"],
    ["POLYGON_MAX_RETRIES", "-1"],
    ["MAX_CATCH_UP_SESSIONS", "2.5"],
    ["MAX_CATCH_UP_SESSIONS", "251"],
    ["MONGODB_URI", "mongodb://"],
    ["MONGODB_DB", "a".repeat(64)],
    ["LAKE_URI", "gs://"],
    ["LAKE_URI", "s3://bucket/lake"],
    ["LAKE_URI", "file://relative/lake"],
    ["LAKE_URI", "gs://stock-lake/../escape"],
    ["LAKE_URI", "GS://Upper_Case"],
    ["MONGODB_URI", "mongodb://127.0.0.1:99999999/"],
    ["MONGODB_URI", "mongodb://127.0.0.1/?$where=1"],
    ["MONGODB_URI", "mongodb://user:p%zz@127.0.0.1/"],
  ])("%s=%j is refused", (name, value) => {
    expect(configErrorOf({ POLYGON_API_KEY: KEY, [name]: value }).issues).toEqual([expect.stringMatching(new RegExp(`^${name} `))]);
  });
});

describe("TICKERS", () => {
  it("`*` keeps every ticker of the grouped response", () => {
    expect(loadConfig({ TICKERS: " * " }).tickers).toBe("*");
  });

  it("a list is trimmed, empty entries dropped and repeats removed, keeping Polygon's case-sensitive spelling", () => {
    expect(loadConfig({ TICKERS: " BRK.A, AAPL,,AAPL , aapl,BF-B " }).tickers).toEqual(["BRK.A", "AAPL", "aapl", "BF-B"]);
  });

  it("bad tickers are listed in the issue", () => {
    const e = configErrorOf({ TICKERS: "AAPL,GOO GL,$SPX,AAPL;DROP" });
    // The valid AAPL is not listed; the three bad ones are, in input order.
    expect(e.issues).toEqual(["TICKERS has invalid ticker(s): GOO GL, $SPX, AAPL;DROP"]);
  });

  it("a list with no ticker at all is refused", () => {
    expect(configErrorOf({ TICKERS: " , ," }).issues).toEqual(["TICKERS must list at least one ticker, or be *"]);
  });
});

describe("*_FILE secrets", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "config-secrets-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("POLYGON_API_KEY_FILE and MONGODB_URI_FILE are read (trimmed) and beat the plain variables", async () => {
    const keyFile = path.join(dir, "key");
    const uriFile = path.join(dir, "uri");
    await writeFile(keyFile, `  ${KEY}\n`);
    await writeFile(uriFile, fakeUri("mongodb", "svc", "s3cret-pass", "db.internal:27017/") + "\n");
    const c = loadConfig({ POLYGON_API_KEY: "from-env-key", POLYGON_API_KEY_FILE: keyFile, MONGODB_URI: "mongodb://other:27017", MONGODB_URI_FILE: uriFile });
    expect(c.polygon.apiKey).toBe(KEY);
    expect(c.feed).toBe("polygon");
    expect(c.mongo.uri).toBe(fakeUri("mongodb", "svc", "s3cret-pass", "db.internal:27017/"));
    expect(c.secrets).toEqual(expect.arrayContaining([KEY, "s3cret-pass"]));
  });

  it("an unreadable secret file is an issue naming the *_FILE variable and its path, reported with the other issues", async () => {
    const missing = path.join(dir, "does-not-exist");
    const e = configErrorOf({ POLYGON_API_KEY_FILE: missing, MONGODB_DB: "no spaces allowed" });
    expect(e.issues).toHaveLength(2);
    expect(e.issues).toContain(`POLYGON_API_KEY_FILE: cannot read ${missing} (ENOENT)`);
    expect(e.issues.some((i) => i.startsWith("MONGODB_DB "))).toBe(true);
  });

  it.skipIf(process.getuid?.() === 0)("a secret file without read permission is an issue, and its content never shows", async () => {
    const locked = path.join(dir, "locked");
    await writeFile(locked, KEY);
    await chmod(locked, 0o000);
    const e = configErrorOf({ POLYGON_API_KEY_FILE: locked });
    expect(e.issues).toEqual([`POLYGON_API_KEY_FILE: cannot read ${locked} (EACCES)`]);
    expect(e.message).not.toContain(KEY);
  });

  it("a directory given as a secret file is an issue, not a crash", () => {
    expect(configErrorOf({ MONGODB_URI_FILE: dir }).issues).toEqual([`MONGODB_URI_FILE: cannot read ${dir} (EISDIR)`]);
  });
});

describe("synthetic vs polygon feed", () => {
  it("no key but a POLYGON_BASE_URL is an error: the URL would be called without credentials", () => {
    const e = configErrorOf({ POLYGON_BASE_URL: "http://127.0.0.1:9999" });
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]).toMatch(/^POLYGON_API_KEY is not set, but POLYGON_BASE_URL is/);
  });

  it("no key and a MONGODB_URI is refused: synthetic prices must not reach a real database by accident", () => {
    const e = configErrorOf({ MONGODB_URI: "mongodb://db.example.com:27017" });
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]).toMatch(/^POLYGON_API_KEY is not set: refusing .*MONGODB_URI.*ALLOW_SYNTHETIC_DATA=true/);
  });

  it.each(["false", ""])("ALLOW_SYNTHETIC_DATA=%j does not lift the refusal", (allow) => {
    expect(() => loadConfig({ MONGODB_URI: "mongodb://db.example.com:27017", ALLOW_SYNTHETIC_DATA: allow })).toThrow(ConfigError);
  });

  it("ALLOW_SYNTHETIC_DATA=true loads synthetic data into MONGODB_URI on purpose, unpaced", () => {
    const c = loadConfig({ MONGODB_URI: "mongodb://db.example.com:27017", ALLOW_SYNTHETIC_DATA: "true" });
    expect(c.feed).toBe("synthetic");
    expect(c.mongo.uri).toBe("mongodb://db.example.com:27017");
    expect(c.polygon.maxRequestsPerMinute).toBe(60_000);
  });

  it("both feed problems are reported together", () => {
    expect(configErrorOf({ POLYGON_BASE_URL: "http://127.0.0.1:9999", MONGODB_URI: "mongodb://db:27017" }).issues).toHaveLength(2);
  });

  it("with a key, POLYGON_BASE_URL and MONGODB_URI are used as given", () => {
    const c = loadConfig({ POLYGON_API_KEY: KEY, POLYGON_BASE_URL: "http://127.0.0.1:9999", MONGODB_URI: "mongodb+srv://cluster0.example.net" });
    expect(c.feed).toBe("polygon");
    expect(c.polygon.baseUrl).toBe("http://127.0.0.1:9999");
    expect(c.mongo.uri).toBe("mongodb+srv://cluster0.example.net");
  });
});

describe("secrets and redaction", () => {
  it("`secrets` holds the API key and the MongoDB password, raw and percent-decoded", () => {
    const c = loadConfig({ POLYGON_API_KEY: KEY, MONGODB_URI: fakeUri("mongodb+srv", "app", "p%40ss%2Fw0rd", "cluster0.example.net/stock?retryWrites=true") });
    expect(c.secrets).toEqual([KEY, "p%40ss%2Fw0rd", "p@ss/w0rd"]);
  });

  it("a URI without a password adds no secret", () => {
    expect(loadConfig({ POLYGON_API_KEY: KEY, MONGODB_URI: "mongodb://db.example.com:27017" }).secrets).toEqual([KEY]);
  });

  it("redact replaces every occurrence of every secret", () => {
    const secrets = [KEY, "p@ss/w0rd"];
    const text = `GET /x?apiKey=${KEY} failed; retry with ${KEY}; auth p@ss/w0rd rejected`;
    const out = redact(text, secrets);
    expect(out).toBe("GET /x?apiKey=*** failed; retry with ***; auth *** rejected");
    for (const s of secrets) expect(out).not.toContain(s);
    expect(redact("nothing secret here", secrets)).toBe("nothing secret here");
  });

  it("redactMongoUri hides the password of mongodb:// and mongodb+srv:// URIs and leaves the rest", () => {
    expect(redactMongoUri(fakeUri("mongodb", "app", "hunter22", "db1:27017,db2:27017/stock?authSource=admin"))).toBe(
      fakeUri("mongodb", "app", "***", "db1:27017,db2:27017/stock?authSource=admin"),
    );
    expect(redactMongoUri(fakeUri("mongodb+srv", "app", "p%40ss", "cluster0.example.net/"))).toBe(fakeUri("mongodb+srv", "app", "***", "cluster0.example.net/"));
    expect(redactMongoUri("mongodb://db.example.com:27017/")).toBe("mongodb://db.example.com:27017/");
  });
});

describe("blank variables", () => {
  it("an empty value means the default, as Compose passes blanks through", () => {
    const c = loadConfig({ TICKERS: "", POLYGON_TIMEOUT_MS: " ", MONGODB_DB: "", LAKE_URI: "" });
    expect(c.tickers).toEqual(["AAPL", "GOOGL", "MSFT", "TSLA", "NVDA"]);
    expect(c.polygon.timeoutMs).toBe(30_000);
    expect(c.mongo.dbName).toBe("stock_market");
    expect(c.lake.uri).toBe(path.resolve(projectRoot(), ".data/lake"));
  });
});
