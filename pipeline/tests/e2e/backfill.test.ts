/** `backfill`: next_url pagination (also to another host), every bar once, resume from the lake, status coverage. */
import { rm } from "node:fs/promises";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { tradingDaysBetween } from "../../src/calendar/nyse.js";
import { openLake } from "../../src/lake/lake.js";
import { day, describeRun, listFiles, useE2eWorld } from "./harness.js";

const PAGE = 50;
const FROM = "2024-01-02";
const TO = "2024-06-28";
const TICKERS = ["AAPL", "MSFT"];
const w = await useE2eWorld({
  name: "backfill",
  // next_url names another host, as when api.polygon.io answers with api.massive.com links.
  fake: { rangePageSize: PAGE, nextUrlBase: "http://api.massive.invalid" },
  tickers: TICKERS.join(","),
});
const prices = () => w.db.collection("daily_prices");
const sessions = tradingDaysBetween(FROM, TO);
const pagesPerTicker = Math.ceil(sessions.length / PAGE);
const backfill = () => w.cli(["backfill", "--from", FROM, "--to", TO, "--json"]);

beforeEach(() => {
  w.fake.resetStats();
  w.fake.clearFaults();
});

describe("backfill --from --to", () => {
  it("follows next_url across pages, against our base URL although next_url names another host, and loads every bar once", async () => {
    // 2024-01-02..2024-06-28: 124 sessions (no Jan 1, MLK, Presidents' Day, Good Friday, Memorial Day, Juneteenth).
    expect(sessions).toHaveLength(124);
    expect(pagesPerTicker).toBe(3);
    const r = await backfill();
    expect(r.code, describeRun(r)).toBe(0);

    // Besides the bars, one batch of the tickers' splits and one of their dividends (corporate-actions.test.ts covers those).
    expect(w.fake.stats().byRoute).toEqual({ range: TICKERS.length * pagesPerTicker, splits: 1, dividends: 1 });
    const requests = w.fake.requests.filter((q) => !q.path.startsWith("/stocks/v1/"));
    expect(requests).toHaveLength(TICKERS.length * pagesPerTicker);
    expect(requests.every((q) => q.path.includes("/range/1/day/"))).toBe(true);
    // Pages after the first are the next_url's path and cursor, re-sent as is (no filters of ours added).
    const follow = requests.filter((q) => q.query.cursor !== undefined);
    expect(follow).toHaveLength(TICKERS.length * (pagesPerTicker - 1));
    for (const q of follow) expect(Object.keys(q.query)).toEqual(["cursor"]);
    expect(r.json()).toMatchObject({ outcome: "success", apiRequests: TICKERS.length * pagesPerTicker + 2, counts: { inserted: sessions.length * TICKERS.length, rejected: 0 } });

    expect(await prices().countDocuments()).toBe(sessions.length * TICKERS.length);
    for (const symbol of TICKERS) {
      const dates = (await prices().find({ symbol }).sort({ date: 1 }).toArray()).map((d) => (d.date as Date).toISOString().slice(0, 10));
      expect(dates).toEqual(sessions);
    }
    const pages = (await listFiles(w.lakeDir)).filter((f) => !f.endsWith(".meta.json") && f.startsWith("raw/polygon/range/"));
    expect(pages).toEqual(TICKERS.flatMap((t) => [1, 2, 3].map((p) => `raw/polygon/range/ticker=${t}/from=${FROM}_to=${TO}/page-000${p}.json`)));
  });

  it("run again, fetches no page (they are all in the lake) and changes nothing", async () => {
    const r = await backfill();
    expect(r.code, describeRun(r)).toBe(0);
    expect(w.fake.stats().total).toBe(0);
    expect(r.json()).toMatchObject({ apiRequests: 0, counts: { inserted: 0, updated: 0, unchanged: sessions.length * TICKERS.length } });
    expect(await prices().countDocuments()).toBe(sessions.length * TICKERS.length);
  });

  it("resumes after losing its last page: only that page is fetched again, through the previous page's next_url", async () => {
    const last = `raw/polygon/range/ticker=MSFT/from=${FROM}_to=${TO}/page-0003.json`;
    await rm(path.join(w.lakeDir, ...last.split("/")));
    const r = await backfill();
    expect(r.code, describeRun(r)).toBe(0);
    expect(w.fake.requests).toHaveLength(1);
    expect(w.fake.requests[0]!.path).toMatch(/^\/v2\/aggs\/ticker\/MSFT\/range\/1\/day\/\d+\//);
    expect(Object.keys(w.fake.requests[0]!.query)).toEqual(["cursor"]);
    expect((await listFiles(w.lakeDir)).includes(last)).toBe(true);
    expect(await prices().countDocuments()).toBe(sessions.length * TICKERS.length);
  });
});

describe("status --json after a back-fill", () => {
  it("shows full coverage with no gaps, then the gap of a record deleted from the database", async () => {
    const full = await w.cli(["status", "--json"]);
    expect(full.code, describeRun(full)).toBe(0);
    const report = full.json();
    for (const symbol of TICKERS) {
      expect(report.symbols).toContainEqual(expect.objectContaining({ symbol, records: sessions.length, first: FROM, last: TO, gaps: [] }));
    }
    expect(report.recentRuns[0]).toMatchObject({ command: "backfill", outcome: "success" });

    // Deleted behind the pipeline's back: the per-symbol summaries only learn of it when re-counted.
    await prices().deleteOne({ symbol: "AAPL", date: day("2024-03-15") });
    const stale = (await w.cli(["status", "--json"])).json();
    expect(stale.symbols).toContainEqual(expect.objectContaining({ symbol: "AAPL", records: sessions.length, gaps: [] }));
    const gap = (await w.cli(["status", "--verify", "--json"])).json();
    expect(gap.symbols).toContainEqual(expect.objectContaining({ symbol: "AAPL", records: sessions.length - 1, gaps: ["2024-03-15"] }));
    expect(gap.symbols).toContainEqual(expect.objectContaining({ symbol: "MSFT", gaps: [] }));
    expect(w.fake.stats().total).toBe(0);
  });
});

describe("reprocess after a back-fill", () => {
  it("reprocess skips a page left beyond the end of its next_url chain (what a --refetch that got fewer pages leaves), naming it", async () => {
    // A leftover page 4 after the chain's last page 3, holding other (older) values for dates the chain also holds.
    const lake = openLake(w.lakeDir);
    const first = await lake.get(`raw/polygon/range/ticker=AAPL/from=${FROM}_to=${TO}/page-0001.json`);
    const original = JSON.parse(first.body.toString("utf8")) as { results: { o: number; h: number; l: number; c: number; t: number }[] };
    const body = structuredClone(original);
    for (const b of body.results) Object.assign(b, { o: b.o * 2, h: b.h * 2, l: b.l * 2, c: b.c * 2 });
    const leftover = `raw/polygon/range/ticker=AAPL/from=${FROM}_to=${TO}/page-0004.json`;
    await lake.put(leftover, Buffer.from(JSON.stringify(body)), first.meta);

    const r = await w.cli(["reprocess", "--from", FROM, "--to", TO, "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stderr).toContain(`ignoring ${leftover}`);
    expect(r.json()).toMatchObject({ apiRequests: 0, counts: { updated: 0 } });
    const stored = await prices().find({ symbol: "AAPL" }).sort({ date: 1 }).limit(original.results.length).toArray();
    expect(stored.map((d) => d.close)).toEqual(original.results.map((b) => b.c));
    await rm(path.join(w.lakeDir, ...leftover.split("/")));
    await rm(path.join(w.lakeDir, ...`${leftover}.meta.json`.split("/")), { force: true });
  });
});
