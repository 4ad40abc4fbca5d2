import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { nyDateOf, tradingDaysBetween } from "../calendar/nyse.js";
import { startFakePolygon, type Bar, type FakePolygon } from "./server.js";

const KEY = "test-key";
const TODAY = "2025-01-15";
const AUTH = { Authorization: `Bearer ${KEY}` };

let fake: FakePolygon;

/** A reply's fields as the tests read them (aggregates by default); which are present is what each test checks. */
interface Reply<Row = Bar> {
  status: string;
  request_id: string;
  resultsCount: number;
  queryCount?: number;
  count?: number;
  adjusted?: boolean;
  results: Row[];
  next_url?: string;
  message?: string;
  error?: string;
}
type OpenClose = Record<"status" | "from" | "symbol" | "request_id", string> & Record<"open" | "high" | "low" | "close" | "volume", number>;
type Upcoming = { date: string; exchange: string; status: string };

async function getJson<Body = Reply>(path: string, headers: Record<string, string> = AUTH): Promise<{ status: number; body: Body; res: Response }> {
  const res = await fetch(`${fake.url}${path}`, { headers });
  return { status: res.status, body: (await res.json()) as Body, res };
}

const grouped = (date: string, q = ""): string => `/v2/aggs/grouped/locale/us/market/stocks/${date}${q}`;
const range = (ticker: string, from: string, to: string, q = ""): string => `/v2/aggs/ticker/${ticker}/range/1/day/${from}/${to}${q}`;

beforeAll(async () => {
  fake = await startFakePolygon({ today: () => TODAY });
});
afterAll(async () => {
  await fake.close();
});

describe("fake Polygon server: grouped daily", () => {
  it("returns every non-OTC ticker of an 11,000-ticker universe with T, 16:00 ET stamps and count, well under a second", async () => {
    const start = performance.now();
    const { status, body, res } = await getJson(grouped("2024-05-15"));
    const elapsed = performance.now() - start;
    expect(status).toBe(200);
    expect(res.headers.get("x-synthetic-data")).toBe("true");
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(body.status).toBe("OK");
    expect(body.request_id).toMatch(/^synthetic-/);
    expect(body.adjusted).toBe(true);
    expect(body.resultsCount).toBe(body.results.length);
    expect(body.queryCount).toBe(body.results.length);
    expect(body.count).toBe(body.results.length);
    expect(body.results.length).toBeGreaterThan(10_900);
    const aapl = body.results.find((r) => r.T === "AAPL")!;
    expect(Object.keys(aapl).sort()).toEqual(["T", "c", "h", "l", "n", "o", "t", "v", "vw"]);
    expect(new Date(aapl.t).toISOString()).toBe("2024-05-15T20:00:00.000Z");
    expect(body.results.some((r: Bar) => r.T === "BRK.A")).toBe(true);
    expect(elapsed).toBeLessThan(1000);
  });

  it("omits results on a weekend and sends results: null on a holiday (2024-07-04), both 200 OK with zero counts", async () => {
    const weekend = await getJson(grouped("2024-07-06"));
    expect(weekend.status).toBe(200);
    expect(weekend.body).toEqual({ queryCount: 0, resultsCount: 0, adjusted: true, status: "OK", request_id: weekend.body.request_id });
    expect("results" in weekend.body).toBe(false);
    const holiday = await getJson(grouped("2024-07-04"));
    expect(holiday.status).toBe(200);
    expect(holiday.body).toEqual({ queryCount: 0, resultsCount: 0, adjusted: true, status: "OK", request_id: holiday.body.request_id, results: null });
  });

  it("includes fractional volumes on some rows", async () => {
    const { body } = await getJson(grouped("2024-05-15"));
    expect(body.results.some((r: Bar) => !Number.isInteger(r.v))).toBe(true);
    expect(body.results.some((r: Bar) => Number.isInteger(r.v))).toBe(true);
  });

  it("serves OTC rows (otc: true) only with include_otc=true", async () => {
    const without = await getJson(grouped("2024-05-15"));
    const withOtc = await getJson(grouped("2024-05-15", "?include_otc=true"));
    expect(without.body.results.some((r: Bar) => "otc" in r)).toBe(false);
    const otc = withOtc.body.results.filter((r: Bar) => r.otc === true);
    expect(otc.length).toBeGreaterThan(0);
    expect(withOtc.body.resultsCount).toBe(without.body.resultsCount + otc.length);
    expect(withOtc.body.resultsCount).toBe(11_000);
  });

  it("echoes adjusted=false", async () => {
    const { body } = await getJson(grouped("2024-05-15", "?adjusted=false"));
    expect(body.adjusted).toBe(false);
  });

  it("answers 403 NOT_AUTHORIZED for today's date before the end of day and for future dates", async () => {
    const today = await getJson(grouped(TODAY));
    expect(today.status).toBe(403);
    expect(today.body).toEqual({
      status: "NOT_AUTHORIZED",
      request_id: today.body.request_id,
      message: "Attempted to request today's data before end of day. Please upgrade your plan at https://polygon.io/pricing",
    });
    const future = await getJson(grouped("2025-02-03"));
    expect(future.status).toBe(403);
    expect(future.body.message).toBe("Your plan doesn't include this data timeframe. Please upgrade your plan at https://polygon.io/pricing");
  });

  it("answers 403 for dates older than the plan's historyStart", async () => {
    const limited = await startFakePolygon({ today: () => TODAY, historyStart: "2023-01-15", universeSize: 20 });
    try {
      const old = await fetch(`${limited.url}${grouped("2023-01-13")}`, { headers: AUTH });
      expect(old.status).toBe(403);
      expect(await old.json()).toMatchObject({ status: "NOT_AUTHORIZED", message: expect.stringMatching(/^Your plan doesn't include this data timeframe/) });
      const oldRange = await fetch(`${limited.url}${range("AAPL", "2022-01-01", "2023-06-01")}`, { headers: AUTH });
      expect(oldRange.status).toBe(403);
      expect((await fetch(`${limited.url}${grouped("2023-01-17")}`, { headers: AUTH })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe("fake Polygon server: range aggregates", () => {
  it("returns bars without T, stamped 00:00 ET, with the ticker, counts and adjusted in the envelope", async () => {
    const { status, body } = await getJson(range("AAPL", "2024-01-01", "2024-01-31", "?sort=asc"));
    expect(status).toBe(200);
    expect(body).toMatchObject({ ticker: "AAPL", status: "OK", adjusted: true, queryCount: 21, resultsCount: 21, count: 21 });
    expect(body.request_id).toMatch(/^synthetic-/);
    expect(body.next_url).toBeUndefined();
    expect(body.results[0]).not.toHaveProperty("T");
    expect(new Date(body.results[0]!.t).toISOString()).toBe("2024-01-02T05:00:00.000Z");
    const dates = body.results.map((b: Bar) => nyDateOf(b.t));
    expect(dates).toEqual(tradingDaysBetween("2024-01-01", "2024-01-31"));
  });

  it("gives the same values for a ticker and date in grouped (16:00 ET) and range (00:00 ET) responses across a DST change", async () => {
    for (const [from, to] of [
      ["2024-03-07", "2024-03-12"],
      ["2024-10-31", "2024-11-05"],
    ] as const) {
      const r = await getJson(range("MSFT", from, to, "?sort=asc"));
      for (const rb of r.body.results as Bar[]) {
        const date = nyDateOf(rb.t);
        const g = await getJson(grouped(date));
        const gb = (g.body.results as Bar[]).find((b) => b.T === "MSFT")!;
        expect(nyDateOf(gb.t)).toBe(date);
        expect(gb.t - rb.t).toBe(16 * 3600_000);
        expect({ ...gb, T: undefined, t: 0 }).toEqual({ ...rb, T: undefined, t: 0 });
      }
    }
  });

  it("accepts Unix ms from/to (inclusive) and sorts desc", async () => {
    const asc = await getJson(range("NVDA", "2024-02-01", "2024-02-29"));
    const first = asc.body.results[0]!.t;
    const last = asc.body.results.at(-1)!.t;
    const ms = await getJson(range("NVDA", String(first), String(last), "?sort=desc"));
    expect(ms.body.results).toEqual([...asc.body.results].reverse());
  });

  it("answers 200 OK with resultsCount 0 and no results for an unknown ticker or a range without sessions", async () => {
    for (const path of [range("NOPE", "2024-01-01", "2024-01-31"), range("AAPL", "2024-07-06", "2024-07-07")]) {
      const { status, body } = await getJson(path);
      expect(status).toBe(200);
      expect(body).toMatchObject({ status: "OK", resultsCount: 0, queryCount: 0 });
      expect("results" in body).toBe(false);
    }
  });

  it("serves no bars for today or later and answers 403 for a wholly future range", async () => {
    const { body } = await getJson(range("AAPL", "2025-01-10", "2025-12-31"));
    expect(body.results.map((b: Bar) => nyDateOf(b.t))).toEqual(["2025-01-10", "2025-01-13", "2025-01-14"]);
    expect((await getJson(range("AAPL", "2025-01-16", "2025-12-31"))).status).toBe(403);
  });

  it("answers 400 with the documented message for an unparseable from or to", async () => {
    const bad = await getJson(range("AAPL", "2024-13-01", "2024-01-10"));
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      status: "ERROR",
      request_id: bad.body.request_id,
      error: "Could not parse the time parameter: 'from'. Use YYYY-MM-DD or Unix MS Timestamps",
    });
    const badTo = await getJson(range("AAPL", "2024-01-01", "yesterday"));
    expect(badTo.body.error).toContain("'to'");
  });
});

describe("fake Polygon server: other endpoints", () => {
  it("serves the previous close: the last session before today, one result with T stamped 16:00 ET", async () => {
    const { body } = await getJson("/v2/aggs/ticker/AAPL/prev");
    expect(body).toMatchObject({ ticker: "AAPL", status: "OK", resultsCount: 1, queryCount: 1, count: 1, adjusted: true });
    expect(body.results).toHaveLength(1);
    expect(body.results[0]?.T).toBe("AAPL");
    expect(new Date(body.results[0]!.t).toISOString()).toBe("2025-01-14T21:00:00.000Z");
  });

  it("serves open-close as a flat object and 404 Data not found. on a closed day", async () => {
    const { body } = await getJson<OpenClose>("/v1/open-close/AAPL/2024-05-15");
    expect(Object.keys(body).sort()).toEqual(["afterHours", "close", "from", "high", "low", "open", "preMarket", "status", "symbol", "volume"]);
    expect(body).toMatchObject({ status: "OK", from: "2024-05-15", symbol: "AAPL" });
    const g = await getJson(grouped("2024-05-15"));
    const aapl = g.body.results.find((r) => r.T === "AAPL")!;
    expect([body.open, body.high, body.low, body.close, body.volume]).toEqual([aapl.o, aapl.h, aapl.l, aapl.c, aapl.v]);
    const closed = await getJson<OpenClose>("/v1/open-close/AAPL/2024-07-04");
    expect(closed.status).toBe(404);
    expect(closed.body).toEqual({ status: "NOT_FOUND", request_id: closed.body.request_id, message: "Data not found." });
  });

  it("lists upcoming holidays and early closes as a top-level array with NYSE and NASDAQ entries", async () => {
    const { body } = await getJson<Upcoming[]>("/v1/marketstatus/upcoming");
    expect(Array.isArray(body)).toBe(true);
    expect(body).toContainEqual({ date: "2025-01-20", exchange: "NYSE", name: "Martin Luther King Jr. Day", status: "closed" });
    expect(body).toContainEqual(expect.objectContaining({ date: "2025-01-20", exchange: "NASDAQ", status: "closed" }));
    expect(body).toContainEqual({
      date: "2025-07-03",
      exchange: "NYSE",
      name: "Independence Day",
      status: "early-close",
      open: "2025-07-03T13:30:00.000Z",
      close: "2025-07-03T17:00:00.000Z",
    });
    for (const e of body) expect(e.date >= TODAY && e.date <= "2026-01-15").toBe(true);
  });

  it("pages the ticker list with a key-free next_url and filters by ticker", async () => {
    const seen: string[] = [];
    let path: string | undefined = "/v3/reference/tickers?limit=1000";
    while (path) {
      const { body }: { body: Reply<{ ticker: string }> } = await getJson(path);
      expect(body.status).toBe("OK");
      seen.push(...body.results.map((r) => r.ticker));
      if (body.next_url) expect(body.next_url).not.toContain("apiKey");
      path = body.next_url ? body.next_url.slice(fake.url.length) : undefined;
    }
    expect(seen.length).toBe(11_000);
    expect(new Set(seen).size).toBe(11_000);
    const one = await getJson<Reply<{ ticker: string }>>("/v3/reference/tickers?ticker=AAPL");
    expect(one.body.results).toEqual([{ ticker: "AAPL", name: expect.any(String), market: "stocks", locale: "us", type: "CS", active: true, currency_name: "usd" }]);
    expect((await getJson<Reply<{ ticker: string }>>("/v3/reference/tickers")).body.results).toHaveLength(100);
    expect((await getJson<Reply<{ ticker: string }>>("/v3/reference/tickers/ZZZZ")).body).toMatchObject({ status: "NOT_FOUND", message: "Ticker not found." });
  });
});

describe("fake Polygon server: auth, routing, determinism", () => {
  it("answers 401 for a missing key and for an unknown key, in the header or the query", async () => {
    const missing = await getJson(grouped("2024-05-15"), {});
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ status: "ERROR", request_id: missing.body.request_id, error: "API Key was not provided" });
    for (const [path, headers] of [
      [grouped("2024-05-15"), { Authorization: "Bearer wrong" }],
      [grouped("2024-05-15", "?apiKey=wrong"), {}],
    ] as const) {
      const r = await getJson(path, headers);
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ status: "ERROR", request_id: r.body.request_id, error: "Unknown API Key" });
      expect(r.res.headers.get("x-synthetic-data")).toBe("true");
    }
    expect((await getJson(grouped("2024-05-15", `?apiKey=${KEY}`), {})).status).toBe(200);
  });

  it("answers 404 NOT_FOUND Not found for an unknown route", async () => {
    const r = await getJson("/v9/whatever");
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ status: "NOT_FOUND", request_id: r.body.request_id, message: "Not found" });
  });

  it("counts requests by route and records method, path, query and authorization", async () => {
    fake.resetStats();
    await getJson(grouped("2024-05-15"));
    await getJson(range("AAPL", "2024-01-01", "2024-01-05", "?apiKey=test-key"), {});
    await getJson("/nowhere", {});
    await fetch(`${fake.url}/__fake/stats`);
    expect(fake.stats()).toEqual({ total: 3, byRoute: { grouped: 1, range: 1, "not-found": 1 } });
    expect(fake.requests[0]).toEqual({ method: "GET", path: "/v2/aggs/grouped/locale/us/market/stocks/2024-05-15", query: {}, authorization: `Bearer ${KEY}` });
    expect(fake.requests[1]).toEqual({ method: "GET", path: "/v2/aggs/ticker/AAPL/range/1/day/2024-01-01/2024-01-05", query: { apiKey: KEY } });
    fake.resetStats();
    expect(fake.stats()).toEqual({ total: 0, byRoute: {} });
    expect(fake.requests).toHaveLength(0);
  });

  it("serves identical bytes for the same seed and different data for another seed", async () => {
    const twin = await startFakePolygon({ today: () => TODAY });
    const other = await startFakePolygon({ today: () => TODAY, seed: "other" });
    try {
      for (const path of [grouped("2024-05-15"), range("TSLA", "2023-01-01", "2023-12-31")]) {
        const a = await (await fetch(`${fake.url}${path}`, { headers: AUTH })).text();
        const b = await (await fetch(`${twin.url}${path}`, { headers: AUTH })).text();
        const c = await (await fetch(`${other.url}${path}`, { headers: AUTH })).text();
        expect(b).toBe(a);
        expect(c).not.toBe(a);
      }
    } finally {
      await Promise.all([twin.close(), other.close()]);
    }
  });

  it("refuses to listen on a non-loopback address", async () => {
    await expect(startFakePolygon({ host: "0.0.0.0" })).rejects.toThrow(/loopback/);
  });
});
