import { join } from "node:path";
import { describe, expect, it } from "vitest";
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
    const runs = page.getByRole("table").nth(1);
    expect(await runs.innerText()).toMatch(/backfill[\s\S]*success[\s\S]*seeded \d+ bars/);
    await page.getByText("The database holds synthetic records").waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, "health.png"), fullPage: true });
  });
});
