import { describe, it, expect, beforeAll, afterAll, beforeEach } from "vitest";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { startFakePolygon, type FakePolygon, type Fault } from "./server.js";

const AUTH = { Authorization: "Bearer test-key" };
const GROUPED = "/v2/aggs/grouped/locale/us/market/stocks/2024-05-15";
const RANGE = "/v2/aggs/ticker/AAPL/range/1/day/2024-01-01/2024-03-31";
let fake: FakePolygon;

const get = (path: string): Promise<Response> => fetch(`${fake.url}${path}`, { headers: AUTH });
// Test bodies are checked field by field.
/** A reply's fields as the tests read them; which ones are present is what each test checks. */
interface Reply {
  status?: string;
  request_id?: string;
  resultsCount?: number;
  results?: unknown[] | null;
  count?: number;
  error?: string;
}
const json = async <Body = Reply>(res: Response): Promise<Body> => (await res.json()) as Body;

beforeAll(async () => {
  fake = await startFakePolygon({ today: () => "2025-01-15", universeSize: 50 });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.clearFaults();
  fake.resetStats();
});

describe("fake Polygon server: injected faults", () => {
  it("'status' answers the given status with a JSON error, then the next request is normal", async () => {
    fake.inject({ kind: "status", status: 503, times: 1 });
    const res = await get(GROUPED);
    expect(res.status).toBe(503);
    expect(await json(res)).toMatchObject({ status: "ERROR", request_id: expect.stringMatching(/^synthetic-/) });
    expect((await get(GROUPED)).status).toBe(200);
  });

  it("'html' answers a gateway HTML page (504 by default, or the given status)", async () => {
    fake.inject({ kind: "html", times: 1 });
    fake.inject({ kind: "html", status: 502, times: 1 });
    const first = await get(GROUPED);
    expect(first.status).toBe(504);
    expect(first.headers.get("content-type")).toMatch(/^text\/html/);
    expect(first.headers.get("x-synthetic-data")).toBe("true");
    expect(await first.text()).toContain("504 Gateway Time-out");
    const second = await get(GROUPED);
    expect(second.status).toBe(502);
    expect(await second.text()).toContain("<html>");
  });

  it("'reset' destroys the connection without a response", async () => {
    fake.inject({ kind: "reset", times: 1 });
    await expect(get(GROUPED)).rejects.toThrow();
    expect((await get(GROUPED)).status).toBe(200);
  });

  it("'delay' waits delayMs and then answers normally", async () => {
    fake.inject({ kind: "delay", delayMs: 300, times: 1 });
    const start = performance.now();
    const res = await get(GROUPED);
    expect(performance.now() - start).toBeGreaterThanOrEqual(280);
    expect(res.status).toBe(200);
    expect((await json(res)).resultsCount).toBeGreaterThan(0);
  });

  it("'hold' keeps the request waiting until released, then answers normally; POST /__fake/release releases too", async () => {
    fake.inject({ kind: "hold", times: 2 });
    let answered = false;
    const first = get(GROUPED).then((res) => ((answered = true), res));
    while (fake.held === 0) await new Promise((r) => setTimeout(r, 5));
    expect(answered).toBe(false);
    expect(fake.releaseHeld()).toBe(1);
    const res = await first;
    expect(res.status).toBe(200);
    expect((await json(res)).resultsCount).toBeGreaterThan(0);

    const second = get(GROUPED);
    while (fake.held === 0) await new Promise((r) => setTimeout(r, 5));
    expect(await json(await fetch(`${fake.url}/__fake/release`, { method: "POST" }))).toEqual({ ok: true, released: 1 });
    expect((await second).status).toBe(200);
    expect(fake.held).toBe(0);
  });

  it("'truncated' sends 200 with half of the normal body, and 'invalid-json' sends 200 with a non-JSON body", async () => {
    const normal = await (await get(GROUPED)).text();
    fake.inject({ kind: "truncated", times: 1 });
    fake.inject({ kind: "invalid-json", times: 1 });
    const truncated = await get(GROUPED);
    expect(truncated.status).toBe(200);
    const text = await truncated.text();
    expect(text).toBe(normal.slice(0, Math.floor(normal.length / 2)));
    expect(() => JSON.parse(text)).toThrow();
    const invalid = await get(GROUPED);
    expect(invalid.status).toBe(200);
    await expect(invalid.json()).rejects.toThrow();
  });

  it("'empty-results' empties a trading day: results missing by default, null with emptyForm null", async () => {
    fake.inject({ kind: "empty-results", times: 1 });
    fake.inject({ kind: "empty-results", emptyForm: "null", times: 1 });
    const missing = await json(await get(GROUPED));
    expect(missing).toEqual({ queryCount: 0, resultsCount: 0, adjusted: true, status: "OK", request_id: missing.request_id });
    const nulled = await json(await get(GROUPED));
    expect(nulled).toMatchObject({ status: "OK", resultsCount: 0, results: null });
    expect(nulled.count).toBeUndefined();
  });

  it("'empty-results' can force either empty form on a weekend", async () => {
    fake.inject({ kind: "empty-results", emptyForm: "null", times: 1 });
    const body = await json(await get("/v2/aggs/grouped/locale/us/market/stocks/2024-07-06"));
    expect(body.results).toBeNull();
  });

  it("'rate-limit' answers 429 with the documented message, with Retry-After when asked", async () => {
    fake.inject({ kind: "rate-limit", times: 1 });
    fake.inject({ kind: "rate-limit", times: 1, retryAfterSeconds: 7 });
    const first = await get(GROUPED);
    expect(first.status).toBe(429);
    expect(first.headers.get("retry-after")).toBeNull();
    const body = await json(first);
    expect(body).toEqual({
      status: "ERROR",
      request_id: body.request_id,
      error: "You've exceeded the maximum requests per minute, please wait or upgrade your subscription to continue. https://polygon.io/pricing",
    });
    const second = await get(GROUPED);
    expect(second.status).toBe(429);
    expect(second.headers.get("retry-after")).toBe("7");
  });

  it("'entitlement' answers 403 NOT_AUTHORIZED You are not entitled", async () => {
    fake.inject({ kind: "entitlement", times: 1 });
    const res = await get(GROUPED);
    expect(res.status).toBe(403);
    const body = await json(res);
    expect(body).toEqual({
      status: "NOT_AUTHORIZED",
      request_id: body.request_id,
      message: "You are not entitled to this data. Please upgrade your plan at https://polygon.io/pricing",
    });
  });

  it("applies faults in FIFO order, each for `times` matching requests, only to paths containing `match`", async () => {
    fake.inject({ kind: "status", status: 500, times: 2, match: "/range/" });
    fake.inject({ kind: "status", status: 502, times: 1 });
    expect((await get(GROUPED)).status).toBe(502); // the range fault does not match; the second one does
    expect((await get(GROUPED)).status).toBe(200);
    expect((await get(RANGE)).status).toBe(500);
    expect((await get(RANGE)).status).toBe(500);
    expect((await get(RANGE)).status).toBe(200);
  });

  it("counts faulted requests in the stats", async () => {
    fake.inject({ kind: "rate-limit", times: 2 });
    fake.inject({ kind: "reset", times: 1 });
    await get(GROUPED);
    await get(GROUPED);
    await get(GROUPED).catch(() => undefined);
    await get(RANGE);
    expect(fake.stats()).toEqual({ total: 4, byRoute: { grouped: 3, range: 1 } });
  });
});

describe("fake Polygon server: control API", () => {
  it("queues faults, reports stats, resets them and clears faults over HTTP, without counting itself", async () => {
    const faults: Fault[] = [
      { kind: "rate-limit", times: 1 },
      { kind: "html", status: 503, times: 1, match: "/range/" },
    ];
    const post = await fetch(`${fake.url}/__fake/faults`, { method: "POST", body: JSON.stringify(faults) });
    expect(post.status).toBe(200);
    expect(await json(post)).toEqual({ ok: true, queued: 2 });
    expect((await get(GROUPED)).status).toBe(429);
    expect((await get(RANGE)).status).toBe(503);
    const stats = await json(await fetch(`${fake.url}/__fake/stats`));
    expect(stats).toEqual({ total: 2, byRoute: { grouped: 1, range: 1 } });

    await fetch(`${fake.url}/__fake/faults`, { method: "POST", body: JSON.stringify({ kind: "entitlement", times: 5 }) });
    expect((await json<unknown[]>(await fetch(`${fake.url}/__fake/faults`)))[0]).toMatchObject({ kind: "entitlement", remaining: 5 });
    expect((await fetch(`${fake.url}/__fake/faults`, { method: "DELETE" })).status).toBe(200);
    expect((await get(GROUPED)).status).toBe(200);

    expect((await fetch(`${fake.url}/__fake/reset-stats`, { method: "POST" })).status).toBe(200);
    expect(await json(await fetch(`${fake.url}/__fake/stats`))).toEqual({ total: 0, byRoute: {} });
    expect(fake.stats().total).toBe(0);
  });

  it("rejects an invalid fault with 400 and an explanation", async () => {
    const res = await fetch(`${fake.url}/__fake/faults`, { method: "POST", body: JSON.stringify({ kind: "explode", times: 1 }) });
    expect(res.status).toBe(400);
    expect((await json(res)).error).toMatch(/kind/);
    const noTimes = await fetch(`${fake.url}/__fake/faults`, { method: "POST", body: JSON.stringify({ kind: "reset" }) });
    expect(noTimes.status).toBe(400);
  });
});

describe("fake Polygon standalone entry (main.ts)", () => {
  it("prints one JSON line with url and pid once listening, serves requests, and exits 0 on SIGTERM", async () => {
    const main = fileURLToPath(new URL("./main.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", main, "--port", "0", "--api-key", "cli-key", "--universe-size", "30"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const [line] = (await once(createInterface({ input: child.stdout! }), "line")) as [string];
      const info = JSON.parse(line) as { url: string; pid: number };
      expect(info.pid).toBe(child.pid);
      expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${info.url}${GROUPED}?apiKey=cli-key`);
      expect(res.status).toBe(200);
      expect((await json(res)).resultsCount).toBe(25);
      expect((await fetch(`${info.url}${GROUPED}?apiKey=test-key`)).status).toBe(401);
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  }, 30_000);
});
