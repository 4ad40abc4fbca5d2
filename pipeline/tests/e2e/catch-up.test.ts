/** Daily commands without --date: the latest completed session, --as-of, and healing the sessions missed since the last load. */
import { rm } from "node:fs/promises";
import { beforeEach, describe, expect, it } from "vitest";
import { addDays, latestCompletedSession, todayInNewYork } from "../../src/calendar/nyse.js";
import { day, describeRun, listFiles, useE2eWorld } from "./harness.js";

const WATCHLIST = ["AAPL", "GOOGL", "MSFT", "NVDA", "TSLA"];
// The fake refuses "today" before the end of day; the CLI may take today's session once it closed: let the fake serve it.
const w = await useE2eWorld({ name: "catchup", tickers: "AAPL,GOOGL,MSFT,TSLA,NVDA", fake: { today: () => addDays(todayInNewYork(), 1) } });
const prices = () => w.db.collection("daily_prices");

/** Sessions with a record of every watched ticker, ascending. */
async function loadedSessions(): Promise<string[]> {
  const docs = await prices()
    .find({}, { projection: { symbol: 1, date: 1 } })
    .toArray();
  const bySession = new Map<string, Set<string>>();
  for (const d of docs) {
    const iso = (d.date as Date).toISOString().slice(0, 10);
    bySession.set(iso, (bySession.get(iso) ?? new Set()).add(d.symbol as string));
  }
  return [...bySession]
    .filter(([, symbols]) => WATCHLIST.every((t) => symbols.has(t)))
    .map(([iso]) => iso)
    .sort();
}

/** The corporate-action pages the lake holds for `sessions` (of `endpoints`), counted from its files. */
async function actionPages(sessions: readonly string[], endpoints: readonly string[] = ["splits", "dividends"]): Promise<string[]> {
  const files = (await listFiles(w.lakeDir)).filter((f) => !f.endsWith(".meta.json"));
  return files.filter((f) => endpoints.some((e) => sessions.some((d) => f.startsWith(`raw/polygon/${e}/date=${d}/`))));
}

async function ok(args: string[], env: Record<string, string> = {}) {
  const r = await w.cli(args, env);
  expect(r.code, describeRun(r)).toBe(0);
  return r;
}

beforeEach(async () => {
  await w.db.dropDatabase();
  await rm(w.lakeDir, { recursive: true, force: true });
  w.fake.resetStats();
  w.fake.clearFaults();
});

describe("a daily run without --date", () => {
  it("run with no date and no --as-of ingests the latest session completed now", async () => {
    const before = latestCompletedSession(new Date());
    const r = await ok(["run", "--json"]);
    const after = latestCompletedSession(new Date());
    const summary = r.json();
    expect([before, after]).toContain(summary.date);
    expect(summary).toMatchObject({ outcome: "success", details: { sessions: [summary.date], skipped: [] } });
    expect(w.fake.stats().byRoute).toEqual({ grouped: 1, splits: 1, dividends: 1 });
    expect(await loadedSessions()).toEqual([summary.date]);
  });

  it("--as-of the Monday morning after the July 4th holiday loads Thursday 2025-07-03, and only it on an empty database", async () => {
    const r = await ok(["run", "--as-of", "2025-07-07T10:00:00Z", "--json"]);
    expect(r.json()).toMatchObject({ date: "2025-07-03", asOf: "2025-07-07T10:00:00.000Z", details: { sessions: ["2025-07-03"], missed: [], lastLoaded: null } });
    expect(w.fake.stats().byRoute).toEqual({ grouped: 1, splits: 1, dividends: 1 });
    expect(await loadedSessions()).toEqual(["2025-07-03"]);
  });

  it("--as-of a Monday morning loads the Friday before (across the weekend)", async () => {
    const r = await ok(["run", "--as-of", "2025-06-30T06:00:00-04:00", "--json"]);
    expect(r.json()).toMatchObject({ date: "2025-06-27", details: { sessions: ["2025-06-27"] } });
    expect(await prices().countDocuments({ date: day("2025-06-27") })).toBe(5);
  });
});

describe("healing missed sessions", () => {
  it("after three missed sessions a run loads all three, oldest first, with exactly three grouped requests, then one the next time", async () => {
    await ok(["run", "--date", "2025-06-24"]);
    w.fake.resetStats();
    // Saturday morning: the latest completed session is Friday 2025-06-27; Wed, Thu and Fri were missed.
    const r = await ok(["run", "--as-of", "2025-06-28T10:00:00Z", "--json"]);
    expect(w.fake.stats().byRoute.grouped).toBe(3);
    const grouped = w.fake.requests.filter((q) => q.path.includes("/grouped/")).map((q) => q.path.slice(-10));
    expect(grouped).toEqual(["2025-06-25", "2025-06-26", "2025-06-27"]);
    const summary = r.json();
    expect(summary).toMatchObject({
      outcome: "success",
      date: "2025-06-27",
      counts: { inserted: 15 },
      details: { sessions: ["2025-06-25", "2025-06-26", "2025-06-27"], missed: ["2025-06-25", "2025-06-26"], lastLoaded: "2025-06-24", skipped: [] },
    });
    expect(r.stderr).toMatch(/\[[#-]+\] 1\/3 2025-06-25: 5 inserted/);
    expect(r.stderr).toMatch(/\[[#-]+\] 3\/3 2025-06-27: 5 inserted/);
    expect(await loadedSessions()).toEqual(["2025-06-24", "2025-06-25", "2025-06-26", "2025-06-27"]);

    w.fake.resetStats();
    const again = await ok(["run", "--as-of", "2025-06-28T10:00:00Z", "--json"]);
    expect(w.fake.stats().byRoute.grouped).toBe(1);
    expect(again.json()).toMatchObject({ details: { sessions: ["2025-06-27"] }, counts: { inserted: 0, unchanged: 5 } });
  });

  it("a catch-up of three missed sessions loads each session's corporate-action pages once, not again as a later session's healed ones", async () => {
    await ok(["run", "--date", "2025-06-24"]);
    const r = await ok(["run", "--as-of", "2025-06-28T10:00:00Z", "--json"]);
    const pages = await actionPages(["2025-06-25", "2025-06-26", "2025-06-27"]);
    expect(pages.length).toBeGreaterThanOrEqual(6);
    const summary = r.json();
    expect(summary.details.actions.objects).toBe(pages.length);
    // The three grouped objects, and each action page once.
    expect(summary.lakeObjectsRead).toBe(3 + pages.length);
    expect(r.stderr).not.toContain("also loading the corporate actions");
  });

  it("a catch-up still loads, once, the missing actions of an earlier session that its first extract fetched", async () => {
    w.fake.inject({ kind: "status", status: 401, match: "/stocks/v1/dividends", times: 1 });
    const failed = await w.cli(["run", "--date", "2025-06-24"]);
    expect(failed.code, describeRun(failed)).toBe(3);
    expect(await actionPages(["2025-06-24"], ["dividends"])).toEqual([]);
    const r = await ok(["run", "--as-of", "2025-06-28T10:00:00Z", "--json"]);
    const healed = await actionPages(["2025-06-24"], ["dividends"]);
    expect(healed.length).toBeGreaterThan(0);
    const pages = [...(await actionPages(["2025-06-25", "2025-06-26", "2025-06-27"])), ...healed];
    expect(r.json().details.actions.objects).toBe(pages.length);
    expect(r.stderr.match(/also loading the corporate actions of [\d-, ]+/g)).toEqual(["also loading the corporate actions of 2025-06-24, "]);
  });

  it("beyond MAX_CATCH_UP_SESSIONS the latest sessions load, and the output names the skipped ones and the back-fill that fills them", async () => {
    await ok(["run", "--date", "2025-06-23"]);
    w.fake.resetStats();
    const r = await ok(["run", "--as-of", "2025-06-28T10:00:00Z", "--json"], { MAX_CATCH_UP_SESSIONS: "2" });
    expect(w.fake.stats().byRoute.grouped).toBe(2);
    const backfill = "stock-pipeline backfill --from 2025-06-24 --to 2025-06-25 --tickers AAPL,GOOGL,MSFT,TSLA,NVDA";
    const summary = r.json();
    expect(summary.details).toMatchObject({ sessions: ["2025-06-26", "2025-06-27"], skipped: ["2025-06-24", "2025-06-25"], backfill });
    expect(summary.warnings.join("\n")).toContain(`MAX_CATCH_UP_SESSIONS=2; fill them with: ${backfill}`);
    expect(r.stderr).toContain("2 missed session(s) (2025-06-24 to 2025-06-25) were not ingested");
    expect(await loadedSessions()).toEqual(["2025-06-23", "2025-06-26", "2025-06-27"]);

    // The command it names is the exact one that fills the gap.
    await ok(backfill.split(" ").slice(1));
    expect(await loadedSessions()).toEqual(["2025-06-23", "2025-06-24", "2025-06-25", "2025-06-26", "2025-06-27"]);
  });

  it("a session that fails midway stops the run with exit 3, keeps the sessions before it, and the next run resumes after them", async () => {
    await ok(["run", "--date", "2025-06-24"]);
    w.fake.inject({ kind: "status", status: 401, times: 1, match: "/grouped/locale/us/market/stocks/2025-06-26" });
    const failed = await w.cli(["run", "--as-of", "2025-06-28T10:00:00Z", "--json"]);
    expect(failed.code, describeRun(failed)).toBe(3);
    expect(failed.stderr).toContain("run: stopped at 2025-06-26 (2025-06-25 done)");
    expect(await loadedSessions()).toEqual(["2025-06-24", "2025-06-25"]);
    w.fake.resetStats();
    const resumed = (await ok(["run", "--as-of", "2025-06-28T10:00:00Z", "--json"])).json();
    expect(resumed.details.sessions).toEqual(["2025-06-26", "2025-06-27"]);
    expect(w.fake.stats().byRoute.grouped).toBe(2);
    expect(await loadedSessions()).toEqual(["2025-06-24", "2025-06-25", "2025-06-26", "2025-06-27"]);
  });

  it("extract, load and check with the same --as-of (the DAG's three tasks) heal the same sessions", async () => {
    await ok(["run", "--date", "2025-07-01"]);
    w.fake.resetStats();
    const asOf = ["--as-of", "2025-07-07T10:00:00Z", "--json"];
    const extracted = (await ok(["extract", ...asOf])).json();
    expect(extracted.details.sessions).toEqual(["2025-07-02", "2025-07-03"]);
    expect(w.fake.stats().byRoute.grouped).toBe(2);
    expect(await loadedSessions()).toEqual(["2025-07-01"]);
    const loaded = (await ok(["load", ...asOf])).json();
    expect(loaded).toMatchObject({ apiRequests: 0, counts: { inserted: 10 }, details: { sessions: ["2025-07-02", "2025-07-03"] } });
    // One extract run stored both sessions' actions: the load of 2025-07-03 does not take 2025-07-02's again.
    expect(loaded.details.actions.objects).toBe((await actionPages(["2025-07-02", "2025-07-03"])).length);
    expect(await loadedSessions()).toEqual(["2025-07-01", "2025-07-02", "2025-07-03"]);
    expect((await ok(["check", ...asOf])).json()).toMatchObject({ outcome: "success", date: "2025-07-03" });
  });
});
