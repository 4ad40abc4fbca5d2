/** `reprocess`: the lake is the source of truth; MongoDB is rebuilt from it without a single API request. */
import { describe, expect, it } from "vitest";
import { describeRun, priceRows, useE2eWorld } from "./harness.js";

const w = await useE2eWorld({ name: "reprocess", fake: { rangePageSize: 8 }, tickers: "AAPL,MSFT,BRK.A" });

describe("reprocess --from --to after daily_prices was dropped", () => {
  it("rebuilds the same records from the lake with zero API requests", async () => {
    for (const args of [
      ["run", "--date", "2025-01-03"],
      ["run", "--date", "2025-01-06"],
      ["backfill", "--from", "2024-12-02", "--to", "2024-12-31"],
    ]) {
      const r = await w.cli(args);
      expect(r.code, describeRun(r)).toBe(0);
    }
    const before = await priceRows(w.db);
    // 21 December sessions + 2 January ones, for 3 tickers.
    expect(before).toHaveLength(23 * 3);

    await w.db.collection("daily_prices").drop();
    w.fake.resetStats();
    const r = await w.cli(["reprocess", "--from", "2024-12-01", "--to", "2025-01-31", "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    expect(w.fake.stats().total).toBe(0);
    expect(r.json()).toMatchObject({ outcome: "success", apiRequests: 0, lakeObjectsWritten: 0, counts: { inserted: 23 * 3, rejected: 0 } });
    expect(await priceRows(w.db)).toEqual(before);
    // The rebuilt collection has its unique key again, created by the pipeline itself.
    const indexes = await w.db.collection("daily_prices").indexes();
    expect(indexes).toContainEqual(expect.objectContaining({ key: { symbol: 1, date: 1 }, unique: true }));
  });
});
