/**
 * The Polygon client against real local HTTP servers: the project's fake
 * Polygon server, and for what it cannot produce a tiny node:http server per
 * test. Waits between retries go through an injected `sleep` spy that only
 * records them, so no test really waits.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../errors.js";
import { startFakePolygon, type FakePolygon, type Fault } from "../fake-polygon/server.js";
import { PolygonClient, type PolygonClientOptions } from "./client.server.js";

const KEY = "test-key";
const TRADING_DAY = "2025-01-14"; // a Tuesday before the fake's "today"
const TODAY = "2025-01-15";
const SATURDAY = "2025-01-11";

let fake: FakePolygon;
let sleeps: number[];
const sleep = async (ms: number) => void sleeps.push(ms);

function client(overrides: Partial<PolygonClientOptions> = {}): PolygonClient {
  return new PolygonClient({
    baseUrl: fake.url,
    apiKey: KEY,
    // High enough that the pacer never waits: every recorded sleep is a retry wait.
    maxRequestsPerMinute: 60_000,
    // Generous, so a slow machine never turns a normal answer into a retry; the timeout tests set their own.
    timeoutMs: 5_000,
    maxRetries: 3,
    retryBaseMs: 5,
    sleep,
    ...overrides,
  });
}

/** The ApiError a call rejects with (fails the test if it resolves or throws something else). */
async function apiErrorOf(p: Promise<unknown>): Promise<ApiError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ApiError);
  return e as ApiError;
}

/** A throw-away HTTP server for responses the fake cannot produce. */
async function tinyServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; hits: IncomingMessage[]; close: () => Promise<void> }> {
  const hits: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

beforeAll(async () => {
  fake = await startFakePolygon({ today: () => TODAY, universeSize: 40, apiKeys: [KEY] });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.clearFaults();
  fake.resetStats();
  sleeps = [];
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("PolygonClient: authentication and the successful response", () => {
  it("sends the key as an Authorization: Bearer header and never in the URL", async () => {
    const c = client();
    const r = await c.grouped(TRADING_DAY, { tradingDay: true });
    expect(fake.requests).toHaveLength(1);
    const req = fake.requests[0]!;
    expect(req.authorization).toBe(`Bearer ${KEY}`);
    expect(req.path).toBe(`/v2/aggs/grouped/locale/us/market/stocks/${TRADING_DAY}`);
    expect(req.query).toEqual({ adjusted: "false", include_otc: "false" });
    expect(r.path).toBe(`/v2/aggs/grouped/locale/us/market/stocks/${TRADING_DAY}?adjusted=false&include_otc=false`);
    expect(r.path).not.toContain(KEY);
  });

  it("returns the body byte for byte with its status, count, request id and sha256", async () => {
    const r = await client().grouped(TRADING_DAY, { tradingDay: true, includeOtc: true });
    const json = JSON.parse(r.body.toString("utf8"));
    expect(r.status).toBe(200);
    expect(r.contentType).toMatch(/^application\/json/);
    expect(r.resultsCount).toBe(json.results.length);
    expect(r.resultsCount).toBeGreaterThan(0);
    expect(r.requestId).toBe(json.request_id);
    expect(r.sha256).toBe(createHash("sha256").update(r.body).digest("hex"));
    expect(r.nextPath).toBeUndefined();
    expect(fake.requests[0]!.query.include_otc).toBe("true");
    expect(Date.parse(r.requestedAt)).not.toBeNaN();
  });
});

describe("PolygonClient: bars are requested as traded", () => {
  it("range aggregates ask for adjusted=false, ascending, up to 50,000 bars", async () => {
    const r = await client().rangeFirstPage("AAPL", "2024-01-02", "2024-01-31");
    expect(fake.requests[0]!.query).toEqual({ adjusted: "false", sort: "asc", limit: "50000" });
    expect(r.path).toBe("/v2/aggs/ticker/AAPL/range/1/day/2024-01-02/2024-01-31?adjusted=false&sort=asc&limit=50000");
  });
});

describe("PolygonClient: errors that are not retried", () => {
  it("401 (wrong key) fails at once: ApiError kind auth, exit code 3, 1 attempt, naming POLYGON_API_KEY", async () => {
    const c = client({ apiKey: "wrong-key-0123456789" });
    const e = await apiErrorOf(c.grouped(TRADING_DAY, { tradingDay: true }));
    expect(e.exitCode).toBe(3);
    expect(e.details).toEqual({ kind: "auth", status: 401, attempts: 1, path: `/v2/aggs/grouped/locale/us/market/stocks/${TRADING_DAY}` });
    expect(e.message).toContain("POLYGON_API_KEY");
    expect(e.message).toContain("Unknown API Key");
    expect(e.message).not.toContain("wrong-key-0123456789");
    expect(fake.requests).toHaveLength(1);
    expect(c.requestCount).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it("a missing key is reported as not sent, still kind auth and not retried", async () => {
    const e = await apiErrorOf(client({ apiKey: "" }).grouped(TRADING_DAY, { tradingDay: true }));
    expect(e.details).toMatchObject({ kind: "auth", status: 401, attempts: 1 });
    expect(e.message).toMatch(/not sent.*set POLYGON_API_KEY/);
  });

  it("400 (a date the API cannot parse) fails at once as bad-request, quoting the API", async () => {
    const c = client();
    const e = await apiErrorOf(c.rangeFirstPage("AAPL", "2024-13-45", "2024-12-31"));
    expect(e.details).toMatchObject({ kind: "bad-request", status: 400, attempts: 1 });
    expect(e.message).toContain("Could not parse the time parameter");
    expect(c.requestCount).toBe(1);
  });

  it("403 not entitled fails at once as entitlement", async () => {
    fake.inject({ kind: "entitlement", times: 5 });
    const c = client();
    const e = await apiErrorOf(c.grouped(TRADING_DAY, { tradingDay: true }));
    expect(e.details).toMatchObject({ kind: "entitlement", status: 403, attempts: 1 });
    expect(e.message).toContain("not entitled");
    expect(c.requestCount).toBe(1);
  });

  it("403 outside the plan's timeframe (a future date) fails at once as entitlement, saying so", async () => {
    const e = await apiErrorOf(client().grouped("2025-01-16", { tradingDay: true }));
    expect(e.details).toMatchObject({ kind: "entitlement", status: 403, attempts: 1 });
    expect(e.message).toContain("outside the history your plan covers");
  });

  it("403 for today's data before the end of day fails at once as not-yet-available", async () => {
    const e = await apiErrorOf(client().grouped(TODAY, { tradingDay: true }));
    expect(e.details).toMatchObject({ kind: "not-yet-available", status: 403, attempts: 1 });
    expect(e.message).toMatch(/today's session is not available yet/);
    expect(fake.requests).toHaveLength(1);
  });

  it("404 fails at once as not-found", async () => {
    const e = await apiErrorOf(client().nextPage("/v2/no-such-endpoint"));
    expect(e.details).toMatchObject({ kind: "not-found", status: 404, attempts: 1 });
  });

  it("a redirect is neither followed nor retried, and the error points at POLYGON_BASE_URL", async () => {
    const target = await tinyServer((_req, res) => sendJson(res, 200, { status: "OK", results: [] }));
    const redirecting = await tinyServer((_req, res) => {
      res.writeHead(302, { Location: `${target.url}/elsewhere` });
      res.end();
    });
    try {
      const c = client({ baseUrl: redirecting.url });
      const e = await apiErrorOf(c.grouped(TRADING_DAY, { tradingDay: true }));
      expect(e.details).toMatchObject({ kind: "bad-request", status: 302, attempts: 1 });
      expect(e.message).toContain(`redirect to ${target.url}/elsewhere`);
      expect(e.message).toContain("POLYGON_BASE_URL");
      expect(redirecting.hits).toHaveLength(1);
      expect(target.hits).toHaveLength(0);
    } finally {
      await Promise.all([target.close(), redirecting.close()]);
    }
  });
});

describe("PolygonClient: transient failures are retried", () => {
  const transient: Array<[string, Fault]> = [
    ["429 rate limit", { kind: "rate-limit", times: 2 }],
    ["503 JSON error", { kind: "status", status: 503, times: 2 }],
    ["504 HTML gateway page", { kind: "html", times: 2 }],
    ["502 HTML gateway page", { kind: "html", status: 502, times: 2 }],
    ["connection reset", { kind: "reset", times: 2 }],
    ["truncated body", { kind: "truncated", times: 2 }],
    ["invalid JSON body", { kind: "invalid-json", times: 2 }],
    ["no answer within the timeout", { kind: "delay", delayMs: 5_000, times: 1 }],
  ];

  it.each(transient)("%s: retried, then the good response is returned", async (_name, fault) => {
    fake.inject(fault);
    const c = client(fault.kind === "delay" ? { timeoutMs: 300 } : {});
    const r = await c.grouped(TRADING_DAY, { tradingDay: true });
    expect(r.status).toBe(200);
    expect(r.resultsCount).toBeGreaterThan(0);
    expect(JSON.parse(r.body.toString("utf8")).resultsCount).toBe(r.resultsCount);
    expect(fake.requests).toHaveLength(fault.times + 1);
    expect(c.requestCount).toBe(fault.times + 1);
    expect(sleeps).toHaveLength(fault.times);
  });

  it.each([
    ["500 JSON errors", "server", { kind: "status", status: 500, times: 99 }, 500],
    ["429s", "rate-limit", { kind: "rate-limit", times: 99 }, 429],
    ["truncated bodies", "bad-body", { kind: "truncated", times: 99 }, 200],
    ["504 HTML pages", "server", { kind: "html", times: 99 }, 504],
  ] as Array<[string, string, Fault, number]>)("retries exhausted on %s end in ApiError kind %s with attempts = maxRetries + 1", async (_name, kind, fault, status) => {
    fake.inject(fault);
    const c = client({ maxRetries: 2 });
    const e = await apiErrorOf(c.grouped(TRADING_DAY, { tradingDay: true }));
    expect(e.details).toMatchObject({ kind, status, attempts: 3 });
    expect(e.exitCode).toBe(3);
    expect(e.message).toContain("3 attempts");
    expect(fake.requests).toHaveLength(3);
    expect(c.requestCount).toBe(3);
    expect(sleeps).toHaveLength(2);
  });

  it("timeouts exhausted end in kind timeout", async () => {
    fake.inject({ kind: "delay", delayMs: 5_000, times: 99 });
    const e = await apiErrorOf(client({ maxRetries: 1, timeoutMs: 100 }).grouped(TRADING_DAY, { tradingDay: true }));
    expect(e.details).toMatchObject({ kind: "timeout", attempts: 2 });
    expect(e.message).toContain("no answer within 100 ms");
  });

  it("a refused connection is a network error, retried until attempts run out", async () => {
    const gone = await tinyServer(() => undefined);
    await gone.close();
    const c = client({ baseUrl: gone.url, maxRetries: 2 });
    const e = await apiErrorOf(c.grouped(TRADING_DAY, { tradingDay: true }));
    expect(e.details).toMatchObject({ kind: "network", attempts: 3 });
    expect(e.message).toContain("ECONNREFUSED");
    expect(c.requestCount).toBe(3);
  });

  it("maxRetries 0 makes exactly one attempt", async () => {
    fake.inject({ kind: "status", status: 503, times: 1 });
    const e = await apiErrorOf(client({ maxRetries: 0 }).grouped(TRADING_DAY, { tradingDay: true }));
    expect(e.details.attempts).toBe(1);
    expect(e.message).not.toContain("attempts");
    expect(sleeps).toEqual([]);
  });

  it("a 200 whose JSON is an array is not a response envelope: retried, then kind bad-body", async () => {
    const server = await tinyServer((_req, res) => sendJson(res, 200, [{ T: "AAPL" }]));
    try {
      const c = client({ baseUrl: server.url, maxRetries: 2 });
      const e = await apiErrorOf(c.grouped(TRADING_DAY, { tradingDay: true }));
      expect(e.details).toMatchObject({ kind: "bad-body", status: 200, attempts: 3 });
      expect(server.hits).toHaveLength(3);
    } finally {
      await server.close();
    }
  });

  it("a 200 whose status is not OK, or whose results are not an array, is retried as bad-body", async () => {
    const bodies = [
      { status: "ERROR", error: "oops" },
      { status: "OK", results: { AAPL: {} } },
      { status: "OK", results: [], resultsCount: 0 },
    ];
    const server = await tinyServer((_req, res) => sendJson(res, 200, bodies.shift()));
    try {
      const c = client({ baseUrl: server.url });
      const r = await c.grouped(SATURDAY, { tradingDay: false });
      expect(r.resultsCount).toBe(0);
      expect(server.hits).toHaveLength(3);
      expect(sleeps).toHaveLength(2);
    } finally {
      await server.close();
    }
  });
});

describe("PolygonClient: waits between attempts", () => {
  it("honours Retry-After on 429: the wait equals it", async () => {
    fake.inject({ kind: "rate-limit", times: 1, retryAfterSeconds: 7 });
    await client().grouped(TRADING_DAY, { tradingDay: true });
    expect(sleeps).toEqual([7_000]);
  });

  it("honours Retry-After on 503", async () => {
    fake.inject({ kind: "status", status: 503, times: 2, retryAfterSeconds: 2 });
    await client().grouped(TRADING_DAY, { tradingDay: true });
    expect(sleeps).toEqual([2_000, 2_000]);
  });

  it("honours Retry-After given as an HTTP date", async () => {
    let first = true;
    const server = await tinyServer((_req, res) => {
      if (first) {
        first = false;
        return sendJson(res, 503, { status: "ERROR", error: "busy" }, { "Retry-After": new Date(Date.now() + 30_000).toUTCString() });
      }
      sendJson(res, 200, { status: "OK", resultsCount: 0 });
    });
    try {
      await client({ baseUrl: server.url }).grouped(SATURDAY, { tradingDay: false });
      expect(sleeps).toHaveLength(1);
      // toUTCString drops milliseconds, and a little time passes before it is read.
      expect(sleeps[0]).toBeGreaterThan(27_000);
      expect(sleeps[0]).toBeLessThanOrEqual(30_000);
    } finally {
      await server.close();
    }
  });

  it("caps a huge Retry-After at 5 minutes", async () => {
    fake.inject({ kind: "rate-limit", times: 1, retryAfterSeconds: 86_400 });
    await client().grouped(TRADING_DAY, { tradingDay: true });
    expect(sleeps).toEqual([300_000]);
  });

  it("without Retry-After, the k-th wait lies in [base·2^(k-1)/2, base·2^(k-1)]", async () => {
    fake.inject({ kind: "status", status: 500, times: 99 });
    const base = 100;
    await apiErrorOf(client({ maxRetries: 5, retryBaseMs: base }).grouped(TRADING_DAY, { tradingDay: true }));
    expect(sleeps).toHaveLength(5);
    sleeps.forEach((ms, i) => {
      const full = base * 2 ** i;
      expect(ms).toBeGreaterThanOrEqual(full / 2);
      expect(ms).toBeLessThanOrEqual(full);
    });
    // The ranges only touch at their ends, so the waits never shrink.
    for (let i = 1; i < sleeps.length; i++) expect(sleeps[i]!).toBeGreaterThanOrEqual(sleeps[i - 1]!);
  });

  it("the jitter spans the whole upper half of the backoff, and the backoff stops growing at 60 s", async () => {
    fake.inject({ kind: "status", status: 500, times: 99 });
    vi.spyOn(Math, "random").mockReturnValueOnce(0).mockReturnValueOnce(0.5).mockReturnValue(1);
    await apiErrorOf(client({ maxRetries: 4, retryBaseMs: 20_000 }).grouped(TRADING_DAY, { tradingDay: true }));
    // 20 s·2^0 with random 0, 40 s with 0.5, then min(60 s, 80 s | 160 s) with 1.
    expect(sleeps).toEqual([10_000, 30_000, 60_000, 60_000]);
  });
});

describe("PolygonClient: empty responses", () => {
  it("grouped with tradingDay: true retries an empty answer and returns the data once it comes", async () => {
    fake.inject({ kind: "empty-results", times: 1, emptyForm: "null" });
    const c = client();
    const r = await c.grouped(TRADING_DAY, { tradingDay: true });
    expect(r.resultsCount).toBeGreaterThan(0);
    expect(c.requestCount).toBe(2);
  });

  it("grouped with tradingDay: true on an answer that stays empty throws kind empty after every attempt", async () => {
    fake.inject({ kind: "empty-results", times: 99 });
    const c = client();
    const e = await apiErrorOf(c.grouped(TRADING_DAY, { tradingDay: true }));
    expect(e.details).toMatchObject({ kind: "empty", status: 200, attempts: 4 });
    expect(e.message).toContain(`no bars for trading day ${TRADING_DAY}`);
    expect(fake.requests).toHaveLength(4);
  });

  it("grouped with tradingDay: false returns the empty response at once", async () => {
    const c = client();
    const r = await c.grouped(SATURDAY, { tradingDay: false });
    expect(r.status).toBe(200);
    expect(r.resultsCount).toBe(0);
    expect(JSON.parse(r.body.toString("utf8"))).not.toHaveProperty("results");
    expect(c.requestCount).toBe(1);
    expect(sleeps).toEqual([]);
  });
});

describe("PolygonClient: pagination", () => {
  it("nextPath re-targets a next_url on another host to our base URL, path and query only", async () => {
    const other = await startFakePolygon({ today: () => TODAY, universeSize: 40, apiKeys: [KEY], rangePageSize: 20, nextUrlBase: "https://api.massive.com" });
    try {
      const c = client({ baseUrl: other.url });
      const first = await c.rangeFirstPage("AAPL", "2024-01-01", "2024-06-30");
      const nextUrl: string = JSON.parse(first.body.toString("utf8")).next_url;
      expect(nextUrl.startsWith("https://api.massive.com/v2/aggs/ticker/AAPL/range/1/day/")).toBe(true);
      expect(first.nextPath).toBe(nextUrl.slice("https://api.massive.com".length));
      let page = first;
      const paths = [first.path];
      while (page.nextPath) {
        page = await c.nextPage(page.nextPath);
        paths.push(page.path);
      }
      expect(paths.length).toBeGreaterThan(2);
      // Every page went to our server, with the header key and the cursor, and no apiKey.
      expect(other.requests.map((r) => r.path + "?" + new URLSearchParams(r.query).toString())).toEqual(paths);
      for (const r of other.requests) {
        expect(r.authorization).toBe(`Bearer ${KEY}`);
        expect(r.query).not.toHaveProperty("apiKey");
      }
      expect(other.requests.slice(1).every((r) => typeof r.query.cursor === "string")).toBe(true);
    } finally {
      await other.close();
    }
  });

  it("nextPath drops an apiKey parameter from next_url", async () => {
    const server = await tinyServer((_req, res) =>
      sendJson(res, 200, {
        status: "OK",
        ticker: "AAPL",
        results: [],
        next_url: "https://api.polygon.io/v2/aggs/ticker/AAPL/range/1/day/1704171600000/2024-06-30?cursor=YWJj&apiKey=LEAKED-KEY-123&limit=5",
      }),
    );
    try {
      const r = await client({ baseUrl: server.url }).rangeFirstPage("AAPL", "2024-01-01", "2024-06-30");
      expect(r.nextPath).toBe("/v2/aggs/ticker/AAPL/range/1/day/1704171600000/2024-06-30?cursor=YWJj&limit=5");
    } finally {
      await server.close();
    }
  });
});

describe("PolygonClient: secrets", () => {
  it("the key never appears in an ApiError message, even when the server echoes it", async () => {
    const secret = "sk-live-ECHOED-0123456789";
    const statuses = [401, 403, 400, 404];
    const server = await tinyServer((req, res) => {
      const said = `bad request for ${req.headers.authorization} (key ${secret})`;
      sendJson(res, statuses.shift() ?? 500, { status: "ERROR", error: said, message: said });
    });
    try {
      const c = client({ baseUrl: server.url, apiKey: secret });
      for (let i = 0; i < 4; i++) {
        const e = await apiErrorOf(c.grouped(TRADING_DAY, { tradingDay: true }));
        expect(e.message).not.toContain(secret);
        expect(JSON.stringify(e.details)).not.toContain(secret);
      }
    } finally {
      await server.close();
    }
  });

  it("the key never reaches the log lines about retries", async () => {
    fake.inject({ kind: "status", status: 503, times: 2 });
    const lines: string[] = [];
    await client({ log: (l) => lines.push(l) }).grouped(TRADING_DAY, { tradingDay: true });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/HTTP 503.*retry 1\/3/);
    for (const l of lines) expect(l).not.toContain(KEY);
  });
});

describe("PolygonClient: corporate actions", () => {
  const ok = (results: unknown[], extra: Record<string, unknown> = {}) => ({ status: "OK", request_id: "req-actions", results, ...extra });
  const split = { id: "E1", ticker: "NVDA", execution_date: "2024-06-10", split_from: 1, split_to: 10, adjustment_type: "forward_split" };

  /** A server answering each request with the next scripted response (then 500s), recording what was asked. */
  async function scripted(responses: Array<[number, unknown] | [number, string, string]>) {
    return tinyServer((_req, res) => {
      const next = responses.shift() ?? [500, { status: "ERROR", error: "script exhausted" }];
      if (next.length === 3) {
        res.writeHead(next[0], { "Content-Type": next[2] });
        res.end(next[1]);
      } else sendJson(res, next[0], next[1]);
    });
  }

  it("splits sends its filter as a query string, dotted keys literal and the comma list encoded", async () => {
    const server = await scripted([[200, ok([split])]]);
    try {
      const r = await client({ baseUrl: server.url }).splits({ "ticker.any_of": "AAPL,BRK.A", "execution_date.gte": "2024-01-02", limit: 5000 });
      expect(server.hits[0]!.url).toBe("/stocks/v1/splits?ticker.any_of=AAPL%2CBRK.A&execution_date.gte=2024-01-02&limit=5000");
      expect(r.path).toBe(server.hits[0]!.url);
      expect(r.resultsCount).toBe(1);
      expect(r.requestId).toBe("req-actions");
      expect(server.hits[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
      const params = new URL(server.hits[0]!.url!, "http://x").searchParams;
      expect(params.get("ticker.any_of")).toBe("AAPL,BRK.A");
    } finally {
      await server.close();
    }
  });

  it("dividends sends its filter, and an empty answer is returned at once: most days nothing goes ex", async () => {
    const server = await scripted([[200, ok([])]]);
    try {
      const c = client({ baseUrl: server.url });
      const r = await c.dividends({ ex_dividend_date: "2025-01-03", limit: 5000 });
      expect(server.hits.map((h) => h.url)).toEqual(["/stocks/v1/dividends?ex_dividend_date=2025-01-03&limit=5000"]);
      expect(r.resultsCount).toBe(0);
      expect(c.requestCount).toBe(1);
      expect(sleeps).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it("a missing results field is an empty answer, not a failure", async () => {
    const server = await scripted([[200, { status: "OK", request_id: "r" }]]);
    try {
      const r = await client({ baseUrl: server.url }).splits({ "execution_date.gte": "2025-01-03" });
      expect(r.resultsCount).toBe(0);
      expect(server.hits).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it.each([
    ["429 rate limit", [429, { status: "ERROR", error: "You've exceeded the maximum requests per minute" }]],
    ["504 HTML gateway page", [504, "<html><body><h1>504 Gateway Time-out</h1></body></html>", "text/html"]],
    ["503 JSON error", [503, { status: "ERROR", error: "Service Unavailable" }]],
    ["invalid JSON body", [200, '{"status":"OK","resu', "application/json"]],
    ["a body that is not an envelope", [200, [split]]],
  ] as Array<[string, [number, unknown] | [number, string, string]]>)("%s on the actions endpoints is retried, then the good answer returned", async (_name, fault) => {
    const server = await scripted([fault, fault, [200, ok([split])]]);
    try {
      const c = client({ baseUrl: server.url });
      const r = await c.splits({ "execution_date.gte": "2024-06-10" });
      expect(r.resultsCount).toBe(1);
      expect(server.hits).toHaveLength(3);
      expect(sleeps).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it("retries exhausted on the dividends endpoint end in ApiError exit 3 naming the route", async () => {
    const html: [number, string, string] = [504, "<html>504</html>", "text/html"];
    const server = await scripted([html, html, html]);
    try {
      const e = await apiErrorOf(client({ baseUrl: server.url, maxRetries: 2 }).dividends({ ex_dividend_date: "2025-01-03" }));
      expect(e.exitCode).toBe(3);
      expect(e.details).toEqual({ kind: "server", status: 504, attempts: 3, path: "/stocks/v1/dividends" });
      expect(e.message).toContain("GET /stocks/v1/dividends, 3 attempts");
    } finally {
      await server.close();
    }
  });

  it.each([
    [401, "auth", { status: "ERROR", error: "Unknown API Key" }, /POLYGON_API_KEY/],
    [403, "entitlement", { status: "NOT_AUTHORIZED", message: "You are not entitled to this data." }, /not entitled/],
  ] as const)("%i on the splits endpoint stops at once (kind %s, one request)", async (status, kind, body, said) => {
    const server = await scripted([
      [status, body],
      [200, ok([split])],
    ]);
    try {
      const e = await apiErrorOf(client({ baseUrl: server.url }).splits({ "execution_date.gte": "2025-01-03" }));
      expect(e.details).toMatchObject({ kind, status, attempts: 1, path: "/stocks/v1/splits" });
      expect(e.message).toMatch(said);
      expect(server.hits).toHaveLength(1);
      expect(sleeps).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it("a next_url on another host is followed against our base URL with the cursor only", async () => {
    const server = await scripted([
      [200, ok([split], { next_url: "https://api.massive.com/stocks/v1/splits?cursor=Y3Vyc29y&apiKey=LEAKED" })],
      [200, ok([{ ...split, id: "E2" }])],
    ]);
    try {
      const c = client({ baseUrl: server.url });
      const first = await c.splits({ "execution_date.gte": "2024-06-10", limit: 1 });
      expect(first.nextPath).toBe("/stocks/v1/splits?cursor=Y3Vyc29y");
      const second = await c.nextPage(first.nextPath!);
      expect(second.nextPath).toBeUndefined();
      expect(server.hits.map((h) => h.url)).toEqual(["/stocks/v1/splits?execution_date.gte=2024-06-10&limit=1", "/stocks/v1/splits?cursor=Y3Vyc29y"]);
    } finally {
      await server.close();
    }
  });
});
