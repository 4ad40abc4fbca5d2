import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { barCount, drawnChart, SCREENSHOTS, url, useBrowser } from "./browser";

describe("the chart page", () => {
  const b = useBrowser();

  it("draws candlesticks and volume for a seeded symbol, with the synthetic-data badge", async () => {
    const { page } = b;
    await page.goto(url("/chart/E2EA"));
    await page.getByRole("heading", { name: /E2EA/ }).waitFor();
    const n = await barCount(page);
    expect(n).toBeGreaterThan(200);
    const chart = await drawnChart(page, "price-chart", n);
    // Candles and volume, then E2EA's split and dividends of the last year as markers (basis.test.ts checks them).
    expect(chart.traces.map((t) => t.type)).toEqual(["candlestick", "bar", "scatter", "scatter"]);
    expect(chart.traces.slice(2).map((t) => t.name)).toEqual(["Splits", "Dividends"]);
    expect(chart.candles).toBe(n);
    await expect(page.getByText("Synthetic data").first().isVisible()).resolves.toBe(true);
    for (const label of ["Latest close", "Change", "52-week high", "52-week low"]) {
      await page.getByText(label, { exact: false }).first().waitFor();
    }
  });

  it("range presets change what is drawn, and the URL holds the view (back button included)", async () => {
    const { page } = b;
    await page.goto(url("/chart/E2EA?range=1Y"));
    const year = await barCount(page);
    expect((await drawnChart(page, "price-chart", year)).candles).toBe(year);
    const counts: Record<string, number> = {};
    for (const preset of ["1M", "6M", "YTD", "5Y", "Max"]) {
      const link = page.getByRole("navigation", { name: "Range" }).getByRole("link", { name: preset, exact: true });
      await link.click();
      await page.waitForURL(new RegExp(`range=${preset.toUpperCase()}`));
      await link.and(page.locator('[aria-current="true"]')).waitFor();
      counts[preset] = await barCount(page);
      const chart = await drawnChart(page, "price-chart", counts[preset]);
      expect(chart.candles).toBe(counts[preset]);
    }
    expect(counts["1M"]).toBeGreaterThanOrEqual(18);
    expect(counts["1M"]).toBeLessThanOrEqual(23);
    expect(counts["6M"]).toBeGreaterThan(counts["1M"]!);
    expect(year).toBeGreaterThan(counts["6M"]!);
    expect(counts["5Y"]).toBeGreaterThan(year);
    expect(counts["Max"]).toBeGreaterThan(counts["5Y"]!);
    await page.goBack();
    await page.waitForURL(/range=5Y/);
    await page.getByRole("link", { name: "5Y", exact: true }).and(page.locator('[aria-current="true"]')).waitFor();
    expect(await barCount(page)).toBe(counts["5Y"]);
  });

  it("moving-average toggles add lines and are kept in the URL", async () => {
    const { page } = b;
    await page.goto(url("/chart/E2EA?range=1Y"));
    await drawnChart(page);
    await page.getByLabel("MA 50").check();
    await page.waitForURL(/ma=50/);
    await page.getByLabel("MA 200").check();
    await page.waitForURL(/ma=50&ma=200|ma=200&ma=50/);
    const chart = await drawnChart(page);
    await page.waitForFunction(
      () => (document.querySelector('[data-testid="price-chart"]') as unknown as { data: { name: string }[] }).data.filter((t) => t.name.startsWith("MA ")).length === 2,
    );
    const names = (await drawnChart(page)).traces.map((t) => t.name);
    expect(names).toEqual(["E2EA", "Volume", "MA 50", "MA 200", "Splits", "Dividends"]);
    expect(chart.traces.length).toBeGreaterThanOrEqual(2);
  });

  it("compares several symbols as % change from the start of the range", async () => {
    const { page } = b;
    await page.goto(url("/compare?symbols=E2EA&symbols=E2EB&symbols=E2EC&range=1Y"));
    const chart = await drawnChart(page, "compare-chart");
    expect(chart.traces.map((t) => t.name)).toEqual(["E2EA", "E2EB", "E2EC"]);
    const firstValues = await page.getByTestId("compare-chart").evaluate((el) => (el as unknown as { data: { y: number[] }[] }).data.map((t) => t.y[0]));
    expect(firstValues).toEqual([0, 0, 0]);
    await page.screenshot({ path: join(SCREENSHOTS, "compare.png") });
  });

  it("an unknown symbol is a 404 page, and the symbol list comes from the database", async () => {
    const { page } = b;
    const res = await page.goto(url("/chart/NOPE"));
    expect(res?.status()).toBe(404);
    await page.getByText('There are no records for the symbol "NOPE"').waitFor();
    await page.goto(url("/chart/E2EA"));
    const options = await page.getByLabel("Symbol").locator("option").allInnerTexts();
    expect(options).toEqual(["E2EA", "E2EB", "E2EC", "E2ED"]);
  });
});
