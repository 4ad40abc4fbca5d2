import { mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakePolygon, type FakePolygon } from "../fake-polygon/server.js";
import { openLake, type Lake } from "../lake/lake.js";
import { actionsDayKey, groupedKey, rangePageKey } from "../lake/layout.js";
import { PolygonClient } from "../polygon/client.server.js";
import { curatedCoverage } from "./coverage.server.js";
import { curate } from "./curate.server.js";
import { curatedActionsKey, curatedBarsKey } from "./layout.js";
import { curateContext, duck, plainRows, sqlPath } from "../test-support/curated-lake.js";

const SESSIONS = ["2025-01-02", "2025-01-03", "2025-01-06"];
const [D1, D2, D3] = SESSIONS as [string, string, string];
let fake: FakePolygon;
let root: string;
let lake: Lake;
const raw = new Map<string, Buffer>();

const barsOf = (date: string) => duck(`SELECT * EXCLUDE (feed) FROM read_parquet(${sqlPath(path.join(root, curatedBarsKey(date)))}, hive_partitioning = false) ORDER BY symbol`);

beforeAll(async () => {
  fake = await startFakePolygon({ universeSize: 300, apiKeys: ["k"] });
  const client = new PolygonClient({ baseUrl: fake.url, apiKey: "k", maxRequestsPerMinute: 60_000, timeoutMs: 30_000, maxRetries: 0, retryBaseMs: 10 });
  root = await mkdtemp(path.join(tmpdir(), "curate-"));
  lake = openLake(root);
  for (const d of SESSIONS) {
    const body = (await client.grouped(d, { tradingDay: true })).body;
    const json = JSON.parse(body.toString("utf8"));
    if (d === D2) {
      // Two rows the load quarantines (high below close; no close), and one without the optional fields.
      json.results[0].h = json.results[0].c / 2;
      delete json.results[1].c;
      delete json.results[2].vw;
      delete json.results[2].n;
      delete json.results[2].otc;
    }
    const edited = Buffer.from(JSON.stringify(json));
    raw.set(d, edited);
    await lake.put(groupedKey("polygon", d), edited, {});
  }
}, 120_000);

afterAll(async () => {
  await fake?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe("curate: raw/ → curated/daily_bars", () => {
  it("writes every ticker of each session with the raw response's values, and leaves out the rows the load quarantines", async () => {
    const report = await curate(curateContext(lake), D1, D3);
    expect(report.bars.sessions).toEqual(SESSIONS);
    expect(report.bars.rejected).toBe(2);
    for (const d of SESSIONS) {
      const want = plainRows(raw.get(d)!);
      const results = JSON.parse(raw.get(d)!.toString("utf8")).results.length;
      expect(want.size).toBe(d === D2 ? results - 2 : results);
      expect(await barsOf(d)).toEqual([...want.values()].sort((a, b) => (a.symbol < b.symbol ? -1 : 1)));
    }
    const bare = JSON.parse(raw.get(D2)!.toString("utf8")).results[2].T;
    expect((await barsOf(D2)).find((r) => r.symbol === bare)).toMatchObject({ vwap: null, transactions: null, otc: false });
  });

  it("has the fixed columns and types, and DuckDB reads the lake with hive partitioning (date from the folder, as a DATE)", async () => {
    const schema = await duck(`DESCRIBE SELECT * FROM read_parquet(${sqlPath(path.join(root, curatedBarsKey(D1)))}, hive_partitioning = false)`);
    expect(schema.map((c) => [c.column_name, c.column_type])).toEqual([
      ["symbol", "VARCHAR"],
      ["open", "DOUBLE"],
      ["high", "DOUBLE"],
      ["low", "DOUBLE"],
      ["close", "DOUBLE"],
      ["volume", "DOUBLE"],
      ["vwap", "DOUBLE"],
      ["transactions", "BIGINT"],
      ["otc", "BOOLEAN"],
      ["feed", "VARCHAR"],
    ]);
    const glob = sqlPath(path.join(root, "curated/daily_bars/date=*/*.parquet"));
    const perDay = await duck(`SELECT date, typeof(date) AS t, count(*) AS n, min(feed) AS feed FROM read_parquet(${glob}, hive_partitioning = true) GROUP BY date ORDER BY date`);
    expect(perDay).toEqual(SESSIONS.map((d) => ({ date: d, t: "DATE", n: plainRows(raw.get(d)!).size, feed: "polygon" })));
  });

  it("leaves equal content on a re-run, without rewriting the objects", async () => {
    const before = await lake.versions("curated/");
    const bytes = await readFile(path.join(root, curatedBarsKey(D2)));
    const again = await curate(curateContext(lake), D1, D3);
    expect(again.bars).toMatchObject({ written: 0, unchanged: 3 });
    expect(await lake.versions("curated/")).toEqual(before);
    expect((await readFile(path.join(root, curatedBarsKey(D2)))).equals(bytes)).toBe(true);
  });

  it("merges a range page covering the session after the grouped object (the last one wins, as reprocess loads them), and skips old-basis objects", async () => {
    const symbol = [...plainRows(raw.get(D1)!).keys()][5]!;
    const row = plainRows(raw.get(D1)!).get(symbol)!;
    const t = JSON.parse(raw.get(D1)!.toString("utf8")).results.find((r: { T: string }) => r.T === symbol).t;
    const page = (close: number, adjusted: boolean) =>
      Buffer.from(JSON.stringify({ ticker: symbol, adjusted, status: "OK", resultsCount: 1, results: [{ v: row.volume, o: row.open, c: close, h: row.high, l: row.low, t }] }));
    const mid = (row.low + row.high) / 2;
    await lake.put(rangePageKey("polygon", symbol, "2024-12-30", D1, 1), page(mid, false), {});
    await lake.put(rangePageKey("polygon", symbol, D1, D2, 1), page(row.low, true), {});
    const lines: string[] = [];
    const r = await curate(curateContext(lake, lines), D1, D1);
    expect(r.bars.skipped).toEqual([rangePageKey("polygon", symbol, D1, D2, 1)]);
    expect(lines.join("\n")).toContain("not as traded");
    const got = (await barsOf(D1)).find((b) => b.symbol === symbol);
    expect(got).toEqual({ symbol, open: row.open, high: row.high, low: row.low, close: mid, volume: row.volume, vwap: null, transactions: null, otc: false });
    expect(await barsOf(D1)).toHaveLength(plainRows(raw.get(D1)!).size);
    await rm(path.join(root, "raw/polygon/range"), { recursive: true });
    await curate(curateContext(lake), D1, D1);
  });

  it("names a truncated partition in the coverage, and curate rebuilds it with the same bytes", async () => {
    const file = path.join(root, curatedBarsKey(D2));
    const good = await readFile(file);
    await truncate(file, 300);
    const broken = await curatedCoverage(root);
    expect(broken.unreadable).toHaveLength(1);
    expect(broken.unreadable[0]!.message).toContain(curatedBarsKey(D2));
    expect(broken.unreadable[0]!.message).toContain(`stock-pipeline curate --from ${D2} --to ${D2}`);
    await expect(barsOf(D2)).rejects.toThrow();
    await curate(curateContext(lake), D2, D2);
    expect((await readFile(file)).equals(good)).toBe(true);
    const healed = await curatedCoverage(root);
    expect(healed).toMatchObject({ sessions: 3, first: D1, last: D3, gaps: [], unreadable: [] });
    expect(healed.rows).toBe(SESSIONS.reduce((n, d) => n + plainRows(raw.get(d)!).size, 0));
  });
});

describe("curate: raw/ → curated/corporate_actions", () => {
  const page = (results: object[]) => Buffer.from(JSON.stringify({ status: "OK", request_id: "x", results }));
  const split = (id: string, ticker: string, date: string, from: number, to: number) => ({
    id,
    ticker,
    execution_date: date,
    split_from: from,
    split_to: to,
    adjustment_type: from > to ? "reverse_split" : "forward_split",
  });
  const dividend = (id: string, ticker: string, date: string, cash: number) => ({ id, ticker, ex_dividend_date: date, cash_amount: cash, currency: "usd" });
  const actionsOf = (year: string) =>
    duck(
      `SELECT kind, id, symbol, strftime(date, '%Y-%m-%d') AS date, split_from, split_to, cash_amount, currency FROM read_parquet(${sqlPath(path.join(root, curatedActionsKey(year)))}, hive_partitioning = false)`,
    );

  it("merges by kind and id into the year's file: a correction replaces, a re-curate never duplicates, other actions stay", async () => {
    await lake.put(actionsDayKey("polygon", "splits", D1, 1), page([split("s1", "AAA", D1, 20, 1), split("s2", "BBB", "2025-01-31", 1, 4)]), {});
    await lake.put(actionsDayKey("polygon", "dividends", D1, 1), page([dividend("d1", "CCC", D1, 0.25), { id: "bad", ticker: "DDD", ex_dividend_date: D1, cash_amount: -1 }]), {});
    const first = await curate(curateContext(lake), D1, D1);
    expect(first.actions).toMatchObject({ years: ["2025"], rows: 3, rejected: 1 });
    const want = [
      { kind: "split", id: "s1", symbol: "AAA", date: D1, split_from: 20, split_to: 1, cash_amount: null, currency: null },
      { kind: "dividend", id: "d1", symbol: "CCC", date: D1, split_from: null, split_to: null, cash_amount: 0.25, currency: "USD" },
      { kind: "split", id: "s2", symbol: "BBB", date: "2025-01-31", split_from: 1, split_to: 4, cash_amount: null, currency: null },
    ];
    expect(await actionsOf("2025")).toEqual(want);
    // The next session's objects correct s1 and add one; D1's objects are not read again.
    await lake.put(actionsDayKey("polygon", "splits", D2, 1), page([split("s1", "AAA", D1, 10, 1)]), {});
    await lake.put(actionsDayKey("polygon", "dividends", D2, 1), page([dividend("d2", "EEE", "2024-12-31", 1)]), {});
    await curate(curateContext(lake), D2, D2);
    await curate(curateContext(lake), D2, D2);
    expect(await actionsOf("2025")).toEqual([{ ...want[0]!, split_from: 10 }, want[1], want[2]]);
    expect(await actionsOf("2024")).toEqual([{ kind: "dividend", id: "d2", symbol: "EEE", date: "2024-12-31", split_from: null, split_to: null, cash_amount: 1, currency: "USD" }]);
  });

  it("rebuilds an unreadable year's file from every raw actions object, naming it", async () => {
    const before = await actionsOf("2025");
    await writeFile(path.join(root, curatedActionsKey("2025")), "PAR1 not parquet");
    const lines: string[] = [];
    const r = await curate(curateContext(lake, lines), D3, D3);
    expect(r.actions.rebuilt).toEqual([curatedActionsKey("2025")]);
    expect(lines.join("\n")).toContain(`the curated object ${curatedActionsKey("2025")} cannot be read`);
    expect(await actionsOf("2025")).toEqual(before);
  });
});
