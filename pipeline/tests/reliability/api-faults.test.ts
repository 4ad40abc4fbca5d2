/**
 * Polygon faults that tests/e2e/faults.test.ts does not cover: a burst of
 * 429s longer than the retry budget, 500/502/503 gateway pages, invalid (not
 * truncated) JSON, and a page that keeps failing in the middle of a
 * paginated back-fill. After each: the exit code and sentence, nothing
 * half-stored, the run record's truth, and a clean re-run.
 * A daily run asks for the session's grouped bars, then the whole market's
 * splits and dividends (one request each): requests are counted per route.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { day, describeRun, hasStackTrace, listFiles, useE2eWorld } from "../e2e/harness.js";
import { actionRows, backfillActions, batchActionKeys, storedActionProblems } from "./expected-actions.js";
import { expectInvariants, type RunTruth } from "./invariants.js";

const TICKERS = ["AAPL", "MSFT", "NVDA"];
const TODAY = "2026-01-15";
const w = await useE2eWorld({ name: "rel_api", fake: { today: () => TODAY, rangePageSize: 50 }, tickers: TICKERS.join(",") });
const truths: RunTruth[] = [];
const groupedKey = (date: string) => `raw/polygon/grouped/date=${date}/grouped.json`;
/** The session's whole-market actions objects (any page). */
const actionsOf = async (date: string) => (await listFiles(w.lakeDir)).filter((f) => /^raw\/polygon\/(splits|dividends)\/date=/.test(f) && f.includes(`/date=${date}/`));
/** A request's ticker (range requests only). */
const rangeTickers = () => w.fake.requests.filter((q) => q.path.startsWith("/v2/aggs/ticker/")).map((q) => q.path.split("/")[4]);

beforeEach(() => {
  w.fake.resetStats();
  w.fake.clearFaults();
});
afterEach(async () => {
  await expectInvariants({ db: w.db, lake: { dir: w.lakeDir }, runs: truths });
});

/** `run --date` expected to fail with exit 3: the sentence, no stack, nothing stored for the date, a failed record. */
async function expectApiFailure(date: string, cause: RegExp, overrides = {}) {
  const r = await w.cli(["run", "--date", date, "--json"], overrides);
  expect(r.code, describeRun(r)).toBe(3);
  expect(r.stderr).toMatch(cause);
  expect(hasStackTrace(r.stderr), r.stderr).toBe(false);
  expect(r.stderr).not.toMatch(/unexpected error/i);
  expect(r.json()).toMatchObject({ outcome: "failed", exitCode: 3, error: { kind: "ApiError" } });
  expect(await w.db.collection("daily_prices").countDocuments({ date: day(date) })).toBe(0);
  expect(await listFiles(w.lakeDir)).not.toContain(groupedKey(date));
  // The actions are asked for only once the bars are stored.
  expect(await actionsOf(date)).toEqual([]);
  truths.push({ runId: r.json().runId, outcome: "failed", errorKind: "ApiError" });
  return r;
}

/** `run --date` expected to succeed and load the watchlist. */
async function expectLoaded(date: string, overrides = {}) {
  const r = await w.cli(["run", "--date", date, "--json"], overrides);
  expect(r.code, describeRun(r)).toBe(0);
  expect(r.json()).toMatchObject({ outcome: "success", counts: { inserted: TICKERS.length, rejected: 0 } });
  expect(r.json().apiRequests).toBe(w.fake.stats().total);
  expect((await actionsOf(date)).filter((f) => !f.endsWith(".meta.json"))).toEqual([
    `raw/polygon/dividends/date=${date}/page-0001.json`,
    `raw/polygon/splits/date=${date}/page-0001.json`,
  ]);
  truths.push({ runId: r.json().runId, outcome: "success" });
  return r;
}

describe("a burst of 429 rate-limit answers", () => {
  it("longer than the retry budget exits 3 after exactly POLYGON_MAX_RETRIES + 1 requests, naming the rate limit, and stores nothing", async () => {
    w.fake.inject({ kind: "rate-limit", times: 50 });
    const r = await expectApiFailure("2025-03-03", /HTTP 429 rate limit.*4 attempts/, { POLYGON_MAX_RETRIES: "3" });
    expect(w.fake.stats().byRoute).toEqual({ grouped: 4 });
    expect(r.json().apiRequests).toBe(4);
  });

  it("of eight in a row, each with Retry-After: 0, is waited out within the budget and the day loads once", async () => {
    w.fake.inject({ kind: "rate-limit", times: 8, retryAfterSeconds: 0 });
    const r = await expectLoaded("2025-03-04", { POLYGON_MAX_RETRIES: "10" });
    // The 429s all fall on the first request (the grouped bars); the actions then answer at once.
    expect(w.fake.stats().byRoute).toEqual({ grouped: 9, splits: 1, dividends: 1 });
    expect(r.stderr.match(/HTTP 429 rate limit; retry/g)).toHaveLength(8);
  });

  it("leaves the failed day to a later run, which loads it", async () => {
    await expectLoaded("2025-03-03");
    expect(w.fake.stats().byRoute).toEqual({ grouped: 1, splits: 1, dividends: 1 });
  });
});

describe("gateway and server errors", () => {
  it.each([
    { kind: "html", status: 500, date: "2025-03-05" },
    { kind: "html", status: 502, date: "2025-03-06" },
    { kind: "status", status: 503, date: "2025-03-07" },
  ] as const)("a $status answer ($kind body) twice is retried and the day loads from the third request", async ({ kind, status, date }) => {
    w.fake.inject({ kind, status, times: 2 });
    const r = await expectLoaded(date);
    expect(w.fake.stats().byRoute).toEqual({ grouped: 3, splits: 1, dividends: 1 });
    expect(r.stderr).toMatch(new RegExp(`HTTP ${status} from the server; retry 1/`));
  });

  it("a 503 HTML page on every attempt exits 3 saying the server failed, and stores nothing", async () => {
    w.fake.inject({ kind: "html", status: 503, times: 50 });
    await expectApiFailure("2025-03-11", /Polygon API: HTTP 503 from the server \(GET \/v2\/aggs\/grouped\/locale\/us\/market\/stocks\/2025-03-11, 3 attempts\)/, {
      POLYGON_MAX_RETRIES: "2",
    });
    expect(w.fake.stats().byRoute).toEqual({ grouped: 3 });
  });
});

describe("a 200 answer whose body is not JSON at all", () => {
  it("once is retried, and only the valid response reaches the lake", async () => {
    w.fake.inject({ kind: "invalid-json", times: 1 });
    await expectLoaded("2025-03-12");
    expect(w.fake.stats().byRoute).toEqual({ grouped: 2, splits: 1, dividends: 1 });
  });

  it("on every attempt exits 3 saying the body is not valid JSON, and stores nothing", async () => {
    w.fake.inject({ kind: "invalid-json", times: 50 });
    await expectApiFailure("2025-03-13", /HTTP 200 with a body that is not valid JSON/, { POLYGON_MAX_RETRIES: "2" });
    expect(w.fake.stats().byRoute).toEqual({ grouped: 3 });
  });
});

describe("a back-fill whose second page keeps failing", () => {
  const FROM = "2024-01-02";
  const TO = "2024-06-28";
  const rangeKeys = (t: string) => [1, 2, 3].map((p) => `raw/polygon/range/ticker=${t}/from=${FROM}_to=${TO}/page-000${p}.json`);

  it("exits 3 after loading the tickers before it, keeping the first page in the lake", async () => {
    // Pages after the first are next_url follow-ups: the path starts with the next bar's time stamp in ms.
    w.fake.inject({ kind: "html", status: 502, match: "/ticker/MSFT/range/1/day/1", times: 50 });
    const r = await w.cli(["backfill", "--from", FROM, "--to", TO, "--json"], { POLYGON_MAX_RETRIES: "2" });
    expect(r.code, describeRun(r)).toBe(3);
    expect(r.stderr).toMatch(/Polygon API: HTTP 502 from the server \(GET \/v2\/aggs\/ticker\/MSFT\/range\/1\/day\/\d+\/2024-06-28, 3 attempts\)/);
    expect(hasStackTrace(r.stderr), r.stderr).toBe(false);
    truths.push({ runId: r.json().runId, outcome: "failed", errorKind: "ApiError" });
    expect(await listFiles(w.lakeDir)).toEqual(expect.arrayContaining([...rangeKeys("AAPL"), rangeKeys("MSFT")[0]]));
    expect((await listFiles(w.lakeDir)).filter((f) => f.includes("ticker=MSFT") && !f.endsWith(".meta.json"))).toEqual([rangeKeys("MSFT")[0]]);
    // AAPL's three pages, MSFT's first, three attempts at MSFT's second; the actions come after all the bars: none asked for.
    expect(w.fake.stats().byRoute).toEqual({ range: 3 + 1 + 3 });
    expect((await listFiles(w.lakeDir)).filter((f) => f.includes("/tickers="))).toEqual([]);
    const inRange = { date: { $gte: day(FROM), $lte: day(TO) } };
    expect(await w.db.collection("daily_prices").countDocuments({ symbol: "AAPL", ...inRange })).toBe(124);
    expect(await w.db.collection("daily_prices").countDocuments({ symbol: { $in: ["MSFT", "NVDA"] }, ...inRange })).toBe(0);
  });

  it("run again once the API recovers, fetches only the missing pages (through the stored page's next_url) and completes", async () => {
    const r = await w.cli(["backfill", "--from", FROM, "--to", TO, "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    truths.push({ runId: r.json().runId, outcome: "success" });
    // MSFT pages 2 and 3, NVDA pages 1 to 3: neither AAPL nor MSFT's first page again.
    expect(rangeTickers()).toEqual(["MSFT", "MSFT", "NVDA", "NVDA", "NVDA"]);
    expect(w.fake.requests.filter((q) => q.path.includes("/MSFT/")).every((q) => q.query.cursor !== undefined)).toBe(true);
    // Then the three tickers' splits and dividends, one ticker.any_of request each.
    expect(w.fake.stats().byRoute).toEqual({ range: 5, splits: 1, dividends: 1 });
    const actions = backfillActions(TICKERS, FROM, TO, TODAY);
    const a = r.json().details.actions;
    expect(r.json()).toMatchObject({ apiRequests: 7, counts: { inserted: 2 * 124, unchanged: 124, valid: 3 * 124 + actionRows(actions) } });
    expect(a).toMatchObject({ objects: 2, splits: actions.splits.length, dividends: actions.dividends.length, rejected: 0, updated: 0 });
    expect(a.inserted + a.unchanged).toBe(actionRows(actions));
    expect(await listFiles(w.lakeDir)).toEqual(expect.arrayContaining(batchActionKeys(TICKERS, FROM, TO)));
    expect(await storedActionProblems(w.db, actions)).toEqual([]);
    await expectInvariants({ db: w.db, complete: { symbols: TICKERS, from: FROM, to: TO } });
  });
});
