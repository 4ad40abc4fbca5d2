/**
 * Corporate actions through the built CLI: a daily run fetches the whole
 * market's splits and dividends in one request each; the actions endpoints'
 * faults behave like the bars endpoints' and lose nothing (the next run heals
 * what was missed); a back-fill fetches its tickers' actions in
 * `ticker.any_of` batches; reprocess rebuilds them without the API.
 */
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { addDays } from "../../src/calendar/nyse.js";
import { syntheticUniverse } from "../../src/fake-polygon/synthetic.js";
import { openLake } from "../../src/lake/lake.js";
import { day, describeRun, hasStackTrace, listFiles, useE2eWorld } from "./harness.js";

const WATCHLIST = ["AAPL", "GOOGL", "MSFT", "TSLA", "NVDA"];
const UNIVERSE = 150;
// Non-watchlist tickers (SYN…, KO, JPM) too: a daily run stores the whole market's actions.
const SPLITS = [
  { ticker: "SYN0003", execution_date: "2025-03-10", split_from: 1, split_to: 4 },
  { ticker: "AAPL", execution_date: "2025-03-12", split_from: 1, split_to: 2 },
  { ticker: "SYN0020", execution_date: "2025-03-13", split_from: 10, split_to: 1 },
  { ticker: "MSFT", execution_date: "2025-03-19", split_from: 1, split_to: 3 },
  { ticker: "SYN0030", execution_date: "2025-03-20", split_from: 1, split_to: 5 },
  { ticker: "KO", execution_date: "2025-03-24", split_from: 1, split_to: 2 },
  { ticker: "SYN0040", execution_date: "2025-04-01", split_from: 20, split_to: 1 },
];
const DIVIDENDS = [
  { ticker: "SYN0010", ex_dividend_date: "2025-03-03", cash_amount: 0.5 },
  { ticker: "MSFT", ex_dividend_date: "2025-03-03", cash_amount: 0.83 },
  { ticker: "SYN0011", ex_dividend_date: "2025-03-17", cash_amount: 0.2 },
  { ticker: "JPM", ex_dividend_date: "2025-03-17", cash_amount: 1.25 },
  { ticker: "TSLA", ex_dividend_date: "2025-03-17", cash_amount: 0.1 },
];
const w = await useE2eWorld({
  name: "actions",
  tickers: WATCHLIST.join(","),
  // next_url names another host, as when api.polygon.io answers with api.massive.com links.
  fake: { universeSize: UNIVERSE, today: () => "2025-06-30", nextUrlBase: "http://api.massive.invalid", corporateActions: { splits: SPLITS, dividends: DIVIDENDS } },
});
const actions = () => w.db.collection("corporate_actions");
const prices = () => w.db.collection("daily_prices");
const lakeFiles = async () => (await listFiles(w.lakeDir)).filter((f) => !f.endsWith(".meta.json"));

/** The fake's own whole answer (one page of up to 5000) to a filter, asked directly: what the lake must end up holding. */
async function fakeAnswer(endpoint: "splits" | "dividends", query: Record<string, string>): Promise<{ id: string; ticker: string; execution_date?: string }[]> {
  const res = await fetch(`${w.fake.url}/stocks/v1/${endpoint}?${new URLSearchParams({ ...query, limit: "5000" })}`, { headers: { Authorization: `Bearer ${w.apiKey}` } });
  const body = (await res.json()) as { results: { id: string; ticker: string; execution_date?: string }[]; next_url?: string };
  expect(body.next_url).toBeUndefined();
  return body.results;
}

const dayQueries = (date: string) => ({
  splits: { "execution_date.gte": date, "execution_date.lte": addDays(date, 30), limit: "5000", sort: "execution_date.asc" },
  dividends: { ex_dividend_date: date, limit: "5000" },
});

/** Every action of the fake's whole-market answers for `date` is stored, once, from the lake object of that request. */
async function expectDayStored(date: string): Promise<number> {
  let n = 0;
  for (const endpoint of ["splits", "dividends"] as const) {
    const { limit: _, ...filter } = dayQueries(date)[endpoint];
    const expected = await fakeAnswer(endpoint, filter);
    const kind = endpoint === "splits" ? "split" : "dividend";
    const stored = await actions()
      .find({ kind, apiId: { $in: expected.map((a) => a.id) } })
      .toArray();
    expect(stored.map((d) => d.apiId).sort(), `${endpoint} of ${date}`).toEqual(expected.map((a) => a.id).sort());
    expect((await lakeFiles()).filter((f) => f.startsWith(`raw/polygon/${endpoint}/date=${date}/`)).length).toBeGreaterThan(0);
    n += expected.length;
  }
  return n;
}

/** A pass-through proxy in front of the fake that shrinks the actions endpoints' page size, so that next_url pagination happens. */
async function pagingProxy(pageSize: number): Promise<{ url: string; seen: { path: string; query: Record<string, string> }[]; close(): Promise<void> }> {
  const seen: { path: string; query: Record<string, string> }[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://proxy.invalid");
    seen.push({ path: url.pathname, query: Object.fromEntries(url.searchParams) });
    if (url.pathname.startsWith("/stocks/v1/") && url.searchParams.has("limit")) url.searchParams.set("limit", String(pageSize));
    fetch(w.fake.url + url.pathname + url.search, { headers: { Authorization: req.headers.authorization ?? "" } })
      .then(async (r) => {
        const body = Buffer.from(await r.arrayBuffer());
        res.writeHead(r.status, { "Content-Type": r.headers.get("content-type") ?? "application/json" });
        res.end(body);
      })
      .catch(() => req.socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}
const proxy = await pagingProxy(2);
afterAll(() => proxy.close());

beforeEach(() => {
  w.fake.resetStats();
  w.fake.clearFaults();
  proxy.seen.length = 0;
});

describe("a daily run fetches the session's corporate actions for the whole market", () => {
  it("makes exactly 3 requests for a watchlist of 5 (grouped, splits, dividends) and stores every ticker's actions", async () => {
    const r = await w.cli(["run", "--date", "2025-03-03", "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    expect(w.fake.stats().byRoute).toEqual({ grouped: 1, splits: 1, dividends: 1 });
    const [grouped, splits, dividends] = w.fake.requests;
    expect(grouped!.query).toMatchObject({ adjusted: "false" });
    expect(splits!.query).toEqual(dayQueries("2025-03-03").splits);
    expect(dividends!.query).toEqual(dayQueries("2025-03-03").dividends);
    const n = await expectDayStored("2025-03-03");
    // The fake's answers hold the explicit actions of non-watchlist tickers.
    expect(await actions().countDocuments({ symbol: { $in: ["SYN0003", "SYN0010", "SYN0020"] } })).toBe(3);
    expect(await actions().findOne({ symbol: "SYN0010", kind: "dividend" })).toMatchObject({
      date: day("2025-03-03"),
      cashAmount: 0.5,
      lakeObject: "raw/polygon/dividends/date=2025-03-03/page-0001.json",
    });
    const summary = r.json();
    expect(summary).toMatchObject({ outcome: "success", apiRequests: 3, counts: { inserted: WATCHLIST.length, rejected: 0 }, details: { actions: { inserted: n, rejected: 0 } } });
    expect(summary.details.actions.splits + summary.details.actions.dividends).toBe(n);
    expect(r.stderr).toMatch(/actions: \d+ splits?, \d+ dividends? \(\d+ new\)/);
  });

  it("makes the same 3 requests with TICKERS=*", async () => {
    const r = await w.cli(["run", "--date", "2025-03-04", "--json"], { TICKERS: "*" });
    expect(r.code, describeRun(r)).toBe(0);
    expect(w.fake.stats().byRoute).toEqual({ grouped: 1, splits: 1, dividends: 1 });
    expect(r.json().counts.inserted).toBeGreaterThan(UNIVERSE * 0.9);
    await expectDayStored("2025-03-04");
  });
});

describe("the actions endpoints' faults behave like the bars endpoints' and lose nothing", () => {
  /** Exit 3 after `requests` requests, bars of `date` loaded, a sentence saying what was kept and that the next run fetches the rest. */
  async function expectActionsFailure(date: string, requests: number, cause: RegExp, overrides = {}) {
    const r = await w.cli(["run", "--date", date, "--json"], overrides);
    expect(r.code, describeRun(r)).toBe(3);
    expect(w.fake.stats().total).toBe(requests);
    expect(r.stderr).toMatch(cause);
    expect(r.stderr).toMatch(new RegExp(`the bars of ${date} were loaded .*but its corporate actions were not.*next run`));
    expect(hasStackTrace(r.stderr), r.stderr).toBe(false);
    expect(r.json()).toMatchObject({ outcome: "failed", exitCode: 3, error: { kind: "ApiError" }, counts: { inserted: WATCHLIST.length } });
    expect(await prices().countDocuments({ date: day(date) })).toBe(WATCHLIST.length);
    expect((await lakeFiles()).filter((f) => f.startsWith("raw/") && f.includes(`/date=${date}/`))).toEqual([`raw/polygon/grouped/date=${date}/grouped.json`]);
  }

  /** The next session's run: its own 3 requests plus one per missed endpoint of `missed`, and every missed action loaded. */
  async function expectHealed(missed: string, next: string) {
    const r = await w.cli(["run", "--date", next, "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    expect(w.fake.stats().byRoute).toEqual({ grouped: 1, splits: 2, dividends: 2 });
    const healing = w.fake.requests.filter((q) => q.path.startsWith("/stocks/v1/") && Object.values(q.query).includes(missed));
    expect(healing.map((q) => q.path).sort()).toEqual(["/stocks/v1/dividends", "/stocks/v1/splits"]);
    expect(r.json().details.healedSessions).toEqual([missed]);
    await expectDayStored(missed);
    await expectDayStored(next);
  }

  it("401 on splits exits 3 after one splits request, keeps the bars, and the next run heals the day's actions", async () => {
    w.fake.inject({ kind: "status", status: 401, match: "/stocks/v1/splits", times: 1 });
    await expectActionsFailure("2025-03-05", 2, /API key was rejected/);
    w.fake.resetStats();
    await expectHealed("2025-03-05", "2025-03-06");
  });

  it("403 on splits exits 3 at once, and the next run heals", async () => {
    w.fake.inject({ kind: "entitlement", match: "/stocks/v1/splits", times: 1 });
    await expectActionsFailure("2025-03-07", 2, /not entitled/);
    w.fake.resetStats();
    await expectHealed("2025-03-07", "2025-03-10");
  });

  it("429 then OK on splits is retried and the run succeeds with one more request", async () => {
    w.fake.inject({ kind: "rate-limit", match: "/stocks/v1/splits", times: 1 });
    const r = await w.cli(["run", "--date", "2025-03-11", "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    expect(w.fake.stats().byRoute).toEqual({ grouped: 1, splits: 2, dividends: 1 });
    expect(r.stderr).toMatch(/429/);
    await expectDayStored("2025-03-11");
  });

  it("504 HTML pages on splits until retries run out exit 3, and the next run heals", async () => {
    w.fake.inject({ kind: "html", status: 504, match: "/stocks/v1/splits", times: 3 });
    await expectActionsFailure("2025-03-12", 1 + 3, /HTTP 504.*3 attempts/, { POLYGON_MAX_RETRIES: "2" });
    w.fake.resetStats();
    await expectHealed("2025-03-12", "2025-03-13");
  });

  it("a splits answer without `results` is an empty day, not a failure: exit 0 and three requests", async () => {
    w.fake.inject({ kind: "empty-results", match: "/stocks/v1/splits", times: 1 });
    const r = await w.cli(["run", "--date", "2025-03-14", "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    expect(w.fake.stats().total).toBe(3);
    expect(await lakeFiles()).toContain("raw/polygon/splits/date=2025-03-14/page-0001.json");
  });

  it("next_url pages on another host are followed against our base URL, and every page is stored and loaded", async () => {
    const r = await w.cli(["run", "--date", "2025-03-17", "--json"], { POLYGON_BASE_URL: proxy.url });
    expect(r.code, describeRun(r)).toBe(0);
    const { limit: _s, ...splitsFilter } = dayQueries("2025-03-17").splits;
    const { limit: _d, ...dividendsFilter } = dayQueries("2025-03-17").dividends;
    const splitRows = (await fakeAnswer("splits", splitsFilter)).length;
    const dividendRows = (await fakeAnswer("dividends", dividendsFilter)).length;
    // Pagination really happened: several pages each.
    expect(splitRows).toBeGreaterThan(2);
    expect(dividendRows).toBeGreaterThan(2);
    const pages = (n: number) => Math.ceil(n / 2);
    // Our requests: first pages with our filters, then the cursor only (the fake host's next_url, re-targeted).
    const firstPages = proxy.seen.filter((q) => q.path.startsWith("/stocks/v1/") && q.query.cursor === undefined);
    expect(firstPages.map((q) => q.query)).toEqual([dayQueries("2025-03-17").splits, dayQueries("2025-03-17").dividends]);
    const follow = proxy.seen.filter((q) => q.query.cursor !== undefined);
    expect(follow).toHaveLength(pages(splitRows) - 1 + pages(dividendRows) - 1);
    for (const q of follow) expect(Object.keys(q.query)).toEqual(["cursor"]);
    expect(r.json().apiRequests).toBe(1 + pages(splitRows) + pages(dividendRows));
    const files = await lakeFiles();
    expect(files.filter((f) => f.startsWith("raw/polygon/splits/date=2025-03-17/"))).toHaveLength(pages(splitRows));
    expect(files.filter((f) => f.startsWith("raw/polygon/dividends/date=2025-03-17/"))).toHaveLength(pages(dividendRows));
    await expectDayStored("2025-03-17");
  });

  it("split rows missing fields are quarantined with every reason (exit 4), the rest loads, and a re-run restores them", async () => {
    w.fake.inject({ kind: "missing-fields", fields: ["split_to", "execution_date"], match: "/stocks/v1/splits", times: 1 });
    const date = "2025-03-18";
    const r = await w.cli(["run", "--date", date, "--json"]);
    expect(r.code, describeRun(r)).toBe(4);
    const { limit: _, ...filter } = dayQueries(date).splits;
    const expected = await fakeAnswer("splits", filter);
    expect(expected.length).toBeGreaterThan(0);
    const key = `raw/polygon/splits/date=${date}/page-0001.json`;
    const q = await w.db.collection("quarantine").find({ lakeObject: key }).sort({ rowIndex: 1 }).toArray();
    expect(q).toHaveLength(expected.length);
    for (const row of q) expect(row.reasons).toEqual(["execution_date is missing", "split_to is missing"]);
    expect(r.json()).toMatchObject({
      outcome: "rejected-records",
      exitCode: 4,
      counts: { inserted: WATCHLIST.length, rejected: expected.length },
      details: { actions: { rejected: expected.length } },
    });
    expect(await prices().countDocuments({ date: day(date) })).toBe(WATCHLIST.length);

    const again = await w.cli(["run", "--date", date, "--json"]);
    expect(again.code, describeRun(again)).toBe(0);
    await expectDayStored(date);
  });

  it("load --date of a day whose actions are not in the lake loads the bars and warns, naming the command that fetches them", async () => {
    const date = "2025-03-20";
    w.fake.inject({ kind: "status", status: 401, match: "/stocks/v1/splits", times: 1 });
    const extract = await w.cli(["extract", "--date", date]);
    expect(extract.code, describeRun(extract)).toBe(3);
    expect(extract.stderr).toMatch(new RegExp(`the bars of ${date} were stored in the lake, but its corporate actions were not`));
    w.fake.resetStats();
    const r = await w.cli(["load", "--date", date, "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    expect(w.fake.stats().total).toBe(0);
    expect(r.json().warnings).toEqual([
      `the lake has no splits of ${date} (raw/polygon/splits/date=${date}/): stock-pipeline extract --date ${date} fetches them`,
      `the lake has no dividends of ${date} (raw/polygon/dividends/date=${date}/): stock-pipeline extract --date ${date} fetches them`,
    ]);
    expect(await prices().countDocuments({ date: day(date) })).toBe(WATCHLIST.length);
  });

  it("a split extract's healed actions are loaded by the load --date of the session that fetched them", async () => {
    const extract = await w.cli(["extract", "--date", "2025-03-21"]);
    expect(extract.code, describeRun(extract)).toBe(0);
    expect(w.fake.stats().byRoute).toEqual({ grouped: 1, splits: 2, dividends: 2 });
    const r = await w.cli(["load", "--date", "2025-03-21", "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.json().details.healedSessions).toEqual(["2025-03-20"]);
    await expectDayStored("2025-03-20");
    await expectDayStored("2025-03-21");
  });
});

describe("backfill fetches its tickers' actions in ticker.any_of batches", () => {
  const FROM = "2025-02-03";
  const TO = "2025-02-14";
  // 120 tickers: a batch of 100 and one of 20, in sorted order.
  const tickers = syntheticUniverse(UNIVERSE).slice(0, 120);
  const sorted = [...tickers].sort();
  const batches = [sorted.slice(0, 100), sorted.slice(100)];
  const hashOf = (batch: string[]) => createHash("sha256").update(batch.join(",")).digest("hex").slice(0, 12);
  const backfill = (...extra: string[]) => w.cli(["backfill", "--from", FROM, "--to", TO, "--tickers", tickers.join(","), "--json", ...extra], { POLYGON_BASE_URL: proxy.url });
  let actionPagesTotal = 0;

  it("asks once per batch and endpoint, follows next_url pages, stores them under the batch's hash and loads every action", async () => {
    const r = await backfill();
    expect(r.code, describeRun(r)).toBe(0);
    const firstPages = proxy.seen.filter((q) => q.path.startsWith("/stocks/v1/") && q.query.cursor === undefined);
    expect(firstPages).toEqual(
      batches.flatMap((b) => [
        { path: "/stocks/v1/splits", query: { "ticker.any_of": b.join(","), "execution_date.gte": FROM, limit: "5000" } },
        { path: "/stocks/v1/dividends", query: { "ticker.any_of": b.join(","), "ex_dividend_date.gte": FROM, "ex_dividend_date.lte": TO, limit: "5000" } },
      ]),
    );
    const lake = openLake(w.lakeDir);
    const files = await lakeFiles();
    let pagesTotal = 0;
    const splitsAfterTo: string[] = [];
    for (const b of batches) {
      for (const endpoint of ["splits", "dividends"] as const) {
        const filter: Record<string, string> =
          endpoint === "splits"
            ? { "ticker.any_of": b.join(","), "execution_date.gte": FROM }
            : { "ticker.any_of": b.join(","), "ex_dividend_date.gte": FROM, "ex_dividend_date.lte": TO };
        const expected = await fakeAnswer(endpoint, filter);
        const kind = endpoint === "splits" ? "split" : "dividend";
        const stored = await actions()
          .find({ kind, apiId: { $in: expected.map((a) => a.id) } })
          .toArray();
        expect(stored.map((d) => d.apiId).sort()).toEqual(expected.map((a) => a.id).sort());
        splitsAfterTo.push(...expected.filter((a) => a.execution_date && a.execution_date > TO).map((a) => a.ticker));
        const prefix = `raw/polygon/${endpoint}/tickers=${hashOf(b)}/from=${FROM}_to=${TO}/`;
        const pages = files.filter((f) => f.startsWith(prefix));
        expect(pages).toHaveLength(Math.max(1, Math.ceil(expected.length / 2)));
        for (const key of pages) expect((await lake.get(key)).meta.tickers).toBe(b.join(","));
        pagesTotal += pages.length;
      }
    }
    // No upper bound on splits: the March splits of batch tickers, announced by then, are asked for and stored.
    expect(splitsAfterTo).toEqual(expect.arrayContaining(["AAPL", "MSFT", "KO"]));
    expect(pagesTotal).toBeGreaterThan(4);
    expect(proxy.seen.filter((q) => q.path.startsWith("/stocks/v1/"))).toHaveLength(pagesTotal);
    expect(r.json().details.actionPages).toEqual({ fetched: pagesTotal, reused: 0 });
    actionPagesTotal = pagesTotal;
  });

  it("run again (--lake-only), reuses every page from the lake: zero API requests", async () => {
    const r = await backfill("--lake-only");
    expect(r.code, describeRun(r)).toBe(0);
    expect(w.fake.stats().total).toBe(0);
    expect(r.json()).toMatchObject({ apiRequests: 0, lakeObjectsWritten: 0, details: { actionPages: { fetched: 0, reused: actionPagesTotal } } });
  });
});

describe("reprocess rebuilds corporate_actions from the lake", () => {
  it("into an empty database, with zero API requests, to the same content", async () => {
    const content = async () =>
      (await actions().find({}).sort({ kind: 1, apiId: 1 }).toArray()).map(({ _id, lakeObject, runId, ingestedAt, updatedAt, ...rest }) => {
        expect(typeof lakeObject).toBe("string");
        return rest;
      });
    const before = await content();
    expect(before.length).toBeGreaterThan(20);
    await w.db.dropDatabase();
    w.fake.resetStats();
    const r = await w.cli(["reprocess", "--from", "2025-01-01", "--to", "2025-04-30", "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    expect(w.fake.stats().total).toBe(0);
    expect(r.json()).toMatchObject({ apiRequests: 0, lakeObjectsWritten: 0, details: { actions: { inserted: before.length } } });
    expect(await content()).toEqual(before);
    const files = new Set(await lakeFiles());
    for (const d of await actions().find({}).toArray()) expect(files.has(d.lakeObject as string)).toBe(true);
    const indexes = await actions().indexes();
    expect(indexes).toContainEqual(expect.objectContaining({ key: { kind: 1, apiId: 1 }, unique: true }));
  });
});
