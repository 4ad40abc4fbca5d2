import { describe, it, expect, beforeAll, afterAll, beforeEach } from "vitest";
import { nyDateOf, previousTradingDay } from "../calendar/nyse.js";
import { startFakePolygon, syntheticActions, type Bar, type CorporateActionsOption, type FakePolygon, type SyntheticDividend, type SyntheticSplit } from "./server.js";

const AUTH = { Authorization: "Bearer test-key" };
const ACTIONS: CorporateActionsOption = {
  splits: [
    { ticker: "SYN0001", execution_date: "2024-06-10", split_from: 1, split_to: 10 },
    { ticker: "SYN0002", execution_date: "2024-09-16", split_from: 20, split_to: 1 },
    { ticker: "SYN0003", execution_date: "2025-03-03", split_from: 1, split_to: 4, announced: "2025-01-06" },
  ],
  dividends: [
    { ticker: "SYN0001", ex_dividend_date: "2024-03-14", cash_amount: 0.5 },
    { ticker: "SYN0001", ex_dividend_date: "2024-09-12", cash_amount: 0.06 },
  ],
  replaceSyntheticFor: ["SYN0001", "SYN0002", "SYN0003"],
};
let clock = "2025-01-15";
let fake: FakePolygon;

beforeAll(async () => {
  fake = await startFakePolygon({ today: () => clock, universeSize: 60, corporateActions: ACTIONS });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  clock = "2025-01-15";
  fake.clearFaults();
  fake.resetStats();
});

// Response bodies are checked field by field; the types say what each test reads.
interface Page<Row> {
  results: Row[];
}
type ServedSplit = SyntheticSplit & { historical_adjustment_factor: number };
type ServedDividend = SyntheticDividend & { historical_adjustment_factor: number; split_adjusted_cash_amount: number };
async function get<Body>(path: string): Promise<Body> {
  const res = await fetch(`${fake.url}${path}`, { headers: AUTH });
  expect(res.status, path).toBe(200);
  return (await res.json()) as Body;
}
async function closes(ticker: string, from: string, to: string, adjusted: boolean): Promise<Map<string, number>> {
  const body = await get<Page<Bar>>(`/v2/aggs/ticker/${ticker}/range/1/day/${from}/${to}?adjusted=${adjusted}`);
  return new Map(body.results.map((b) => [nyDateOf(b.t), b.c]));
}
const relClose = (actual: number, expected: number): boolean => Math.abs(actual / expected - 1) < 1e-9;

describe("fake Polygon server: announced and explicit corporate actions", () => {
  it("lists an announced split before it executes but not before its announcement, and applies it to adjusted bars only once executed", async () => {
    clock = "2025-01-05";
    expect((await get<Page<ServedSplit>>("/stocks/v1/splits?ticker=SYN0003")).results).toEqual([]);
    clock = "2025-01-15";
    const listed = (await get<Page<ServedSplit>>("/stocks/v1/splits?ticker=SYN0003")).results;
    expect(listed).toEqual([
      expect.objectContaining({ execution_date: "2025-03-03", split_from: 1, split_to: 4, adjustment_type: "forward_split", historical_adjustment_factor: 0.25 }),
    ]);
    expect(await closes("SYN0003", "2025-01-06", "2025-01-14", true)).toEqual(await closes("SYN0003", "2025-01-06", "2025-01-14", false));
    clock = "2025-03-04";
    const adjusted = await closes("SYN0003", "2025-02-27", "2025-03-03", true);
    const raw = await closes("SYN0003", "2025-02-27", "2025-03-03", false);
    expect(relClose(adjusted.get("2025-02-28")!, raw.get("2025-02-28")! / 4)).toBe(true);
    expect(adjusted.get("2025-03-03")).toBe(raw.get("2025-03-03"));
  });

  it("serves exactly the explicit actions for replaceSyntheticFor tickers", async () => {
    const splits = (await get<Page<ServedSplit>>("/stocks/v1/splits?ticker.any_of=SYN0001,SYN0002&sort=ticker.asc")).results;
    expect(splits.map((s) => [s.ticker, s.execution_date, s.split_from, s.split_to, s.adjustment_type, s.historical_adjustment_factor])).toEqual([
      ["SYN0001", "2024-06-10", 1, 10, "forward_split", 0.1],
      ["SYN0002", "2024-09-16", 20, 1, "reverse_split", 20],
    ]);
    const dividends = (await get<Page<ServedDividend>>("/stocks/v1/dividends?ticker=SYN0001&sort=ex_dividend_date.asc")).results;
    expect(dividends.map((d) => [d.ex_dividend_date, d.declaration_date, d.cash_amount])).toEqual([
      ["2024-03-14", "2024-02-29", 0.5],
      ["2024-09-12", "2024-08-29", 0.06],
    ]);
    expect((await get<Page<ServedDividend>>("/stocks/v1/dividends?ticker.any_of=SYN0002,SYN0003")).results).toEqual([]);
  });

  it("refuses to start with an explicit action it could not serve", async () => {
    for (const corporateActions of [
      { splits: [{ ticker: "AAPL", execution_date: "2024-02-30", split_from: 1, split_to: 2 }] },
      { splits: [{ ticker: "AAPL", execution_date: "2024-06-10", split_from: 0, split_to: 2 }] },
      { dividends: [{ ticker: "KO", ex_dividend_date: "2024-06-10", cash_amount: -1 }] },
    ]) {
      await expect(startFakePolygon({ corporateActions, universeSize: 5 })).rejects.toThrow(/corporateActions/);
    }
  });
});

describe("fake Polygon server: historical adjustment factors", () => {
  it("gives each executed split the factor that turns an as-traded price before it into today's adjusted price", async () => {
    for (const ticker of ["AAPL", "NVDA", "SYN0001", "SYN0002"]) {
      const listed = (await get<Page<ServedSplit>>(`/stocks/v1/splits?ticker=${ticker}&execution_date.lte=${clock}`)).results;
      expect(listed.length).toBeGreaterThan(0);
      for (const s of listed) {
        // For a price on D, the first split after D carries the factor (polygon-api.md).
        const day = previousTradingDay(s.execution_date);
        const raw = (await closes(ticker, day, day, false)).get(day)!;
        const adjusted = (await closes(ticker, day, day, true)).get(day)!;
        expect(Math.abs((raw * s.historical_adjustment_factor) / adjusted - 1), `${ticker} ${s.execution_date}`).toBeLessThan(1e-9);
      }
    }
  });

  it("leaves splits still ahead of the clock out of the factors of executed ones", async () => {
    const aapl = syntheticActions("demo", "AAPL").splits;
    const future = aapl.find((s) => s.execution_date > "2025-01-15")!;
    clock = previousTradingDay(future.execution_date);
    const listed = (await get<Page<ServedSplit>>(`/stocks/v1/splits?ticker=AAPL&sort=execution_date.asc`)).results;
    const last = listed.at(-1);
    expect(last).toMatchObject({ execution_date: future.execution_date, historical_adjustment_factor: future.split_from / future.split_to });
    const previous = listed.at(-2);
    const before = aapl[aapl.indexOf(future) - 1]!;
    expect(previous?.historical_adjustment_factor).toBe(before.split_from / before.split_to);
  });

  it("gives dividends the product of 1 - cash / previous as-traded close over this and later ex-dates up to the clock", async () => {
    clock = "2025-01-15";
    for (const ticker of ["SYN0001", "KO", "AAPL"]) {
      const raw = await closes(ticker, "2019-01-01", "2025-01-14", false);
      const listed = (await get<Page<ServedDividend>>(`/stocks/v1/dividends?ticker=${ticker}&ex_dividend_date.gte=2019-03-01&sort=ex_dividend_date.asc`)).results;
      expect(listed.length).toBeGreaterThan(1);
      const { splits } = syntheticActions("demo", ticker, { corporateActions: ACTIONS });
      for (const [i, d] of listed.entries()) {
        let expected = 1;
        for (const later of listed.slice(i)) {
          if (later.ex_dividend_date > clock && later !== d) continue;
          const prevClose = raw.get(previousTradingDay(later.ex_dividend_date));
          if (prevClose !== undefined) expected *= 1 - later.cash_amount / prevClose;
        }
        if (d.ex_dividend_date <= clock) expect(relClose(d.historical_adjustment_factor, expected), `${ticker} ${d.ex_dividend_date}`).toBe(true);
        const ratio = splits.filter((s) => s.execution_date > d.ex_dividend_date && s.execution_date <= clock).reduce((p, s) => p * (s.split_to / s.split_from), 1);
        expect(relClose(d.split_adjusted_cash_amount, d.cash_amount / ratio)).toBe(true);
      }
    }
    const syn1 = (await get<Page<ServedDividend>>("/stocks/v1/dividends?ticker=SYN0001&sort=ex_dividend_date.asc")).results;
    expect(syn1.map((d) => d.split_adjusted_cash_amount)).toEqual([0.05, 0.06]);
  });
});

describe("fake Polygon server: faults on the corporate-action endpoints", () => {
  it("applies a fault queued for /stocks/v1/splits to it only, and counts it under its route", async () => {
    fake.inject({ kind: "status", status: 503, times: 1, match: "/stocks/v1/splits" });
    expect((await fetch(`${fake.url}/stocks/v1/dividends?ticker=KO`, { headers: AUTH })).status).toBe(200);
    expect((await fetch(`${fake.url}/v2/aggs/grouped/locale/us/market/stocks/2024-05-15`, { headers: AUTH })).status).toBe(200);
    const faulted = await fetch(`${fake.url}/stocks/v1/splits?ticker=AAPL`, { headers: AUTH });
    expect(faulted.status).toBe(503);
    expect(await faulted.json()).toMatchObject({ status: "ERROR" });
    expect((await fetch(`${fake.url}/stocks/v1/splits?ticker=AAPL`, { headers: AUTH })).status).toBe(200);
    expect(fake.stats()).toEqual({ total: 4, byRoute: { dividends: 1, grouped: 1, splits: 2 } });
    expect(fake.requests.at(-1)).toMatchObject({ path: "/stocks/v1/splits", query: { ticker: "AAPL" } });
  });

  it("'missing-fields' deletes the named keys from every row of results, action rows and bars alike, once", async () => {
    fake.inject({ kind: "missing-fields", fields: ["split_from", "split_to"], times: 1, match: "/splits" });
    fake.inject({ kind: "missing-fields", fields: ["c", "vw"], times: 1, match: "/grouped/" });
    const splits = (await get<Page<ServedSplit>>("/stocks/v1/splits?ticker=AAPL")).results;
    expect(splits.length).toBeGreaterThan(0);
    for (const s of splits) expect(Object.keys(s).sort()).toEqual(["adjustment_type", "execution_date", "historical_adjustment_factor", "id", "ticker"]);
    const bars = (await get<Page<Bar>>("/v2/aggs/grouped/locale/us/market/stocks/2024-05-15")).results;
    for (const b of bars) expect(Object.keys(b).sort()).toEqual(["T", "h", "l", "n", "o", "t", "v"]);
    expect((await get<Page<ServedSplit>>("/stocks/v1/splits?ticker=AAPL")).results[0]).toHaveProperty("split_to");
  });

  it("rejects a missing-fields fault without a non-empty list of field names", async () => {
    for (const fault of [
      { kind: "missing-fields", times: 1 },
      { kind: "missing-fields", times: 1, fields: [] },
      { kind: "missing-fields", times: 1, fields: ["c", 3] },
      { kind: "missing-fields", times: 1, fields: "c" },
    ]) {
      const res = await fetch(`${fake.url}/__fake/faults`, { method: "POST", body: JSON.stringify(fault) });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/fields/);
    }
    const ok = await fetch(`${fake.url}/__fake/faults`, { method: "POST", body: JSON.stringify({ kind: "missing-fields", times: 1, fields: ["c"] }) });
    expect(ok.status).toBe(200);
  });
});
