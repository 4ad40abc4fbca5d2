/** The API misbehaving: what is retried, what stops at once, and that a failure is never reported as a success. */
import { beforeEach, describe, expect, it } from "vitest";
import { day, describeRun, hasStackTrace, listFiles, newApiKey, readLakeJson, useE2eWorld } from "./harness.js";

const WATCHLIST = ["AAPL", "GOOGL", "MSFT", "TSLA", "NVDA"];
// The fake's "today" (a New York date): sessions before it are complete. Moved by one test.
let fakeToday = "2026-01-15";
const w = await useE2eWorld({ name: "faults", fake: { today: () => fakeToday }, tickers: WATCHLIST.join(",") });
const prices = () => w.db.collection("daily_prices");
const loaded = (date: string) => prices().countDocuments({ date: day(date) });
const groupedKey = (date: string) => `raw/polygon/grouped/date=${date}/grouped.json`;
const lakeHas = async (date: string) => (await listFiles(w.lakeDir)).includes(groupedKey(date));

beforeEach(() => {
  w.fake.resetStats();
  w.fake.clearFaults();
  fakeToday = "2026-01-15";
});

/** Exit 3, one sentence naming the cause, no stack trace, nothing loaded, a failed run record. */
async function expectApiFailure(date: string, args: string[], cause: RegExp, overrides = {}) {
  const r = await w.cli(["run", "--date", date, "--json", ...args], overrides);
  expect(r.code, describeRun(r)).toBe(3);
  expect(r.stderr).toMatch(cause);
  expect(hasStackTrace(r.stderr), r.stderr).toBe(false);
  expect(r.stderr).not.toMatch(/unexpected error/i);
  expect(r.json()).toMatchObject({ outcome: "failed", exitCode: 3, error: { kind: "ApiError" } });
  expect(await loaded(date)).toBe(0);
  expect(await lakeHas(date)).toBe(false);
  const run = await w.db.collection("pipeline_runs").findOne({ _id: r.json().runId });
  expect(run).toMatchObject({ command: "run", outcome: "failed", error: { kind: "ApiError" } });
  return r;
}

/** Exit 0, every watchlist ticker loaded for the date, and a valid JSON object in the lake. */
async function expectLoaded(date: string, overrides = {}) {
  const r = await w.cli(["run", "--date", date, "--json"], overrides);
  expect(r.code, describeRun(r)).toBe(0);
  expect(r.json()).toMatchObject({ outcome: "success", counts: { inserted: WATCHLIST.length, rejected: 0 } });
  expect(await loaded(date)).toBe(WATCHLIST.length);
  const body = await readLakeJson(w.lakeDir, groupedKey(date));
  expect(body).toMatchObject({ status: "OK", resultsCount: expect.any(Number) });
  expect(body.results).toHaveLength(body.resultsCount);
  return r;
}

describe("errors that are not retried", () => {
  it("a rejected API key (401) exits 3 after exactly one request, naming the cause in a sentence without a stack trace", async () => {
    const r = await expectApiFailure("2025-02-03", [], /API key was rejected.*POLYGON_API_KEY/, { POLYGON_API_KEY: newApiKey() });
    expect(r.stderr).toMatch(/HTTP 401/);
    expect(w.fake.stats().total).toBe(1);
  });

  it("a plan that is not entitled to the data (403) exits 3 after exactly one request", async () => {
    w.fake.inject({ kind: "entitlement", times: 10 });
    await expectApiFailure("2025-02-04", [], /not entitled/);
    expect(w.fake.stats().total).toBe(1);
  });

  it("today's session requested before the end of day (403) exits 3 after one request, saying so", async () => {
    fakeToday = "2025-02-05";
    await expectApiFailure("2025-02-05", [], /today's session is not available yet/);
    expect(w.fake.stats().total).toBe(1);
  });
});

describe("errors that are retried", () => {
  it("429 twice then success loads everything in three requests", async () => {
    w.fake.inject({ kind: "rate-limit", times: 2 });
    const r = await expectLoaded("2025-02-06");
    // Then the session's splits and dividends, one request each.
    expect(w.fake.stats().byRoute).toEqual({ grouped: 3, splits: 1, dividends: 1 });
    expect(r.json().apiRequests).toBe(5);
    expect(r.stderr).toMatch(/429/);
  });

  it("a 504 gateway error with an HTML body is retried and the day loads", async () => {
    w.fake.inject({ kind: "html", status: 504, times: 1 });
    await expectLoaded("2025-02-07");
    expect(w.fake.stats().byRoute).toEqual({ grouped: 2, splits: 1, dividends: 1 });
  });

  it("a connection reset is retried and the day loads", async () => {
    w.fake.inject({ kind: "reset", times: 1 });
    await expectLoaded("2025-02-10");
    expect(w.fake.stats().byRoute).toEqual({ grouped: 2, splits: 1, dividends: 1 });
  });

  it("a truncated body is retried, and only the complete response reaches the lake", async () => {
    w.fake.inject({ kind: "truncated", times: 1 });
    await expectLoaded("2025-02-11");
    expect(w.fake.stats().byRoute).toEqual({ grouped: 2, splits: 1, dividends: 1 });
  });

  it("an answer slower than POLYGON_TIMEOUT_MS is abandoned and retried", async () => {
    // Had the client waited, the first answer would have loaded the day in one request.
    w.fake.inject({ kind: "delay", delayMs: 5_000, times: 1 });
    const r = await expectLoaded("2025-02-12", { POLYGON_TIMEOUT_MS: "300" });
    expect(w.fake.stats().byRoute).toEqual({ grouped: 2, splits: 1, dividends: 1 });
    expect(r.stderr).toMatch(/no answer within 300 ms/);
  });
});

describe("a trading day that comes back empty", () => {
  it.each(["missing", "null"] as const)("(results %s on every attempt) is retried, then exits 3 and loads nothing: not a success", async (form) => {
    w.fake.inject({ kind: "empty-results", emptyForm: form, times: 100 });
    const date = form === "missing" ? "2025-02-13" : "2025-02-14";
    const r = await expectApiFailure(date, [], /no bars for trading day/, { POLYGON_MAX_RETRIES: "2" });
    expect(w.fake.stats().total).toBe(3);
    expect(r.json().apiRequests).toBe(3);
  });

  it("that is empty once and then answers is loaded", async () => {
    w.fake.inject({ kind: "empty-results", times: 1 });
    await expectLoaded("2025-02-18");
    expect(w.fake.stats().byRoute).toEqual({ grouped: 2, splits: 1, dividends: 1 });
  });
});
