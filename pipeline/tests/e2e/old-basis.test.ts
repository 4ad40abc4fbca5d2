/**
 * Migrating a database and lake stored before prices were stored as traded
 * (issue 10, "Existing data"; docs/migration-as-traded.md). The old world is
 * built as the old pipeline left it: lake objects fetched from the fake with
 * adjusted=true under the keys it used, records without `basis`, one of them
 * edited by hand. Then status names what is affected and the one command
 * that fixes it; load and reprocess refuse to mix the bases; the command
 * leaves nothing of the old basis; reprocess afterwards skips the old objects.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { tradingDaysBetween } from "../../src/calendar/nyse.js";
import { groupedKey, rangePageKey } from "../../src/lake/layout.js";
import { openLake } from "../../src/lake/lake.js";
import { parseAggregates } from "../../src/transform/bars.js";
import { day, describeRun, hasStackTrace, priceRows, useE2eWorld } from "./harness.js";

const TICKERS = ["AAPL", "MSFT", "NVDA"];
// Both before the fake's clock, so its adjusted=true answers divide the earlier bars by them.
const SPLITS = [
  { ticker: "NVDA", execution_date: "2024-12-16", split_from: 1, split_to: 4 },
  { ticker: "AAPL", execution_date: "2025-01-06", split_from: 2, split_to: 3 },
];
const w = await useE2eWorld({
  name: "oldbasis",
  tickers: TICKERS.join(","),
  fake: { rangePageSize: 8, today: () => "2025-02-14", corporateActions: { splits: SPLITS, replaceSyntheticFor: TICKERS } },
});
const prices = () => w.db.collection("daily_prices");

const BACKFILL = { from: "2024-12-02", to: "2024-12-31" };
const DAILY = ["2025-01-02", "2025-01-03", "2025-01-06"];
const FIRST = BACKFILL.from;
const LAST = DAILY[DAILY.length - 1]!;
const HAND = { symbol: "MSFT", date: "2025-01-03" };

/** GET from the fake with the world's key; the body's bytes and its next_url as a path. */
async function fakeGet(pathAndQuery: string): Promise<{ body: Buffer; nextPath: string | undefined; path: string }> {
  const res = await fetch(`${w.fake.url}${pathAndQuery}`, { headers: { Authorization: `Bearer ${w.apiKey}` } });
  expect(res.status, pathAndQuery).toBe(200);
  const body = Buffer.from(await res.arrayBuffer());
  const next = (JSON.parse(body.toString("utf8")) as { next_url?: string }).next_url;
  return { body, nextPath: next ? new URL(next).pathname + new URL(next).search : undefined, path: pathAndQuery };
}

/** Stores a response as the old pipeline did: bytes as received, its metadata beside them. */
async function putOld(key: string, r: { body: Buffer; nextPath: string | undefined; path: string }): Promise<void> {
  const json = JSON.parse(r.body.toString("utf8")) as { adjusted?: unknown; results?: unknown[] };
  expect(json.adjusted, `${key} was fetched split-adjusted`).toBe(true);
  await openLake(w.lakeDir).put(key, r.body, {
    feed: "polygon",
    request: `GET ${r.path}`,
    status: "200",
    requestedAt: "2025-01-07T00:00:00.000Z",
    contentType: "application/json",
    bytes: String(r.body.length),
    sha256: createHash("sha256").update(r.body).digest("hex"),
    resultsCount: String(json.results?.length ?? 0),
    runId: "old-pipeline",
    ...(r.nextPath && { nextPath: r.nextPath }),
  });
}

/** The records the old pipeline loaded from an object: its watchlist rows, with provenance and no basis. */
async function insertOldRecords(key: string, body: Buffer, expectedDate?: string): Promise<number> {
  const { bars } = parseAggregates(key, body, { tickers: TICKERS, ...(expectedDate && { expectedDate }) });
  const at = new Date("2025-01-07T00:00:00.000Z");
  const docs = bars.map(({ symbol, date, ...values }) => ({
    symbol,
    date: day(date),
    ...values,
    source: "pipeline",
    feed: "polygon",
    lakeObject: key,
    runId: "old-pipeline",
    ingestedAt: at,
    updatedAt: at,
  }));
  if (docs.length) await prices().insertMany(docs);
  return docs.length;
}

const oldKeys: { grouped: string[]; range: string[] } = { grouped: [], range: [] };

/** The old world: a back-fill of December and three daily runs of January, all adjusted=true. */
async function buildOldWorld(): Promise<void> {
  for (const ticker of TICKERS) {
    let next: string | undefined = `/v2/aggs/ticker/${ticker}/range/1/day/${BACKFILL.from}/${BACKFILL.to}?adjusted=true&sort=asc&limit=50000`;
    for (let page = 1; next; page++) {
      const r = await fakeGet(next);
      const key = rangePageKey("polygon", ticker, BACKFILL.from, BACKFILL.to, page);
      await putOld(key, r);
      await insertOldRecords(key, r.body);
      oldKeys.range.push(key);
      next = r.nextPath;
    }
  }
  for (const date of DAILY) {
    const r = await fakeGet(`/v2/aggs/grouped/locale/us/market/stocks/${date}?adjusted=true&include_otc=false`);
    const key = groupedKey("polygon", date);
    await putOld(key, r);
    await insertOldRecords(key, r.body, date);
    oldKeys.grouped.push(key);
  }
  // Edited by a person before the switch: whether its values are as traded, only a person can tell.
  await prices().updateOne({ symbol: HAND.symbol, date: day(HAND.date) }, { $set: { source: "manual", close: 77.7, high: 1000, updatedBy: "alice" } });
}

/** The fake's own as-traded bars (adjusted=false) over the whole range, every page, by symbol and date. */
async function asTradedBars(): Promise<Map<string, { o: number; h: number; l: number; c: number; v: number }>> {
  type Row = { o: number; h: number; l: number; c: number; v: number };
  const out = new Map<string, Row>();
  const sessions = tradingDaysBetween(FIRST, LAST);
  for (const ticker of TICKERS) {
    const rows: Row[] = [];
    let next: string | undefined = `/v2/aggs/ticker/${ticker}/range/1/day/${FIRST}/${LAST}?adjusted=false&sort=asc&limit=50000`;
    while (next) {
      const r = await fakeGet(next);
      const body = JSON.parse(r.body.toString("utf8")) as { adjusted: boolean; results: Row[] };
      expect(body.adjusted).toBe(false);
      rows.push(...body.results);
      next = r.nextPath;
    }
    expect(rows).toHaveLength(sessions.length);
    rows.forEach((b, i) => out.set(`${ticker} ${sessions[i]}`, b));
  }
  return out;
}

const snapshot = async () => ({ prices: await priceRows(w.db), quarantine: await w.db.collection("quarantine").countDocuments() });

await buildOldWorld();
const oldRecords = await priceRows(w.db);
const sessions = tradingDaysBetween(FIRST, LAST);

describe("a database and lake stored before prices were stored as traded", () => {
  it("status names each symbol's old-basis records and range, the one command that re-fetches them, and the hand-edited record apart", async () => {
    expect(oldRecords).toHaveLength(TICKERS.length * sessions.length);
    const r = await w.cli(["status", "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    // Each symbol has every session FIRST..LAST, less the hand-edited one for MSFT.
    const expected = TICKERS.map((symbol) => ({ symbol, from: FIRST, to: LAST, records: sessions.length - (symbol === HAND.symbol ? 1 : 0) }));
    expect(r.json().oldBasis).toEqual({
      symbols: expected,
      command: `stock-pipeline backfill --refetch --from ${FIRST} --to ${LAST} --tickers ${TICKERS.join(",")}`,
      manual: [{ symbol: HAND.symbol, records: 1, from: HAND.date, to: HAND.date }],
    });
    const text = await w.cli(["status"]);
    expect(text.code, describeRun(text)).toBe(0);
    expect(text.stdout).toContain(`OLD BASIS: ${expected.reduce((n, s) => n + s.records, 0)} record(s) of 3 symbol(s)`);
    expect(text.stdout).toContain(`  AAPL  ${sessions.length} record(s)  ${FIRST}..${LAST}`);
    expect(text.stdout).toContain(`\n  stock-pipeline backfill --refetch --from ${FIRST} --to ${LAST} --tickers AAPL,MSFT,NVDA\n`);
  });

  it("load --date of an old grouped object is refused (exit 2) with one sentence naming it and `run --date`, and writes nothing", async () => {
    const before = await snapshot();
    const key = groupedKey("polygon", "2025-01-03");
    const r = await w.cli(["load", "--date", "2025-01-03", "--json"]);
    expect(r.code, describeRun(r)).toBe(2);
    const lines = r.stderr.split("\n").filter((l) => l.startsWith("stock-pipeline load:"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      `lake object ${key} holds split-adjusted bars (adjusted: true, fetched before the pipeline stored prices as traded); it is not loaded, as it would mix them with the as-traded records: re-fetch it as traded with: stock-pipeline run --date 2025-01-03`,
    );
    expect(hasStackTrace(r.stderr), r.stderr).toBe(false);
    expect(r.json()).toMatchObject({ outcome: "failed", exitCode: 2, error: { kind: "OldBasisError" } });
    expect(await snapshot()).toEqual(before);
  });

  it("reprocess over a range holding only old objects refuses before writing anything, naming them (ten, then a count) and the command", async () => {
    const before = await snapshot();
    w.fake.resetStats();
    const r = await w.cli(["reprocess", "--from", FIRST, "--to", LAST, "--json"]);
    expect(r.code, describeRun(r)).toBe(2);
    const all = [...oldKeys.grouped, ...oldKeys.range];
    expect(all).toHaveLength(3 + 3 * Math.ceil(tradingDaysBetween(BACKFILL.from, BACKFILL.to).length / 8));
    const message = r.json().error.message as string;
    expect(r.json()).toMatchObject({ outcome: "failed", exitCode: 2, error: { kind: "OldBasisError" } });
    expect(message).toMatch(new RegExp(`^reprocess ${FIRST}\\.\\.${LAST} refused, nothing written: ${all.length} lake object\\(s\\) hold split-adjusted bars`));
    const named = all.filter((k) => message.includes(k));
    expect(named).toHaveLength(10);
    expect(message).toContain(`and ${all.length - 10} more.`);
    expect(message).toContain(`Re-fetch them as traded with: stock-pipeline backfill --refetch --from ${FIRST} --to ${LAST} --tickers AAPL,MSFT,NVDA; then reprocess again`);
    expect(w.fake.stats().total).toBe(0);
    expect(await snapshot()).toEqual(before);
    // Only grouped objects in range: the same refusal, naming all three.
    const g = await w.cli(["reprocess", "--from", DAILY[0]!, "--to", LAST, "--json"]);
    expect(g.code, describeRun(g)).toBe(2);
    for (const k of oldKeys.grouped) expect(g.json().error.message).toContain(k);
    expect(g.json().error.message).toContain(`backfill --refetch --from ${DAILY[0]} --to ${LAST} --tickers AAPL,MSFT,NVDA`);
    expect(await snapshot()).toEqual(before);
  });

  it("the command status printed leaves no old-basis record, with values equal to the fake's as-traded bars, and the hand edit kept", async () => {
    const command = (await w.cli(["status", "--json"])).json().oldBasis.command as string;
    const [program, ...args] = command.split(" ");
    expect(program).toBe("stock-pipeline");
    const r = await w.cli([...args, "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    // Every pipeline record was rewritten, MSFT's too although no split changed its values: only the basis differed.
    const pipelineRecords = TICKERS.length * sessions.length - 1;
    expect(r.json()).toMatchObject({ outcome: "success", counts: { inserted: 0, updated: pipelineRecords, protectedManual: 1, rejected: 0 } });

    expect(await prices().countDocuments({ basis: { $exists: false }, source: "pipeline" })).toBe(0);
    const status = (await w.cli(["status", "--json"])).json();
    expect(status.oldBasis).toEqual({ symbols: [], command: null, manual: [{ symbol: HAND.symbol, records: 1, from: HAND.date, to: HAND.date }] });

    const traded = await asTradedBars();
    const docs = await prices().find({}).toArray();
    expect(docs).toHaveLength(TICKERS.length * sessions.length);
    let changed = 0;
    for (const d of docs) {
      const date = (d.date as Date).toISOString().slice(0, 10);
      const old = oldRecords.find((o) => o.symbol === d.symbol && o.date === (d.date as Date).toISOString())!;
      if (d.symbol === HAND.symbol && date === HAND.date) {
        expect(d).toMatchObject({ source: "manual", close: 77.7, updatedBy: "alice" });
        expect(d).not.toHaveProperty("basis");
        continue;
      }
      const b = traded.get(`${d.symbol} ${date}`)!;
      expect({ o: d.open, h: d.high, l: d.low, c: d.close, v: d.volume }, `${d.symbol} ${date}`).toEqual({ o: b.o, h: b.h, l: b.l, c: b.c, v: b.v });
      expect(d.basis).toBe("as-traded");
      if (d.close !== old.close) changed++;
    }
    // The split-adjusted closes differed before each split: NVDA before 2024-12-16, AAPL before 2025-01-06.
    const sessionsBefore = (split: string) => tradingDaysBetween(FIRST, split).length - 1;
    expect(changed).toBe(sessionsBefore("2024-12-16") + sessionsBefore("2025-01-06"));
    const nvda = docs.find((d) => d.symbol === "NVDA" && (d.date as Date).toISOString().startsWith("2024-12-13"))!;
    const oldNvda = oldRecords.find((o) => o.symbol === "NVDA" && o.date === day("2024-12-13").toISOString())!;
    expect(Math.abs(nvda.close / (oldNvda.close as number) - 4)).toBeLessThan(1e-3);
  });

  it("reprocess afterwards succeeds from the as-traded pages alone, naming the superseded old objects it skips", async () => {
    const before = await priceRows(w.db, { source: "pipeline" });
    await prices().deleteMany({ source: "pipeline" });
    w.fake.resetStats();
    const r = await w.cli(["reprocess", "--from", FIRST, "--to", LAST, "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    expect(w.fake.stats().total).toBe(0);
    const superseded = r.stderr.split("\n").find((l) => l.includes("superseded"));
    expect(superseded, r.stderr).toBeDefined();
    for (const k of oldKeys.grouped) expect(superseded).toContain(k);
    expect(superseded).toMatch(new RegExp(`${oldKeys.grouped.length + oldKeys.range.length} lake object\\(s\\) on the old basis`));
    expect(r.json()).toMatchObject({ outcome: "success", counts: { inserted: TICKERS.length * sessions.length - 1, protectedManual: 1, rejected: 0 } });
    // Same values and provenance as the back-fill left them: the new pages were what loaded.
    expect(await priceRows(w.db, { source: "pipeline" })).toEqual(before);
    expect(await prices().countDocuments({ basis: { $exists: false }, source: "pipeline" })).toBe(0);
  });
});
