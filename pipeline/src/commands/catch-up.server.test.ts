import { describe, expect, it } from "vitest";
import { ensureDailyPriceIndexes } from "../db/daily-prices.server.js";
import { upsertPipelineBars } from "../db/pipeline-upserts.server.js";
import { testDatabase } from "../test-support/db.js";
import { backfillCommand, catchUpPlan, lastLoadedSession } from "./catch-up.server.js";

describe("which sessions a daily run ingests", () => {
  it("an empty database loads just the latest session, not history", () => {
    expect(catchUpPlan("2025-07-03", null, 10)).toEqual({ latest: "2025-07-03", lastLoaded: null, sessions: ["2025-07-03"], skipped: [] });
  });

  it("up to date (or ahead after an explicit --date): the latest session again, nothing else", () => {
    expect(catchUpPlan("2025-07-03", "2025-07-03", 10).sessions).toEqual(["2025-07-03"]);
    expect(catchUpPlan("2025-07-03", "2025-07-10", 10).sessions).toEqual(["2025-07-03"]);
  });

  it("missed sessions are the trading days after the last loaded one, oldest first, across a weekend and a holiday", () => {
    // 2025-06-30 (Mon) .. 2025-07-07 (Mon): July 4th and the weekend are not sessions.
    expect(catchUpPlan("2025-07-07", "2025-06-27", 10).sessions).toEqual(["2025-06-30", "2025-07-01", "2025-07-02", "2025-07-03", "2025-07-07"]);
  });

  it("beyond the cap the latest sessions are loaded and the older ones are named as skipped", () => {
    const plan = catchUpPlan("2025-07-07", "2025-06-27", 2);
    expect(plan.sessions).toEqual(["2025-07-03", "2025-07-07"]);
    expect(plan.skipped).toEqual(["2025-06-30", "2025-07-01", "2025-07-02"]);
    expect(catchUpPlan("2025-07-07", "2025-06-27", 1).sessions).toEqual(["2025-07-07"]);
  });

  it("the back-fill command of skipped sessions spans them for a watchlist, and runs them one by one for the whole market", () => {
    expect(backfillCommand(["2025-06-30", "2025-07-01"], ["AAPL", "BRK.A"])).toBe("stock-pipeline backfill --from 2025-06-30 --to 2025-07-01 --tickers AAPL,BRK.A");
    expect(backfillCommand(["2025-06-30", "2025-07-01"], "*")).toBe('for d in 2025-06-30 2025-07-01; do stock-pipeline run --date "$d" || break; done');
  });
});

describe("the last session loaded for the watchlist", () => {
  const t = testDatabase();
  const bar = (symbol: string, date: string) => ({ symbol, date, open: 10, high: 11, low: 9, close: 10.5, volume: 100 });

  it("is the newest last session among the watched tickers, from the per-symbol summaries", async () => {
    await ensureDailyPriceIndexes(t.db);
    expect(await lastLoadedSession(t.db, ["AAA", "BBB"])).toBeNull();
    const bars = [bar("AAA", "2025-06-24"), bar("AAA", "2025-06-25"), bar("BBB", "2025-06-23"), bar("ZZZ", "2025-06-27")];
    await upsertPipelineBars(t.db, bars, { feed: "polygon", runId: "seed", lakeObjectOf: () => "raw/seed.json" });
    expect(await lastLoadedSession(t.db, ["AAA", "BBB"])).toBe("2025-06-25");
    expect(await lastLoadedSession(t.db, ["BBB", "CCC"])).toBe("2025-06-23");
    expect(await lastLoadedSession(t.db, "*")).toBe("2025-06-27");
  });
});
