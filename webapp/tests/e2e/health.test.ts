import { join } from "node:path";
import type { CorporateAction } from "@stock-market/pipeline/model/corporate-action";
import { rebuildSymbolSummaries } from "@stock-market/pipeline/db/symbol-summaries.server";
import { MongoClient } from "mongodb";
import { describe, expect, inject, it } from "vitest";
import { MARKET_SYMBOLS, type MarketLakeInfo } from "../support/market-lake";
import { SCREENSHOTS, url, useBrowser } from "./browser";

describe("the data health page", () => {
  const b = useBrowser();

  it("shows coverage per symbol with its gaps highlighted, freshness, and the recent runs with their counts", async () => {
    const { page } = b;
    await page.goto(url("/health"));
    const gapRow = page.getByTestId("coverage-E2ED");
    await gapRow.waitFor();
    const text = await gapRow.innerText();
    expect(text).toMatch(/\b2\b: \d{4}-\d{2}-\d{2}, \d{4}-\d{2}-\d{2}/);
    expect(await gapRow.locator(".gaps").count()).toBe(1);
    expect(await page.getByTestId("coverage-E2EA").innerText()).toMatch(/none\s+up to date/);
    const runs = page.getByRole("table", { name: "Recent pipeline runs" });
    expect(await runs.innerText()).toMatch(/backfill[\s\S]*success[\s\S]*seeded \d+ bars/);
    await page.getByText("The database holds synthetic records").waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, "health.png"), fullPage: true });
  });

  it("shows the curated layer's sessions and rows (the whole market's Parquet) beside MongoDB's records", async () => {
    const { page } = b;
    const market = inject("market") as MarketLakeInfo;
    await page.goto(url("/health"));
    const row = page.getByTestId("curated-row");
    await row.waitFor();
    const cells = (await row.locator("td").allInnerTexts()).map((c) => c.trim());
    // Counted here from the lake's contents: every symbol on every session, but the halted one once.
    const rows = market.sessions.length * MARKET_SYMBOLS.length - 1;
    expect(cells.slice(1)).toEqual([market.sessions.length.toLocaleString("en-US"), rows.toLocaleString("en-US"), market.sessions[0], market.latest]);
    expect(await page.getByTestId("curated-unreadable").count()).toBe(0);
  });

  it("lists each symbol's splits and dividends with kind, date, ratio or cash, status and lake object", async () => {
    const { page } = b;
    const actions = inject("actions") as CorporateAction[];
    await page.goto(url("/health"));
    const table = page.getByRole("table", { name: "Corporate actions per symbol" });
    await table.waitFor();
    for (const a of actions) {
      const cells = (await page.getByTestId(`action-E2EA-${a.id}`).locator("td").allInnerTexts()).map((c) => c.trim());
      const what = a.kind === "split" ? `${a.splitTo}-for-${a.splitFrom}` : `$${a.cashAmount.toFixed(2)} cash dividend`;
      const lake = `raw/synthetic/${a.kind === "split" ? "splits" : "dividends"}/date=${a.date}/page-0001.json`;
      expect(cells).toEqual(["E2EA", a.kind === "split" ? "Split" : "Dividend", a.date, what, "applied", lake]);
    }
    // Oldest first, and only E2EA has actions.
    const dates = await table.locator("tbody tr td:nth-child(3)").allInnerTexts();
    expect(dates).toEqual(actions.map((a) => a.date).sort());
    expect(new Set(await table.locator("tbody tr td:first-child").allInnerTexts())).toEqual(new Set(["E2EA"]));
  });

  it("names the records still on the old split-adjusted basis and the one command that re-fetches them as traded", async () => {
    const { page } = b;
    const client = new MongoClient(inject("mongoUri"));
    await client.connect();
    const prices = client.db(inject("dbName")).collection("daily_prices");
    // As the pipeline stored bars before it stored them as traded: no `basis`.
    const old = ["2024-03-04", "2024-03-05"].map((d) => ({
      symbol: "E2EOLD",
      date: new Date(`${d}T00:00:00Z`),
      open: 10,
      high: 11,
      low: 9,
      close: 10.5,
      volume: 1000,
      source: "pipeline",
      feed: "synthetic",
      lakeObject: `raw/synthetic/grouped/date=${d}/grouped.json`,
      ingestedAt: new Date(),
      updatedAt: new Date(),
    }));
    try {
      await prices.insertMany(old);
      // Written around the write paths, as an old database was: start-up (or a person) rebuilds their summaries.
      await rebuildSymbolSummaries(client.db(inject("dbName")), ["E2EOLD"]);
      await page.goto(url("/health"));
      const section = page.getByTestId("old-basis");
      await section.waitFor();
      const text = await section.innerText();
      expect(text).toContain("E2EOLD: 2 record(s), 2024-03-04 to 2024-03-05");
      expect(text).toContain("stock-pipeline backfill --refetch --from 2024-03-04 --to 2024-03-05 --tickers E2EOLD");
    } finally {
      await prices.deleteMany({ symbol: "E2EOLD" });
      await rebuildSymbolSummaries(client.db(inject("dbName")), ["E2EOLD"]);
      await client.close();
    }
    await page.goto(url("/health"));
    await page.getByTestId("coverage-E2EA").waitFor();
    expect(await page.getByTestId("old-basis").count()).toBe(0);
  });
});
