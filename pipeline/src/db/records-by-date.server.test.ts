import { describe, expect, it } from "vitest";
import { tradingDaysBetween } from "../calendar/nyse.js";
import { toStoredDate } from "../model/daily-price.js";
import { useTestDatabase } from "../test-support/db.js";
import { dailyPrices, ensureDailyPriceIndexes, getDailyPrice, LIVE } from "./daily-prices.server.js";
import { deleteManualPrice, insertManualPrice } from "./manual-prices.server.js";
import { upsertPipelineBars } from "./pipeline-upserts.server.js";
import { ensureRecordsPageIndexes, findDailyPricesPage } from "./records-query.server.js";

const { db } = await useTestDatabase();
await ensureDailyPriceIndexes(db);
await ensureRecordsPageIndexes(db);

const days = tradingDaysBetween("2024-03-01", "2024-04-30");
const v = (close: number) => ({ open: close, high: close + 1, low: close - 1, close, volume: 100 });

// Symbols with different spans, a gap, a tombstone and a date that is not a session.
await upsertPipelineBars(
  db,
  [
    ...days.map((date, i) => ({ symbol: "RD1", date, ...v(10 + i) })),
    ...days.slice(10, 30).map((date, i) => ({ symbol: "RD2", date, ...v(20 + i) })),
    ...days.filter((_, i) => i % 7 !== 3).map((date, i) => ({ symbol: "RD3", date, ...v(30 + i) })),
  ],
  { feed: "synthetic", runId: "r", lakeObjectOf: () => "k" },
);
await insertManualPrice(db, { symbol: "RD4", date: "2024-03-16", values: v(5), by: "p" }); // a Saturday
const victim = (await getDailyPrice(db, "RD1", days[20]!))!;
await deleteManualPrice(db, { symbol: "RD1", date: days[20]!, by: "p", seenUpdatedAt: victim.updatedAt });

/** What the plain sorted query returns: the reference the date walk must equal. */
async function reference(dir: 1 | -1, skip: number, limit: number, range: { from?: string; to?: string } = {}) {
  const date: Record<string, Date> = {};
  if (range.from) date.$gte = toStoredDate(range.from);
  if (range.to) date.$lte = toStoredDate(range.to);
  const filter = { ...(range.from || range.to ? { date } : {}), ...LIVE };
  const docs = await dailyPrices(db).find(filter).sort({ date: dir, symbol: dir }).skip(skip).limit(limit).toArray();
  return docs.map((d) => `${d.symbol} ${d.date.toISOString().slice(0, 10)}`);
}

describe("the records page in date order across symbols", () => {
  it("returns the same rows in the same order as the sorted query, for every page in both directions", async () => {
    const total = await dailyPrices(db).countDocuments(LIVE);
    for (const dir of [-1, 1] as const) {
      for (let skip = 0; skip < total + 10; skip += 17) {
        const { rows } = await findDailyPricesPage(db, {}, { sort: "date", dir, skip, limit: 17 });
        expect(
          rows.map((d) => `${d.symbol} ${d.date.toISOString().slice(0, 10)}`),
          `dir ${dir}, skip ${skip}`,
        ).toEqual(await reference(dir, skip, 17));
      }
    }
  });

  it("keeps to a date range, the tombstone and the off-calendar record included correctly", async () => {
    const range = { from: "2024-03-14", to: "2024-04-02" };
    const { rows } = await findDailyPricesPage(db, range, { sort: "date", dir: -1, skip: 0, limit: 500 });
    expect(rows.map((d) => `${d.symbol} ${d.date.toISOString().slice(0, 10)}`)).toEqual(await reference(-1, 0, 500, range));
    expect(rows.some((d) => d.symbol === "RD4")).toBe(true);
    expect(rows.some((d) => d.symbol === "RD1" && d.date.toISOString().startsWith(days[20]!))).toBe(false);
  });
});
