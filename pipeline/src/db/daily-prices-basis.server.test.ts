/**
 * The `basis` of daily_prices records: what the pipeline and a person write
 * since prices are stored as traded, and how records stored before (no
 * basis, split-adjusted) are found and replaced. Against the run's FerretDB.
 */
import type { Db } from "mongodb";
import { beforeAll, describe, expect, it } from "vitest";
import { toStoredDate, type DailyPrice } from "../model/daily-price.js";
import { testDatabase } from "../test-support/db.js";
import type { CleanBar } from "../transform/bars.js";
import { dailyPrices, ensureDailyPriceIndexes, getDailyPrice, oldBasisRecords } from "./daily-prices.server.js";
import { applyManualDelete, applyManualEdit, editManualPrice, insertManualPrice } from "./manual-prices.server.js";
import { upsertPipelineBars, type UpsertOptions } from "./pipeline-upserts.server.js";

const DAY = "2025-01-14";
const T0 = new Date("2025-01-14T22:00:00.000Z");
const T1 = new Date("2025-01-15T22:00:00.000Z");

const bar = (symbol: string, date = DAY, over: Partial<CleanBar> = {}): CleanBar => ({ symbol, date, open: 10, high: 11, low: 9, close: 10.5, volume: 1000, ...over });

const opts = (over: Partial<UpsertOptions> = {}): UpsertOptions => ({
  feed: "polygon",
  runId: "run-new",
  lakeObjectOf: (b) => `raw/polygon/range/ticker=${b.symbol}/from=2025-01-02_to=2025-01-31/page-0001.json`,
  now: T1,
  ...over,
});

/** A record as the pipeline stored it before the switch: split-adjusted values, no basis. */
function oldRecord(symbol: string, date: string, over: Partial<DailyPrice> = {}): DailyPrice {
  return {
    symbol,
    date: toStoredDate(date),
    open: 10,
    high: 11,
    low: 9,
    close: 10.5,
    volume: 1000,
    source: "pipeline",
    feed: "polygon",
    lakeObject: `raw/polygon/grouped/date=${date}/grouped.json`,
    runId: "run-old",
    ingestedAt: T0,
    updatedAt: T0,
    ...over,
  };
}

async function insertOld(db: Db, docs: DailyPrice[]): Promise<void> {
  await dailyPrices(db).insertMany(docs.map((d) => ({ ...d })));
}

let unique = 0;
const symbols = (n: number) => {
  unique++;
  return Array.from({ length: n }, (_, i) => `B${unique}X${i}`);
};

describe("upsertPipelineBars and the basis", () => {
  const t = testDatabase();
  beforeAll(async () => {
    await ensureDailyPriceIndexes(t.db);
  });

  it("a first load marks every record as traded", async () => {
    const [a] = symbols(1);
    expect(await upsertPipelineBars(t.db, [bar(a!), bar(a!, "2025-01-13")], opts())).toMatchObject({ inserted: 2 });
    const docs = await dailyPrices(t.db).find({ symbol: a }).toArray();
    expect(docs.map((d) => d.basis)).toEqual(["as-traded", "as-traded"]);
  });

  it("an old record with the very same values is still updated: the re-fetch marks it as traded, and a second load changes nothing", async () => {
    const [a] = symbols(1);
    await insertOld(t.db, [oldRecord(a!, DAY)]);
    expect(await upsertPipelineBars(t.db, [bar(a!)], opts())).toEqual({ inserted: 0, updated: 1, unchanged: 0, protectedManual: 0 });
    expect(await getDailyPrice(t.db, a!, DAY)).toMatchObject({ basis: "as-traded", close: 10.5, runId: "run-new", updatedAt: T1, ingestedAt: T0 });
    expect(await upsertPipelineBars(t.db, [bar(a!)], opts({ runId: "run-again" }))).toEqual({ inserted: 0, updated: 0, unchanged: 1, protectedManual: 0 });
    expect((await getDailyPrice(t.db, a!, DAY))?.runId).toBe("run-new");
  });

  it("an old record whose values a later split changed gets the as-traded values and the basis", async () => {
    const [a] = symbols(1);
    // Split-adjusted for a 1-for-4 forward split after the day: the traded prices were 4x, the volume a quarter.
    await insertOld(t.db, [oldRecord(a!, DAY, { open: 2.5, high: 2.75, low: 2.25, close: 2.625, volume: 4000 })]);
    const traded = bar(a!, DAY);
    expect(await upsertPipelineBars(t.db, [traded], opts())).toMatchObject({ updated: 1 });
    expect(await getDailyPrice(t.db, a!, DAY)).toMatchObject({ open: 10, high: 11, low: 9, close: 10.5, volume: 1000, basis: "as-traded" });
  });

  it("a record edited by hand before the switch stays protected and unmarked, unless overwriteManual is set", async () => {
    const [a] = symbols(1);
    await insertOld(t.db, [oldRecord(a!, DAY, { source: "manual", close: 10.25, updatedBy: "alice" })]);
    expect(await upsertPipelineBars(t.db, [bar(a!)], opts())).toEqual({ inserted: 0, updated: 0, unchanged: 0, protectedManual: 1 });
    const kept = await getDailyPrice(t.db, a!, DAY);
    expect(kept).toMatchObject({ source: "manual", close: 10.25, updatedBy: "alice" });
    expect(kept).not.toHaveProperty("basis");
    expect(await upsertPipelineBars(t.db, [bar(a!)], opts({ overwriteManual: true }))).toMatchObject({ updated: 1 });
    expect(await getDailyPrice(t.db, a!, DAY)).toMatchObject({ source: "pipeline", close: 10.5, basis: "as-traded" });
  });

  it("a mix of new keys, old records and as-traded ones in small batches counts each once", async () => {
    const syms = symbols(6);
    await insertOld(t.db, [oldRecord(syms[0]!, DAY), oldRecord(syms[1]!, DAY, { close: 2, low: 1, open: 2, high: 3 })]);
    await upsertPipelineBars(t.db, [bar(syms[2]!), bar(syms[3]!)], opts({ runId: "run-first" }));
    const result = await upsertPipelineBars(
      t.db,
      syms.map((s) => bar(s)),
      opts({ batchSize: 2 }),
    );
    expect(result).toEqual({ inserted: 2, updated: 2, unchanged: 2, protectedManual: 0 });
    const docs = await dailyPrices(t.db)
      .find({ symbol: { $in: syms } })
      .toArray();
    expect(docs).toHaveLength(6);
    expect(docs.every((d) => d.basis === "as-traded")).toBe(true);
  });
});

describe("a person's writes are as traded", () => {
  const t = testDatabase();
  beforeAll(async () => {
    await ensureDailyPriceIndexes(t.db);
  });
  const values = { open: 20, high: 22, low: 19, close: 21, volume: 5 };

  it("a create, an edit and the older edit verb all mark the record as traded", async () => {
    const [a, b, c] = symbols(3);
    const created = await insertManualPrice(t.db, { symbol: a!, date: DAY, values, by: "alice", now: T0 });
    expect(created).toMatchObject({ ok: true, after: { basis: "as-traded" } });
    expect(await getDailyPrice(t.db, a!, DAY)).toMatchObject({ basis: "as-traded", source: "manual" });

    await insertOld(t.db, [oldRecord(b!, DAY), oldRecord(c!, DAY)]);
    expect(await editManualPrice(t.db, { symbol: b!, date: DAY, values, by: "bob", seenUpdatedAt: T0, now: T1 })).toMatchObject({ ok: true, after: { basis: "as-traded" } });
    expect(await getDailyPrice(t.db, b!, DAY)).toMatchObject({ basis: "as-traded", source: "manual", close: 21 });
    expect(await applyManualEdit(t.db, { symbol: c!, date: DAY, values, by: "carol" })).toBe(true);
    expect(await getDailyPrice(t.db, c!, DAY)).toMatchObject({ basis: "as-traded", source: "manual" });
  });

  it("a create over a tombstone of an old record brings it back as traded", async () => {
    const [a] = symbols(1);
    await insertOld(t.db, [oldRecord(a!, DAY)]);
    expect(await applyManualDelete(t.db, { symbol: a!, date: DAY, by: "dave" })).toBe(true);
    expect(await insertManualPrice(t.db, { symbol: a!, date: DAY, values, by: "dave", now: T1 })).toMatchObject({ ok: true });
    expect(await getDailyPrice(t.db, a!, DAY)).toMatchObject({ basis: "as-traded", close: 21 });
  });
});

describe("oldBasisRecords", () => {
  const t = testDatabase();
  const aaplDays = ["2024-12-30", "2024-12-31", "2025-01-02", "2025-01-03"];

  beforeAll(async () => {
    await ensureDailyPriceIndexes(t.db);
    await insertOld(t.db, [
      ...aaplDays.map((d) => oldRecord("AAPL", d)),
      oldRecord("MSFT", "2025-01-06"),
      oldRecord("MSFT", "2025-01-03"),
      // Edited by hand before the switch: reported apart.
      oldRecord("MSFT", "2025-01-02", { source: "manual", updatedBy: "alice" }),
      // Deleted by hand: a tombstone nobody reads.
      oldRecord("TSLA", "2025-01-02", { source: "manual", deletedAt: T0 }),
    ]);
    // As traded: not old.
    await upsertPipelineBars(t.db, [bar("AAPL", "2025-01-06"), bar("NVDA", "2025-01-06")], opts());
  });

  it("lists live records without basis per symbol, with their count and first and last date, pipeline and manual apart", async () => {
    expect(await oldBasisRecords(t.db)).toEqual({
      pipeline: [
        { symbol: "AAPL", records: 4, from: "2024-12-30", to: "2025-01-03" },
        { symbol: "MSFT", records: 2, from: "2025-01-03", to: "2025-01-06" },
      ],
      manual: [{ symbol: "MSFT", records: 1, from: "2025-01-02", to: "2025-01-02" }],
    });
  });

  it("is empty once every pipeline record is as traded and the hand-edited one was checked", async () => {
    await upsertPipelineBars(t.db, [...aaplDays.map((d) => bar("AAPL", d)), bar("MSFT", "2025-01-03"), bar("MSFT", "2025-01-06")], opts());
    expect((await oldBasisRecords(t.db)).pipeline).toEqual([]);
    const [msft] = (await oldBasisRecords(t.db)).manual;
    const seen = (await getDailyPrice(t.db, "MSFT", "2025-01-02"))!.updatedAt;
    expect(msft?.symbol).toBe("MSFT");
    await editManualPrice(t.db, {
      symbol: "MSFT",
      date: "2025-01-02",
      values: { open: 10, high: 11, low: 9, close: 10.5, volume: 1000 },
      by: "alice",
      seenUpdatedAt: seen,
      now: T1,
    });
    expect(await oldBasisRecords(t.db)).toEqual({ pipeline: [], manual: [] });
  });
});
