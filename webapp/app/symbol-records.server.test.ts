import { startTcpProxy, type TcpProxy } from "../tests/support/tcp-proxy";
import { useTwoClients } from "../tests/support/two-clients";
import { tradingDaysBetween } from "@stock-market/pipeline/calendar/nyse";
import { dailyPrices, getDailyPrice } from "@stock-market/pipeline/db/daily-prices.server";
import { deleteManualPrice, editManualPrice, insertManualPrice, restoreDailyPrice } from "@stock-market/pipeline/db/manual-prices.server";
import { upsertPipelineBars } from "@stock-market/pipeline/db/pipeline-upserts.server";
import { findDailyPrices } from "@stock-market/pipeline/db/records-query.server";
import { getRecordViews, type RecordView } from "@stock-market/pipeline/db/record-views.server";
import { toStoredDate, type DailyPrice } from "@stock-market/pipeline/model/daily-price";
import { MongoClient, type CommandSucceededEvent, type Db } from "mongodb";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SORT_FIELDS } from "~/lib/records-query";
import { selectRecords } from "~/lib/select-records";
import { allSymbolRecords, clearSymbolRecords, FULL_READ_EVERY_MS, settleSymbolReads, symbolRecords } from "~/symbol-records.server";

const c = useTwoClients("symbol_records");

beforeEach(() => {
  clearSymbolRecords();
  c.commands.length = 0;
});
afterEach(() => {
  vi.restoreAllMocks();
});

const v = (close: number) => ({ open: close, high: close + 1, low: close - 1, close, volume: 100 });
const load = (symbol: string, dates: readonly string[], close = 10) =>
  upsertPipelineBars(
    c.writeDb,
    dates.map((date) => ({ symbol, date, ...v(close) })),
    { feed: "synthetic", runId: "r", lakeObjectOf: () => "k" },
  );
/** What a record is, for comparing a held copy with a fresh read: every field a page shows, in a fixed order. */
const SHOWN = ["symbol", "date", "open", "high", "low", "close", "volume", "vwap", "transactions", "source", "feed", "updatedAt", "updatedBy", "deletedAt"] as const;
const plain = (records: readonly RecordView[]) => records.map((r) => JSON.stringify(SHOWN.map((f) => r[f] ?? null)));
const names = () => c.commands.map((x) => x.name);
/** The clock moved on by `ms` (undone after each test). */
const later = (ms: number) => vi.spyOn(Date, "now").mockReturnValue(Date.now() + ms);

/**
 * A second reading client of the same database (so the same held records),
 * connected through a proxy the test can pause or cut; no retried reads, so
 * a cut connection fails the read in flight.
 */
async function withProxiedReader(use: (db: Db, proxy: TcpProxy) => Promise<void>): Promise<void> {
  const proxy = await startTcpProxy(c.readDb.client.options.hosts[0]! as { host: string; port: number });
  const client = new MongoClient(`mongodb://${proxy.address}/`, { directConnection: true, retryReads: false, serverSelectionTimeoutMS: 5_000 });
  try {
    await use(client.db(c.readDb.databaseName), proxy);
  } finally {
    await client.close();
    await proxy.stop();
  }
}

/** Deterministic pseudo-random numbers (a failing sequence can be replayed). */
function rng(seed: number): () => number {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

describe("the per-symbol record store", () => {
  it("after every one of 150 random writes from another client, the held records equal a whole read of the database", async () => {
    const symbols = ["RW1", "RW2"];
    const days = tradingDaysBetween("2024-01-02", "2024-04-30");
    const next = rng(7);
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
    const undo: { symbol: string; date: string; before: DailyPrice | null; seen: Date }[] = [];
    for (const s of symbols) await load(s, days.slice(0, 40));
    for (let step = 0; step < 150; step++) {
      const symbol = pick(symbols);
      const date = pick(days);
      const op = Math.floor(next() * 6);
      if (op === 0) {
        // Sometimes more dates than a patch takes: the store must read whole.
        const start = Math.floor(next() * days.length);
        await load(symbol, days.slice(start, start + 1 + Math.floor(next() * 12)), 10 + Math.floor(next() * 5));
      } else if (op === 1) {
        const r = await insertManualPrice(c.writeDb, { symbol, date, values: v(20 + step), by: "p" });
        if (r.ok) undo.push({ symbol, date, before: r.before, seen: r.after!.updatedAt });
      } else if (op === 2 || op === 3) {
        const current = await getDailyPrice(c.writeDb, symbol, date);
        if (current) {
          const r =
            op === 2
              ? await editManualPrice(c.writeDb, { symbol, date, values: v(30 + step), by: "p", seenUpdatedAt: current.updatedAt })
              : await deleteManualPrice(c.writeDb, { symbol, date, by: "p", seenUpdatedAt: current.updatedAt });
          if (r.ok) undo.push({ symbol, date, before: r.before, seen: r.after!.updatedAt });
        }
      } else if (op === 4 && undo.length) {
        const u = undo.pop()!;
        await restoreDailyPrice(c.writeDb, { symbol: u.symbol, date: u.date, state: u.before, seenUpdatedAt: u.seen });
      }
      for (const s of symbols) expect(plain(await symbolRecords(c.readDb, s)), `${s} after step ${step}`).toEqual(plain(await getRecordViews(c.writeDb, s)));
    }
  }, 90_000);

  it("a person's edit costs the next reader one keyed read of that record, and readers of another symbol nothing", async () => {
    await load("PA1", tradingDaysBetween("2024-05-01", "2024-05-31"));
    await load("PA2", ["2024-05-01"]);
    await symbolRecords(c.readDb, "PA1");
    await symbolRecords(c.readDb, "PA2");
    const seen = (await getDailyPrice(c.writeDb, "PA1", "2024-05-15"))!.updatedAt;
    await editManualPrice(c.writeDb, { symbol: "PA1", date: "2024-05-15", values: v(99), by: "p", seenUpdatedAt: seen });
    c.commands.length = 0;
    expect((await symbolRecords(c.readDb, "PA2")).length).toBe(1);
    expect(names()).toEqual(["find symbol_summaries"]);
    c.commands.length = 0;
    const held = await symbolRecords(c.readDb, "PA1");
    expect(held.find((r) => r.date.getTime() === toStoredDate("2024-05-15").getTime())?.close).toBe(99);
    expect(names()).toEqual(["find symbol_summaries", "find daily_prices"]);
    expect(c.commands[1]!.filter).toMatchObject({ symbol: "PA1", date: toStoredDate("2024-05-15") });
    expect(plain(held)).toEqual(plain(await getRecordViews(c.writeDb, "PA1")));
  });

  it("a change that bypassed the write paths (a writer that died before its summary) shows once the re-read started FULL_READ_EVERY_MS after the last has landed", async () => {
    await load("BYP", ["2024-06-03", "2024-06-04"]);
    const held = await symbolRecords(c.readDb, "BYP");
    await dailyPrices(c.writeDb).updateOne({ symbol: "BYP", date: toStoredDate("2024-06-04") }, { $set: { close: 77 } });
    expect((await symbolRecords(c.readDb, "BYP"))[1]!.close).toBe(10);
    later(FULL_READ_EVERY_MS + 1);
    expect(await symbolRecords(c.readDb, "BYP")).toBe(held);
    await settleSymbolReads();
    expect((await symbolRecords(c.readDb, "BYP"))[1]!.close).toBe(77);
  });

  it("the requests after FULL_READ_EVERY_MS are answered from what is held without waiting for the one whole re-read they share", async () => {
    await load("NOW", tradingDaysBetween("2024-06-03", "2024-06-28"));
    const held = await symbolRecords(c.readDb, "NOW");
    const done: string[] = [];
    const onDone = (e: CommandSucceededEvent) => void done.push(`${e.commandName}`);
    c.readDb.client.on("commandSucceeded", onDone);
    try {
      later(FULL_READ_EVERY_MS + 1);
      c.commands.length = 0;
      done.length = 0;
      const answers = await Promise.all([symbolRecords(c.readDb, "NOW"), symbolRecords(c.readDb, "NOW")]);
      for (const a of answers) expect(a).toBe(held);
      // Both answers came back before any whole read of the symbol did: only their summary reads have finished.
      expect(done).toEqual(["find", "find"]);
      expect(names().filter((n) => n === "find symbol_summaries")).toHaveLength(2);
      await settleSymbolReads();
      expect(names().filter((n) => n === "find daily_prices")).toHaveLength(1);
      expect(c.commands.find((x) => x.name === "find daily_prices")!.filter).toMatchObject({ symbol: "NOW" });
      c.commands.length = 0;
      expect(plain(await symbolRecords(c.readDb, "NOW"))).toEqual(plain(held));
      expect(names()).toEqual(["find symbol_summaries"]);
    } finally {
      c.readDb.client.off("commandSucceeded", onDone);
    }
  });

  it("a re-read that lands after a newer generation was stored keeps that generation and adds the change without a mark", async () => {
    await load("LATE", ["2024-06-03", "2024-06-04", "2024-06-05"]);
    await withProxiedReader(async (viaProxy, proxy) => {
      await symbolRecords(c.readDb, "LATE");
      await dailyPrices(c.writeDb).updateOne({ symbol: "LATE", date: toStoredDate("2024-06-03") }, { $set: { close: 77 } });
      later(FULL_READ_EVERY_MS + 1);
      await symbolRecords(viaProxy, "LATE"); // starts the re-read, held back by the proxy
      proxy.pause();
      const seen = (await getDailyPrice(c.writeDb, "LATE", "2024-06-05"))!.updatedAt;
      await editManualPrice(c.writeDb, { symbol: "LATE", date: "2024-06-05", values: v(55), by: "p", seenUpdatedAt: seen });
      expect((await symbolRecords(c.readDb, "LATE")).map((r) => r.close)).toEqual([10, 10, 55]);
      proxy.resume();
      await settleSymbolReads();
      c.commands.length = 0;
      const now = await symbolRecords(c.readDb, "LATE");
      expect(now.map((r) => r.close)).toEqual([77, 10, 55]);
      expect(plain(now)).toEqual(plain(await getRecordViews(c.writeDb, "LATE")));
      // Still at the newer generation: no keyed read to bring it there again.
      expect(names()).toEqual(["find symbol_summaries"]);
    });
  });

  it("a re-read that fails logs one line with the symbol and its error, keeps serving the held records, and is tried again by the next request", async () => {
    await load("FAIL", ["2024-06-03", "2024-06-04"]);
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    await withProxiedReader(async (viaProxy, proxy) => {
      const held = await symbolRecords(viaProxy, "FAIL");
      await dailyPrices(c.writeDb).updateOne({ symbol: "FAIL", date: toStoredDate("2024-06-04") }, { $set: { close: 77 } });
      later(FULL_READ_EVERY_MS + 1);
      expect(await symbolRecords(viaProxy, "FAIL")).toBe(held);
      proxy.cut();
      await settleSymbolReads();
      expect(logged).toHaveBeenCalledTimes(1);
      expect(String(logged.mock.calls[0]![0])).toMatch(/^re-reading the records of FAIL failed: \S/);
      proxy.mend();
      expect(await symbolRecords(viaProxy, "FAIL")).toBe(held);
      await settleSymbolReads();
      expect((await symbolRecords(viaProxy, "FAIL"))[1]!.close).toBe(77);
      expect(logged).toHaveBeenCalledTimes(1);
    });
  });

  it("many requests for a symbol nobody holds yet share one whole read", async () => {
    await load("ONE", tradingDaysBetween("2024-07-01", "2024-07-31"));
    c.commands.length = 0;
    const all = await Promise.all(Array.from({ length: 5 }, () => symbolRecords(c.readDb, "ONE")));
    expect(new Set(all).size).toBe(1);
    expect(names().filter((n) => n === "find daily_prices")).toHaveLength(1);
  });

  it("records pages from memory, of one symbol and of all, have the database's rows and order for every sort, direction and filter", async () => {
    const days = tradingDaysBetween("2024-08-01", "2024-09-30");
    // Equal closes and volumes across days and symbols, so the tie-breaks (symbol, then date) decide the order.
    for (const symbol of ["SEL", "SEK"]) {
      await upsertPipelineBars(
        c.writeDb,
        days.map((date, i) => ({ symbol, date, ...v(10 + (i % 4)), volume: 100 + (i % 3) })),
        { feed: "synthetic", runId: "r", lakeObjectOf: () => "k" },
      );
    }
    for (const date of [days[3]!, days[9]!])
      await editManualPrice(c.writeDb, { symbol: "SEL", date, values: v(50), by: "p", seenUpdatedAt: (await getDailyPrice(c.writeDb, "SEL", date))!.updatedAt });
    const held = await symbolRecords(c.readDb, "SEL");
    const all = (await allSymbolRecords(c.readDb))!;
    for (const sort of SORT_FIELDS) {
      for (const dir of ["asc", "desc"] as const) {
        for (const filter of [{}, { from: "2024-08-15", to: "2024-09-10" }, { source: "manual" as const }, { from: "2024-09-01", source: "pipeline" as const }]) {
          const q = { sort, dir, ...filter };
          const order = { sort, dir: dir === "asc" ? (1 as const) : (-1 as const) };
          expect(plain(selectRecords(held, q)), `SEL ${JSON.stringify(q)}`).toEqual(plain(await findDailyPrices(c.writeDb, { symbol: "SEL", ...filter }, order).toArray()));
          expect(plain(selectRecords(all, q)), `all ${JSON.stringify(q)}`).toEqual(plain(await findDailyPrices(c.writeDb, filter, order).toArray()));
        }
      }
    }
  });

  it("a symbol with no record is an empty list", async () => {
    expect(await symbolRecords(c.readDb, "NONE")).toEqual([]);
  });
});
