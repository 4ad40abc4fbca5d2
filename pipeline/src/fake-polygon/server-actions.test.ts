import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { startFakePolygon, syntheticActions, type FakePolygon, type SyntheticDividend, type SyntheticSplit } from "./server.js";
import { syntheticUniverse } from "./synthetic.js";

const TODAY = "2025-01-15";
const BASE = "http://api.massive.test";
const AUTH = { Authorization: "Bearer test-key" };
const UNIVERSE = syntheticUniverse(11_000);
let fake: FakePolygon;
let allSplits: SyntheticSplit[];
let allDividends: SyntheticDividend[];

beforeAll(async () => {
  fake = await startFakePolygon({ today: () => TODAY, nextUrlBase: `${BASE}/` });
  allSplits = UNIVERSE.flatMap((t) => syntheticActions("demo", t).splits).filter((s) => s.announced <= TODAY);
  allDividends = UNIVERSE.flatMap((t) => syntheticActions("demo", t).dividends).filter((d) => d.declaration_date <= TODAY);
});
afterAll(async () => {
  await fake.close();
});

// Response bodies are checked field by field: the envelope, and rows by their fields.
type Row = { id: string } & Record<string, unknown>;
interface Envelope {
  status: string;
  request_id: string;
  results: Row[];
  next_url?: string;
  error?: string;
}
async function get(path: string): Promise<{ status: number; body: Envelope }> {
  const res = await fetch(`${fake.url}${path}`, { headers: AUTH });
  return { status: res.status, body: (await res.json()) as Envelope };
}
const ids = (rows: ReadonlyArray<{ id: string }>): string[] => rows.map((r) => r.id);
const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const sortBy =
  <T extends { id: string }>(key: (r: T) => string, desc = false) =>
  (a: T, b: T): number => {
    const c = key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
    return (desc ? -c : c) || byId(a, b);
  };

/** Follows next_url the way the client must: its path and query against our own base URL. */
async function collect(first: string): Promise<{ rows: Row[]; pages: Envelope[] }> {
  const pages: Envelope[] = [];
  let path: string | undefined = first;
  while (path !== undefined) {
    const { status, body } = await get(path);
    expect(status).toBe(200);
    pages.push(body);
    if (body.next_url === undefined) break;
    expect(body.next_url.startsWith(`${BASE}${first.split("?")[0]}?cursor=`)).toBe(true);
    const next = new URL(body.next_url);
    expect([...next.searchParams.keys()]).toEqual(["cursor"]);
    path = next.pathname + next.search;
  }
  return { rows: pages.flatMap((p) => p.results), pages };
}

describe("fake Polygon server: /stocks/v1/splits", () => {
  it("lists a ticker's announced splits newest first by default, with exactly the documented fields", async () => {
    const { status, body } = await get("/stocks/v1/splits?ticker=MSFT");
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: "OK", request_id: expect.stringMatching(/^synthetic-/) });
    expect(body.next_url).toBeUndefined();
    const expected = allSplits.filter((s) => s.ticker === "MSFT").sort(sortBy((s) => s.execution_date, true));
    expect(ids(body.results)).toEqual(ids(expected));
    expect(Object.keys(body.results[0]!).sort()).toEqual(["adjustment_type", "execution_date", "historical_adjustment_factor", "id", "split_from", "split_to", "ticker"].sort());
    expect(body.results[0]).toMatchObject({ ticker: "MSFT", split_from: expected[0]!.split_from, split_to: expected[0]!.split_to });
  });

  it("filters by ticker.any_of, ticker ranges, execution_date ranges and adjustment_type(.any_of)", async () => {
    const cases: Array<[string, (s: SyntheticSplit) => boolean]> = [
      ["ticker.any_of=AAPL,TSLA,NOPE", (s) => s.ticker === "AAPL" || s.ticker === "TSLA"],
      ["ticker.gte=SYN5000&ticker.lt=SYN6000", (s) => s.ticker >= "SYN5000" && s.ticker < "SYN6000"],
      ["execution_date.gte=2010-01-01&execution_date.lte=2012-12-31", (s) => s.execution_date >= "2010-01-01" && s.execution_date <= "2012-12-31"],
      ["execution_date.gt=2024-06-20&adjustment_type=reverse_split", (s) => s.execution_date > "2024-06-20" && s.adjustment_type === "reverse_split"],
      [
        "ticker.any_of=AAPL,GOOGL&adjustment_type.any_of=forward_split,stock_dividend&execution_date.lt=2020-01-01",
        (s) => ["AAPL", "GOOGL"].includes(s.ticker) && s.adjustment_type === "forward_split" && s.execution_date < "2020-01-01",
      ],
    ];
    for (const [query, keep] of cases) {
      const { status, body } = await get(`/stocks/v1/splits?${query}&limit=1000`);
      expect(status, query).toBe(200);
      const expected = allSplits.filter(keep).sort(sortBy((s) => s.execution_date, true));
      expect(expected.length, query).toBeGreaterThan(0);
      expect(ids(body.results), query).toEqual(ids(expected));
    }
  });

  it("answers a whole-market execution_date query over 11,000 tickers completely, well under a second", async () => {
    const date = syntheticActions("demo", "GOOGL").splits.find((s) => s.execution_date.startsWith("2024"))!.execution_date;
    const start = performance.now();
    const { body } = await get(`/stocks/v1/splits?execution_date=${date}`);
    expect(performance.now() - start).toBeLessThan(1000);
    expect(ids(body.results).sort()).toEqual(ids(allSplits.filter((s) => s.execution_date === date)).sort());
    expect(body.results.map((r) => r.ticker)).toContain("GOOGL");
  });

  it("sorts by the fields asked, either direction, ties broken by id", async () => {
    const { body } = await get("/stocks/v1/splits?sort=adjustment_type.desc,ticker.asc&execution_date.lt=2008-01-01&limit=5000");
    const expected = allSplits
      .filter((s) => s.execution_date < "2008-01-01")
      .sort((a, b) => (a.adjustment_type === b.adjustment_type ? sortBy<SyntheticSplit>((s) => s.ticker)(a, b) : a.adjustment_type < b.adjustment_type ? 1 : -1));
    expect(ids(body.results)).toEqual(ids(expected));
    const asc = await get("/stocks/v1/splits?ticker=NVDA&sort=execution_date.asc");
    expect(ids(asc.body.results)).toEqual(ids(allSplits.filter((s) => s.ticker === "NVDA")));
  });

  it("pages with a key-free absolute next_url until every row has come exactly once", async () => {
    const { rows, pages } = await collect("/stocks/v1/splits?limit=40");
    expect(pages.length).toBe(Math.ceil(allSplits.length / 40));
    expect(new Set(ids(rows)).size).toBe(rows.length);
    expect(ids(rows)).toEqual(ids([...allSplits].sort(sortBy((s) => s.execution_date, true))));
  });
});

describe("fake Polygon server: /stocks/v1/dividends", () => {
  it("lists dividends by ticker ascending by default, with the documented fields", async () => {
    const { body } = await get("/stocks/v1/dividends?ticker.any_of=KO,AAPL&ex_dividend_date.gte=2024-01-01");
    const expected = allDividends.filter((d) => ["KO", "AAPL"].includes(d.ticker) && d.ex_dividend_date >= "2024-01-01").sort(sortBy((d) => d.ticker));
    expect(ids(body.results)).toEqual(ids(expected));
    expect(Object.keys(body.results[0]!).sort()).toEqual(
      [
        "cash_amount",
        "currency",
        "declaration_date",
        "distribution_type",
        "ex_dividend_date",
        "frequency",
        "historical_adjustment_factor",
        "id",
        "pay_date",
        "record_date",
        "split_adjusted_cash_amount",
        "ticker",
      ].sort(),
    );
    expect(body.results.every((r) => r.ticker !== "TSLA")).toBe(true);
  });

  it("filters by frequency and distribution_type, and answers a whole-market ex_dividend_date query quickly", async () => {
    const counts = new Map<string, number>();
    for (const d of allDividends) if (d.ex_dividend_date.startsWith("2024")) counts.set(d.ex_dividend_date, (counts.get(d.ex_dividend_date) ?? 0) + 1);
    const [date] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
    const start = performance.now();
    const { body } = await get(`/stocks/v1/dividends?ex_dividend_date=${date}&frequency=4&distribution_type.any_of=recurring,special&limit=1000`);
    expect(performance.now() - start).toBeLessThan(1000);
    expect(ids(body.results)).toEqual(ids(allDividends.filter((d) => d.ex_dividend_date === date).sort(sortBy((d) => d.ticker))));
    expect(body.results.length).toBeGreaterThan(20);
    for (const q of ["frequency=12", "frequency.gt=4", "distribution_type=special"]) {
      expect((await get(`/stocks/v1/dividends?ex_dividend_date=${date}&${q}`)).body.results, q).toEqual([]);
    }
  });

  it("pages a year of the whole market's dividends, every row exactly once, in ex_dividend_date.desc order", async () => {
    const { rows } = await collect("/stocks/v1/dividends?ex_dividend_date.gte=2024-01-01&ex_dividend_date.lt=2025-01-01&sort=ex_dividend_date.desc&limit=700");
    const expected = allDividends.filter((d) => d.ex_dividend_date.startsWith("2024")).sort(sortBy((d) => d.ex_dividend_date, true));
    expect(rows.length).toBeGreaterThan(5000);
    expect(ids(rows)).toEqual(ids(expected));
  });
});

describe("fake Polygon server: corporate-action query errors", () => {
  it("answers 400 ERROR for a limit outside 1..5000 or not a number, a malformed date, an unknown sort field or value", async () => {
    for (const query of [
      "limit=0",
      "limit=5001",
      "limit=abc",
      "limit=-1",
      "limit=2.5",
      "execution_date=2024-13-01",
      "execution_date.gte=yesterday",
      "ticker=AAPL&sort=historical_adjustment_factor.asc",
      "sort=execution_date.sideways",
      "adjustment_type=merger",
      "cursor=%%%",
    ]) {
      const { status, body } = await get(`/stocks/v1/splits?${query}`);
      expect(status, query).toBe(400);
      expect(body, query).toEqual({ status: "ERROR", request_id: expect.stringMatching(/^synthetic-/), error: expect.any(String) });
    }
    expect((await get("/stocks/v1/dividends?ex_dividend_date=2024-02-30")).status).toBe(400);
    expect((await get("/stocks/v1/dividends?frequency=quarterly")).status).toBe(400);
    expect((await get("/stocks/v1/splits?limit=5000&ticker=AAPL")).status).toBe(200);
  });

  it("asks for an API key like every other endpoint", async () => {
    const res = await fetch(`${fake.url}/stocks/v1/dividends?ticker=AAPL`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ status: "ERROR", error: "API Key was not provided" });
  });
});
