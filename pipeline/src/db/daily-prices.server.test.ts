/** The daily_prices data-access module against the run's real embedded MongoDB (FerretDB). */
import { MongoBulkWriteError, MongoServerError, type Db } from "mongodb";
import { beforeAll, describe, expect, it } from "vitest";
import { toStoredDate } from "../model/daily-price.js";
import { testDatabase } from "../test-support/db.js";
import type { CleanBar } from "../transform/bars.js";
import { dailyPrices, ensureDailyPriceIndexes, getDailyPrice, getHistory, listSymbols } from "./daily-prices.server.js";
import { applyManualDelete, applyManualEdit } from "./manual-prices.server.js";
import { upsertPipelineBars, type UpsertOptions } from "./pipeline-upserts.server.js";

const DAY = "2025-01-14";
const T0 = new Date("2025-01-14T22:00:00.000Z");
const T1 = new Date("2025-01-15T22:00:00.000Z");
const T2 = new Date("2025-01-16T22:00:00.000Z");

const bar = (symbol: string, date = DAY, over: Partial<CleanBar> = {}): CleanBar => ({
  symbol,
  date,
  open: 10,
  high: 11,
  low: 9,
  close: 10.5,
  volume: 1000.5,
  vwap: 10.2,
  transactions: 50,
  ...over,
});

const opts = (over: Partial<UpsertOptions> = {}): UpsertOptions => ({
  feed: "polygon",
  runId: "run-1",
  lakeObjectOf: (b) => `raw/polygon/grouped/date=${b.date}/grouped.json`,
  now: T0,
  ...over,
});

const counts = (over: Partial<Record<"inserted" | "updated" | "unchanged" | "protectedManual", number>>) => ({
  inserted: 0,
  updated: 0,
  unchanged: 0,
  protectedManual: 0,
  ...over,
});

/** Every stored document (tombstones included) for these symbols, without _id, sorted. */
async function stored(db: Db, symbols: string[]) {
  return dailyPrices(db)
    .find({ symbol: { $in: symbols } }, { projection: { _id: 0 } })
    .sort({ symbol: 1, date: 1 })
    .toArray();
}

let unique = 0;
/** Symbols no other test of this file uses. */
const symbols = (n: number) => {
  unique++;
  return Array.from({ length: n }, (_, i) => `S${unique}X${i}`);
};

/**
 * The same Db, but every bulkWrite on any collection first awaits `before(n)`
 * (n counts bulkWrites from 1), and bulkWrite errors are recorded.
 */
function interceptBulkWrites(db: Db, before: (n: number) => Promise<void>): { db: Db; errors: unknown[] } {
  let calls = 0;
  const errors: unknown[] = [];
  const bind = <T extends object>(target: T, prop: string | symbol) => {
    const v = Reflect.get(target, prop, target) as unknown;
    return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
  };
  const proxied = new Proxy(db, {
    get(target, prop) {
      if (prop !== "collection") return bind(target, prop);
      return (...args: Parameters<Db["collection"]>) => {
        const collection = target.collection(...args);
        return new Proxy(collection, {
          get(c, p) {
            if (p !== "bulkWrite") return bind(c, p);
            return async (...a: Parameters<typeof c.bulkWrite>) => {
              await before(++calls);
              try {
                return await c.bulkWrite(...a);
              } catch (e) {
                errors.push(e);
                throw e;
              }
            };
          },
        });
      };
    },
  });
  return { db: proxied, errors };
}

/** A barrier: the first `parties` callers wait until all of them have arrived. */
function barrier(parties: number): (n: number) => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const open = new Promise<void>((r) => (release = r));
  return async (n) => {
    if (n > parties) return;
    if (++arrived === parties) release();
    await open;
  };
}

describe("ensureDailyPriceIndexes", () => {
  const t = testDatabase();

  it("is idempotent: three calls leave one unique (symbol, date) index, one date index and the sparse tombstone index", async () => {
    for (let i = 0; i < 3; i++) await ensureDailyPriceIndexes(t.db);
    const indexes = await dailyPrices(t.db).listIndexes().toArray();
    expect(indexes.map((i) => i.name).sort()).toEqual(["_id_", "date", "deleted_sparse", "symbol_date_unique"]);
    const main = indexes.find((i) => i.name === "symbol_date_unique")!;
    expect(main.key).toEqual({ symbol: 1, date: 1 });
    expect(main.unique).toBe(true);
  });

  it("the unique index rejects a second record for the same (symbol, date)", async () => {
    await ensureDailyPriceIndexes(t.db);
    const doc = { symbol: "DUP", date: toStoredDate(DAY), open: 1, high: 1, low: 1, close: 1, volume: 1, source: "pipeline" as const, ingestedAt: T0, updatedAt: T0 };
    await dailyPrices(t.db).insertOne({ ...doc });
    const error = await dailyPrices(t.db)
      .insertOne({ ...doc, close: 2 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    expect((error as MongoServerError).code).toBe(11000);
    // Another date or another symbol is fine.
    await dailyPrices(t.db).insertOne({ ...doc, date: toStoredDate("2025-01-15") });
    await dailyPrices(t.db).insertOne({ ...doc, symbol: "DUP2" });
    expect(await dailyPrices(t.db).countDocuments({ symbol: { $in: ["DUP", "DUP2"] } })).toBe(3);
  });
});

describe("upsertPipelineBars", () => {
  const t = testDatabase();
  beforeAll(async () => {
    await ensureDailyPriceIndexes(t.db);
  });

  it("a first load inserts every bar with its provenance", async () => {
    const [a, b] = symbols(2);
    const input = [bar(a!), bar(a!, "2025-01-13"), bar(b!, DAY, { vwap: undefined, transactions: undefined, otc: true })];
    expect(await upsertPipelineBars(t.db, input, opts())).toEqual(counts({ inserted: 3 }));
    const docs = await stored(t.db, [a!, b!]);
    expect(docs).toEqual([
      {
        symbol: a,
        date: toStoredDate("2025-01-13"),
        open: 10,
        high: 11,
        low: 9,
        close: 10.5,
        volume: 1000.5,
        vwap: 10.2,
        transactions: 50,
        source: "pipeline",
        basis: "as-traded",
        feed: "polygon",
        lakeObject: "raw/polygon/grouped/date=2025-01-13/grouped.json",
        runId: "run-1",
        ingestedAt: T0,
        updatedAt: T0,
      },
      expect.objectContaining({ symbol: a, date: toStoredDate(DAY), lakeObject: `raw/polygon/grouped/date=${DAY}/grouped.json` }),
      expect.objectContaining({ symbol: b, otc: true, source: "pipeline" }),
    ]);
    expect(docs[2]).not.toHaveProperty("vwap");
    expect(docs[2]).not.toHaveProperty("transactions");
  });

  it("an identical re-load writes nothing: all unchanged, updatedAt and runId as before", async () => {
    const [a, b] = symbols(2);
    const input = [bar(a!), bar(a!, "2025-01-13"), bar(b!)];
    await upsertPipelineBars(t.db, input, opts());
    const before = await stored(t.db, [a!, b!]);
    expect(await upsertPipelineBars(t.db, input, opts({ runId: "run-2", now: T1 }))).toEqual(counts({ unchanged: 3 }));
    const after = await stored(t.db, [a!, b!]);
    expect(after).toEqual(before);
    expect(after.every((d) => d.updatedAt.getTime() === T0.getTime() && d.runId === "run-1")).toBe(true);
  });

  it("changed values update the record, keep ingestedAt, and remove optional fields the new bar lacks", async () => {
    const [a, b] = symbols(2);
    await upsertPipelineBars(t.db, [bar(a!, DAY, { otc: true }), bar(b!)], opts());
    const changed = bar(a!, DAY, { close: 10.75, volume: 2000.25, vwap: undefined, transactions: undefined });
    const result = await upsertPipelineBars(t.db, [changed, bar(b!)], opts({ runId: "run-2", now: T1, lakeObjectOf: () => "raw/polygon/range/x.json" }));
    expect(result).toEqual(counts({ updated: 1, unchanged: 1 }));
    const [doc] = await stored(t.db, [a!]);
    expect(doc).toMatchObject({ close: 10.75, volume: 2000.25, runId: "run-2", lakeObject: "raw/polygon/range/x.json", ingestedAt: T0, updatedAt: T1, source: "pipeline" });
    for (const f of ["vwap", "transactions", "otc"]) expect(doc).not.toHaveProperty(f);
  });

  it("the same values from another feed replace the record's feed", async () => {
    const [a] = symbols(1);
    await upsertPipelineBars(t.db, [bar(a!)], opts({ feed: "synthetic" }));
    expect(await upsertPipelineBars(t.db, [bar(a!)], opts({ feed: "polygon", now: T1 }))).toEqual(counts({ updated: 1 }));
    expect((await getDailyPrice(t.db, a!, DAY))?.feed).toBe("polygon");
  });

  it("a key repeated within one input keeps the last bar and makes one record", async () => {
    const [a] = symbols(1);
    const input = [bar(a!, DAY, { close: 10.1 }), bar(a!, DAY, { close: 10.2 }), bar(a!, DAY, { close: 10.3 })];
    expect(await upsertPipelineBars(t.db, input, opts())).toEqual(counts({ inserted: 1 }));
    const docs = await stored(t.db, [a!]);
    expect(docs.map((d) => d.close)).toEqual([10.3]);
  });

  it("small batches count the same as one batch", async () => {
    const syms = symbols(7);
    expect(
      await upsertPipelineBars(
        t.db,
        syms.map((s) => bar(s)),
        opts({ batchSize: 2 }),
      ),
    ).toEqual(counts({ inserted: 7 }));
    const mixed = syms.map((s, i) => bar(s, DAY, { close: i % 2 ? 10.6 : 10.5 }));
    expect(await upsertPipelineBars(t.db, mixed, opts({ batchSize: 3, now: T1 }))).toEqual(counts({ updated: 3, unchanged: 4 }));
  });

  it("a record a person edited is protected from later runs, unless overwriteManual is set", async () => {
    const [a] = symbols(1);
    await upsertPipelineBars(t.db, [bar(a!)], opts());
    const edited = { open: 20, high: 22, low: 19, close: 21, volume: 5 };
    expect(await applyManualEdit(t.db, { symbol: a!, date: DAY, values: edited, by: "alice" })).toBe(true);

    // Neither new values nor the very values the person replaced bring the pipeline's back.
    expect(await upsertPipelineBars(t.db, [bar(a!, DAY, { close: 10.9 })], opts({ runId: "run-2", now: T1 }))).toEqual(counts({ protectedManual: 1 }));
    expect(await upsertPipelineBars(t.db, [bar(a!)], opts({ runId: "run-3", now: T1 }))).toEqual(counts({ protectedManual: 1 }));
    expect(await getDailyPrice(t.db, a!, DAY)).toMatchObject({ ...edited, source: "manual", updatedBy: "alice", runId: "run-1" });

    expect(await upsertPipelineBars(t.db, [bar(a!)], opts({ runId: "run-4", now: T2, overwriteManual: true }))).toEqual(counts({ updated: 1 }));
    const doc = await getDailyPrice(t.db, a!, DAY);
    expect(doc).toMatchObject({ open: 10, close: 10.5, source: "pipeline", runId: "run-4", updatedAt: T2 });
    expect(doc).not.toHaveProperty("updatedBy");
  });

  it("a record a person deleted is not resurrected, unless overwriteManual is set", async () => {
    const [a] = symbols(1);
    await upsertPipelineBars(t.db, [bar(a!)], opts());
    expect(await applyManualDelete(t.db, { symbol: a!, date: DAY, by: "bob" })).toBe(true);

    expect(await upsertPipelineBars(t.db, [bar(a!)], opts({ runId: "run-2", now: T1 }))).toEqual(counts({ protectedManual: 1 }));
    expect(await getDailyPrice(t.db, a!, DAY)).toBeNull();
    expect(await getDailyPrice(t.db, a!, DAY, { includeDeleted: true })).toMatchObject({ source: "manual", updatedBy: "bob", deletedAt: expect.any(Date) });

    expect(await upsertPipelineBars(t.db, [bar(a!)], opts({ runId: "run-3", now: T2, overwriteManual: true }))).toEqual(counts({ updated: 1 }));
    const doc = await getDailyPrice(t.db, a!, DAY);
    expect(doc).toMatchObject({ source: "pipeline", runId: "run-3" });
    expect(doc).not.toHaveProperty("deletedAt");
    expect(await dailyPrices(t.db).countDocuments({ symbol: a })).toBe(1);
  });

  it("two concurrent loads of the same new keys end with exactly one record per key and no error", async () => {
    for (let round = 0; round < 5; round++) {
      const syms = symbols(25);
      const input = syms.map((s) => bar(s));
      const [x, y] = await Promise.all([
        upsertPipelineBars(t.db, input, opts({ runId: `race-${round}-a` })),
        upsertPipelineBars(t.db, [...input].reverse(), opts({ runId: `race-${round}-b` })),
      ]);
      for (const c of [x, y]) expect(c.inserted + c.updated + c.unchanged + c.protectedManual).toBe(25);
      expect(x.inserted + y.inserted).toBe(25);
      const docs = await stored(t.db, syms);
      expect(docs.map((d) => d.symbol).sort()).toEqual([...syms].sort());
    }
  });

  it("when both loads read before either writes, the loser's duplicate-key errors send its bars round again", async () => {
    const syms = symbols(10);
    const input = syms.map((s) => bar(s, DAY, { close: 10.25 }));
    const gated = interceptBulkWrites(t.db, barrier(2));
    const [x, y] = await Promise.all([upsertPipelineBars(gated.db, input, opts({ runId: "gated-a" })), upsertPipelineBars(gated.db, input, opts({ runId: "gated-b" }))]);
    // Exactly one of them hit E11000 on its first write, for its inserts only.
    expect(gated.errors).toHaveLength(1);
    const err = gated.errors[0] as MongoBulkWriteError;
    expect(err).toBeInstanceOf(MongoBulkWriteError);
    const writeErrors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
    expect(writeErrors.every((w) => w.code === 11000)).toBe(true);
    // The winner inserted all 10; the loser found them on its second pass, with the same values.
    expect([x, y].sort((p, q) => q.inserted - p.inserted)).toEqual([counts({ inserted: 10 }), counts({ unchanged: 10 })]);
    const docs = await stored(t.db, syms);
    expect(docs).toHaveLength(10);
    expect(new Set(docs.map((d) => d.runId)).size).toBe(1);
  });

  it("a person's edit landing between the load's read and its write wins (the update filter requires source pipeline)", async () => {
    const [a, b] = symbols(2);
    await upsertPipelineBars(t.db, [bar(a!), bar(b!)], opts());
    const edited = { open: 30, high: 33, low: 29, close: 31, volume: 7 };
    const racing = interceptBulkWrites(t.db, async (n) => {
      if (n === 1) expect(await applyManualEdit(t.db, { symbol: a!, date: DAY, values: edited, by: "carol" })).toBe(true);
    });
    const result = await upsertPipelineBars(racing.db, [bar(a!, DAY, { close: 10.8 }), bar(b!, DAY, { close: 10.8 })], opts({ runId: "run-2", now: T1 }));
    expect(result).toEqual(counts({ updated: 1, protectedManual: 1 }));
    expect(await getDailyPrice(t.db, a!, DAY)).toMatchObject({ ...edited, source: "manual", updatedBy: "carol" });
    expect(await getDailyPrice(t.db, b!, DAY)).toMatchObject({ close: 10.8, runId: "run-2" });
  });

  it("a person's delete landing between the load's read and its write is not undone", async () => {
    const [a] = symbols(1);
    await upsertPipelineBars(t.db, [bar(a!)], opts());
    const racing = interceptBulkWrites(t.db, async (n) => {
      if (n === 1) expect(await applyManualDelete(t.db, { symbol: a!, date: DAY, by: "dave" })).toBe(true);
    });
    expect(await upsertPipelineBars(racing.db, [bar(a!, DAY, { close: 10.9 })], opts({ now: T1 }))).toEqual(counts({ protectedManual: 1 }));
    expect(await getDailyPrice(t.db, a!, DAY)).toBeNull();
    expect(await getDailyPrice(t.db, a!, DAY, { includeDeleted: true })).toMatchObject({ close: 10.5, deletedAt: expect.any(Date) });
  });

  it("an empty input does nothing", async () => {
    expect(await upsertPipelineBars(t.db, [], opts())).toEqual(counts({}));
  });
});

describe("queries hide what a person deleted", () => {
  const t = testDatabase();
  const days = ["2025-01-08", "2025-01-10", "2025-01-13", "2025-01-14"];

  beforeAll(async () => {
    await ensureDailyPriceIndexes(t.db);
    const input = [...days.map((d, i) => bar("AAA", d, { close: 10 + i / 10 })), bar("BBB", "2025-01-10"), bar("BBB", "2025-01-14"), bar("CCC", "2025-01-13")];
    await upsertPipelineBars(t.db, input, opts());
    await applyManualDelete(t.db, { symbol: "AAA", date: "2025-01-13", by: "erin" });
    await applyManualDelete(t.db, { symbol: "CCC", date: "2025-01-13", by: "erin" });
  });

  it("getHistory returns a symbol's live records in date order, within an inclusive range", async () => {
    expect((await getHistory(t.db, "AAA")).map((d) => [d.date.toISOString().slice(0, 10), d.close])).toEqual([
      ["2025-01-08", 10],
      ["2025-01-10", 10.1],
      ["2025-01-14", 10.3],
    ]);
    expect((await getHistory(t.db, "AAA", { from: "2025-01-10", to: "2025-01-14" })).map((d) => d.date)).toEqual([toStoredDate("2025-01-10"), toStoredDate("2025-01-14")]);
    expect((await getHistory(t.db, "AAA", { from: "2025-01-09" })).length).toBe(2);
    expect((await getHistory(t.db, "AAA", { to: "2025-01-09" })).length).toBe(1);
    expect(await getHistory(t.db, "CCC")).toEqual([]);
  });

  it("listSymbols lists symbols with at least one live record, sorted", async () => {
    expect(await listSymbols(t.db)).toEqual(["AAA", "BBB"]);
  });

  it("getDailyPrice hides a tombstone unless asked for it", async () => {
    expect(await getDailyPrice(t.db, "AAA", "2025-01-13")).toBeNull();
    expect(await getDailyPrice(t.db, "AAA", "2025-01-13", { includeDeleted: true })).toMatchObject({ symbol: "AAA", deletedAt: expect.any(Date) });
    expect(await getDailyPrice(t.db, "AAA", "2025-01-14")).toMatchObject({ symbol: "AAA", close: 10.3 });
    expect(await getDailyPrice(t.db, "AAA", "2025-01-15")).toBeNull();
  });

  it("a deleted record can be neither edited nor deleted again by a person", async () => {
    expect(await applyManualEdit(t.db, { symbol: "AAA", date: "2025-01-13", values: { open: 1, high: 1, low: 1, close: 1, volume: 1 }, by: "frank" })).toBe(false);
    expect(await applyManualDelete(t.db, { symbol: "AAA", date: "2025-01-13", by: "frank" })).toBe(false);
    expect(await getDailyPrice(t.db, "AAA", "2025-01-13", { includeDeleted: true })).toMatchObject({ updatedBy: "erin" });
  });
});
