import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { corporateActions, ensureCorporateActionIndexes } from "../db/corporate-actions.server.js";
import { emptyCounts } from "../db/runs.server.js";
import { openLake, type Lake } from "../lake/lake.js";
import { actionsBatchKey, actionsDayKey, groupedKey } from "../lake/layout.js";
import type { PolygonClient, RawResponse } from "../polygon/client.server.js";
import { testDatabase } from "../test-support/db.js";
import { actionKeysBetween, actionsSummary, emptyActionCounts, fetchActionChain, loadActionKeys, sessionActionKeys, sessionsBefore } from "./actions.server.js";
import type { Context } from "./context.server.js";

const t = testDatabase();
let dir: string;
let lake: Lake;
let requests: string[];

const split = (id: string, ticker = "NVDA") => ({ id, ticker, execution_date: "2024-06-10", split_from: 1, split_to: 10, adjustment_type: "forward_split" });

function response(pathAndQuery: string, results: unknown[], nextPath?: string): RawResponse {
  const body = Buffer.from(JSON.stringify({ status: "OK", request_id: "r", results }));
  return {
    path: pathAndQuery,
    status: 200,
    body,
    contentType: "application/json",
    requestedAt: new Date().toISOString(),
    requestId: "r",
    resultsCount: results.length,
    nextPath,
    sha256: createHash("sha256").update(body).digest("hex"),
  };
}

/** A stand-in client serving `pages` of splits in order, recording what was asked. */
function fakeClient(pages: unknown[][]): PolygonClient {
  const page = (i: number) =>
    response(i === 0 ? "/stocks/v1/splits?x=1" : `/stocks/v1/splits?cursor=${i}`, pages[i]!, i + 1 < pages.length ? `/stocks/v1/splits?cursor=${i + 1}` : undefined);
  return {
    splits: async () => (requests.push("first"), page(0)),
    nextPage: async (p: string) => (requests.push(p), page(Number(new URL(p, "http://x").searchParams.get("cursor")))),
  } as unknown as PolygonClient;
}

function context(client?: PolygonClient, runId = "run-1"): Context {
  return {
    config: { feed: "polygon" },
    log: () => undefined,
    db: t.db,
    lake,
    runId,
    counts: emptyCounts(),
    actionCounts: emptyActionCounts(),
    actionKeysLoaded: new Set<string>(),
    lakeObjectsWritten: 0,
    lakeObjectsRead: 0,
    polygon: async () =>
      client ??
      (() => {
        throw new Error("no API in this test");
      })(),
  } as unknown as Context;
}

beforeAll(async () => {
  await ensureCorporateActionIndexes(t.db);
});
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "actions-test-"));
  lake = openLake(dir);
  requests = [];
  await corporateActions(t.db).deleteMany({});
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const dayKey = (page: number, date = "2024-06-10") => actionsDayKey("polygon", "splits", date, page);

describe("fetchActionChain", () => {
  it("follows next_url, storing each page under its number with the next page's path in its metadata", async () => {
    const ctx = context(fakeClient([[split("A")], [split("B")], [split("C")]]));
    const chain = await fetchActionChain(ctx, { keyOf: dayKey, first: (c) => c.splits({}), refetch: true });
    expect(chain).toEqual({ keys: [dayKey(1), dayKey(2), dayKey(3)], fetched: 3, reused: 0 });
    expect(requests).toEqual(["first", "/stocks/v1/splits?cursor=1", "/stocks/v1/splits?cursor=2"]);
    expect((await lake.get(dayKey(1))).meta.nextPath).toBe("/stocks/v1/splits?cursor=1");
    expect((await lake.get(dayKey(3))).meta.nextPath).toBeUndefined();
  });

  it("resumes a chain cut short: stored pages are reused and the first missing one is asked for through the stored next_url", async () => {
    await fetchActionChain(context(fakeClient([[split("A")], [split("B")], [split("C")]])), { keyOf: dayKey, first: (c) => c.splits({}), refetch: true });
    await rm(path.join(dir, ...dayKey(3).split("/")));
    requests = [];
    const chain = await fetchActionChain(context(fakeClient([[split("A")], [split("B")], [split("C")]])), { keyOf: dayKey, first: (c) => c.splits({}), refetch: false });
    expect(chain).toMatchObject({ fetched: 1, reused: 2 });
    expect(requests).toEqual(["/stocks/v1/splits?cursor=2"]);
  });
});

describe("loadActionKeys", () => {
  it("loads a chain, and skips a page left beyond its end by a shorter re-fetch", async () => {
    await fetchActionChain(context(fakeClient([[split("A")], [split("B")], [split("C")]])), { keyOf: dayKey, first: (c) => c.splits({}), refetch: true });
    // The same request answered again in one page: page 1 no longer announces page 2, which stays in the lake.
    await fetchActionChain(context(fakeClient([[split("A"), split("B", "AAPL")]])), { keyOf: dayKey, first: (c) => c.splits({}), refetch: true });
    const ctx = context();
    const r = await loadActionKeys(ctx, await lake.list("raw/polygon/splits/"));
    expect(r).toEqual({ rejected: 0, warnings: [] });
    expect((await corporateActions(t.db).find({}).sort({ apiId: 1 }).toArray()).map((d) => [d.apiId, d.symbol])).toEqual([
      ["A", "NVDA"],
      ["B", "AAPL"],
    ]);
    expect(ctx.actionCounts).toEqual({ objects: 1, splits: 2, dividends: 0, rejected: 0, inserted: 2, updated: 0, unchanged: 0 });
    expect(ctx.counts).toMatchObject({ rows: 2, valid: 2, rejected: 0 });
    expect(ctx.lakeObjectsRead).toBe(1);
  });

  it("names a page missing from the middle of a chain and one the last page announces, and loads what is there", async () => {
    await fetchActionChain(context(fakeClient([[split("A")], [split("B")], [split("C")], [split("D")]])), { keyOf: dayKey, first: (c) => c.splits({}), refetch: true });
    for (const p of [2, 4]) await rm(path.join(dir, ...dayKey(p).split("/")));
    const r = await loadActionKeys(context(), await lake.list("raw/polygon/splits/"));
    expect(r.warnings).toHaveLength(2);
    expect(r.warnings[0]).toMatch(/page\(s\) 2\.\.2 of the splits response are missing/);
    expect(r.warnings[1]).toMatch(/announces another page that is not in the lake/);
    expect(await corporateActions(t.db).countDocuments()).toBe(2);
  });

  it("quarantines rejected rows and counts them as rejected rows of the run", async () => {
    await fetchActionChain(context(fakeClient([[split("A"), { ...split("B"), split_to: 0 }]])), { keyOf: dayKey, first: (c) => c.splits({}), refetch: true });
    const ctx = context();
    expect((await loadActionKeys(ctx, [dayKey(1)])).rejected).toBe(1);
    expect(ctx.counts).toMatchObject({ rows: 2, valid: 1, rejected: 1 });
    expect(await t.db.collection("quarantine").findOne({ lakeObject: dayKey(1) })).toMatchObject({ rowIndex: 1, reasons: ["split_to 0 is not greater than 0"] });
    expect(actionsSummary(ctx.actionCounts)).toBe("actions: 1 split, 0 dividends (1 new, 1 rejected and quarantined)");
  });
});

describe("which objects a load takes", () => {
  it("load --date takes the session's own objects and those of earlier sessions written by the same extract", async () => {
    const [d1, d2, d3] = ["2024-06-05", "2024-06-06", "2024-06-07"];
    await fetchActionChain(context(fakeClient([[split("old")]]), "run-0"), { keyOf: (p) => dayKey(p, d1), first: (c) => c.splits({}), refetch: true });
    await fetchActionChain(context(fakeClient([[split("healed")]]), "run-9"), { keyOf: (p) => dayKey(p, d2), first: (c) => c.splits({}), refetch: true });
    await fetchActionChain(context(fakeClient([[split("own")]]), "run-9"), { keyOf: (p) => dayKey(p, d3), first: (c) => c.splits({}), refetch: true });
    const r = await sessionActionKeys(context(), d3, "run-9");
    expect(r).toEqual({ keys: [dayKey(1, d3), dayKey(1, d2)], missing: ["dividends"], healed: [d2] });
    expect((await sessionActionKeys(context(), d3, undefined)).keys).toEqual([dayKey(1, d3)]);
  });

  it("a later session of the same command leaves out an earlier session's pages it already loaded, unless a page was added since", async () => {
    const [d2, d3] = ["2024-06-06", "2024-06-07"];
    await fetchActionChain(context(fakeClient([[split("a")], [split("b")]]), "run-9"), { keyOf: (p) => dayKey(p, d2), first: (c) => c.splits({}), refetch: true });
    await fetchActionChain(context(fakeClient([[split("own")]]), "run-9"), { keyOf: (p) => dayKey(p, d3), first: (c) => c.splits({}), refetch: true });
    const ctx = context();
    await loadActionKeys(ctx, [dayKey(1, d2)]);
    // Page 2 of d2 was not loaded yet (as if an extract filled it after the load of d2): d2 still counts as healed.
    const first = await sessionActionKeys(ctx, d3, "run-9");
    expect(first).toEqual({ keys: [dayKey(1, d3), dayKey(1, d2), dayKey(2, d2)], missing: ["dividends"], healed: [d2] });
    await loadActionKeys(ctx, first.keys);
    expect(await sessionActionKeys(ctx, d3, "run-9")).toEqual({ keys: [dayKey(1, d3)], missing: ["dividends"], healed: [] });
    // Another command (a separate load process) has loaded nothing yet: it takes d2 as healed.
    expect((await sessionActionKeys(context(), d3, "run-9")).healed).toEqual([d2]);
  });

  it("reprocess takes the sessions inside its range and the back-fill windows overlapping it", async () => {
    const keys = [
      dayKey(1, "2024-05-31"),
      dayKey(1, "2024-06-03"),
      dayKey(1, "2024-06-28"),
      actionsBatchKey("polygon", "dividends", "0123456789ab", "2024-01-02", "2024-06-03", 1),
      actionsBatchKey("polygon", "dividends", "0123456789ab", "2024-01-02", "2024-05-31", 1),
      groupedKey("polygon", "2024-06-03"),
    ];
    for (const k of keys) await lake.put(k, Buffer.from("{}"), { feed: "polygon" });
    expect((await actionKeysBetween(context(), "2024-06-03", "2024-06-28")).sort()).toEqual([keys[3], keys[1], keys[2]].sort());
  });

  it("sessionsBefore counts trading sessions, not calendar days", () => {
    expect(sessionsBefore("2024-07-08", 3)).toEqual(["2024-07-05", "2024-07-03", "2024-07-02"]);
  });
});
