import { readFile, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { HALTED_SYMBOL, REVERSE_SPLIT_SYMBOL } from "../support/market-lake";
import { getApi } from "./api-client";
import { drawnChart, url, useBrowser } from "./browser";

const market = inject("market");
const ranked = (dir: 1 | -1) => market.changes.filter((m) => dir * m.change_pct > 0).sort((a, b) => dir * (b.change_pct - a.change_pct) || (a.symbol < b.symbol ? -1 : 1));

type Movers = { date: string; gainers: { symbol: string; close: number; change_pct: number }[]; losers: { symbol: string; close: number; change_pct: number }[] };

describe("GET /api/v1/market/movers", () => {
  it("ranks the latest session's gainers and losers as an independent computation over the fake's bars does", async () => {
    const r = await getApi("/api/v1/market/movers");
    expect(r.status, r.text).toBe(200);
    const body = r.json as Movers;
    expect(body.date).toBe(market.latest);
    for (const [list, want] of [
      [body.gainers, ranked(1).slice(0, 10)],
      [body.losers, ranked(-1).slice(0, 10)],
    ] as const) {
      expect(list.map((m) => m.symbol)).toEqual(want.map((m) => m.symbol));
      for (const [i, m] of list.entries()) {
        expect(Object.keys(m).sort()).toEqual(["change_pct", "close", "symbol"]);
        expect(m.close).toBe(want[i]!.close);
        expect(m.change_pct).toBeCloseTo(want[i]!.change_pct, 9);
      }
    }
  });

  it("does not count the 1-for-20 reverse split as a +1,900 % gain, and compares the halted ticker with its last trade", async () => {
    const body = (await getApi("/api/v1/market/movers?limit=100")).json as Movers;
    const all = [...body.gainers, ...body.losers];
    const rev = all.find((m) => m.symbol === REVERSE_SPLIT_SYMBOL)!;
    expect(Math.abs(rev.change_pct)).toBeLessThan(15);
    const halted = market.changes.find((m) => m.symbol === HALTED_SYMBOL)!;
    expect(all.find((m) => m.symbol === HALTED_SYMBOL)!.change_pct).toBeCloseTo(halted.change_pct, 9);
  });

  it("takes a date and a limit", async () => {
    const body = (await getApi("/api/v1/market/movers?date=2024-06-07&limit=3")).json as Movers;
    expect(body.date).toBe("2024-06-07");
    expect(body.gainers.length + body.losers.length).toBeGreaterThan(0);
    expect(body.gainers.length).toBeLessThanOrEqual(3);
    expect(body.losers.length).toBeLessThanOrEqual(3);
  });

  it.each([
    ["date=2024-02-30", /date must be a real date/],
    ["date=", /date must be a real date/],
    ["date=2024-06-07&date=2024-06-06", /given 2 times/],
    ["limit=0", /limit must be a whole number from 1 to 100/],
    ["limit=101", /limit must be a whole number/],
    ["limit=1e2", /limit must be a whole number/],
    ["limit=%27%3B%20DROP%20TABLE", /limit must be a whole number/],
    ["symbol=AAPL", /Unknown query parameter "symbol"/],
  ])("refuses ?%s with 400 and a sentence", async (q, message) => {
    const r = await getApi(`/api/v1/market/movers?${q}`);
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: expect.stringMatching(message) });
  });

  it("answers 404 for a session the lake does not hold", async () => {
    for (const d of ["2024-06-08", "2023-01-03"]) {
      const r = await getApi(`/api/v1/market/movers?date=${d}`);
      expect(r.status).toBe(404);
      expect(r.json).toEqual({ error: expect.stringContaining(`has no session ${d}`) });
    }
  });
});

describe("a truncated curated partition", () => {
  const key = "curated/daily_bars/date=2024-06-07/part-0.parquet";
  const file = join(market.root, key);
  let good: Buffer;
  beforeAll(async () => {
    good = await readFile(file);
    await truncate(file, 64);
  });
  afterAll(async () => {
    await writeFile(file, good);
  });

  it("is named with the curate command, by the API (503) and the page, and no data is served", async () => {
    const r = await getApi("/api/v1/market/movers?date=2024-06-07");
    expect(r.status).toBe(503);
    expect(r.json).toEqual({ error: expect.stringContaining(key) });
    expect((r.json as { error: string }).error).toContain("stock-pipeline curate --from 2024-06-07 --to 2024-06-07");
    const page = await fetch(url("/market?date=2024-06-07"));
    expect(page.status).toBe(503);
    const html = await page.text();
    expect(html).toContain("stock-pipeline curate --from 2024-06-07 --to 2024-06-07");
    expect(html).not.toContain('data-testid="gainers"');
  });
});

describe("the /market page", () => {
  const b = useBrowser();

  it("shows the latest session's movers linked to charts, marks symbols not loaded, and draws the breadth chart", async () => {
    const { page } = b;
    await page.goto(url("/market"));
    await page.getByRole("heading", { name: `Market on ${market.latest}` }).waitFor();
    const gainers = await page.getByTestId("gainers").locator("tbody th a").allInnerTexts();
    expect(gainers).toEqual(
      ranked(1)
        .slice(0, 20)
        .map((m) => m.symbol),
    );
    const firstLoser = ranked(-1)[0]!.symbol;
    const loserRow = page.getByTestId("losers").locator("tbody tr").first();
    await expect(loserRow.locator("a").getAttribute("href")).resolves.toBe(`/chart/${firstLoser}`);
    const badgeOf = async (symbol: string) => page.getByTestId("most-active").locator("tbody tr", { hasText: symbol }).getByText("not loaded").count();
    expect(await badgeOf("E2EA")).toBe(0);
    expect(await badgeOf(REVERSE_SPLIT_SYMBOL)).toBe(1);
    const chart = await drawnChart(page, "breadth-chart");
    expect(chart.traces.map((t) => t.name)).toEqual(["Advancers", "Decliners", "% above 50-day average", "% above 200-day average"]);
    expect(chart.traces[0]!.x.at(-1)!.slice(0, 10)).toBe(market.latest);
    expect(Number(await page.getByTestId("tickers").innerText())).toBe(market.changes.length);

    // Not in MongoDB: charted read-only from the lake, split-adjusted, with the command that would load it.
    await page.getByTestId("most-active").getByRole("link", { name: REVERSE_SPLIT_SYMBOL }).click();
    await page.waitForURL(new RegExp(`/chart/${REVERSE_SPLIT_SYMBOL}$`));
    const notice = await page.getByTestId("not-loaded").innerText();
    expect(notice).toContain(`There are no records for the symbol "${REVERSE_SPLIT_SYMBOL}": it is not loaded`);
    expect(notice).toMatch(new RegExp(`stock-pipeline backfill --from \\d{4}-\\d{2}-\\d{2} --to \\d{4}-\\d{2}-\\d{2} --tickers ${REVERSE_SPLIT_SYMBOL}`));
    await drawnChart(page, "price-chart");
    const closes = await page.getByTestId("price-chart").evaluate((el) => Array.from((el as unknown as { data: { close: number[] }[] }).data[0]!.close));
    expect(closes.length).toBeGreaterThan(200);
    expect(closes.at(-1)! / closes.at(-2)!).toBeGreaterThan(0.85);
    expect(closes.at(-1)! / closes.at(-2)!).toBeLessThan(1.15);
  });

  it("keeps its filters in the URL, and refuses hostile ones with a 400 sentence", async () => {
    const { page } = b;
    await page.goto(url("/market"));
    await page.getByLabel("Minimum price").fill("1000000");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(/min_price=1000000/);
    await page.getByText("No ticker passes the filters.").waitFor();
    expect(await page.getByTestId("tickers").innerText()).toBe("0");
    const hostile: [string, string][] = [
      ["min_price=-1", "min_price must be a number"],
      ["min_dollar_volume=1e308", "min_dollar_volume must be a number"],
      ["otc=maybe", "otc must be include or exclude"],
      ["date=2024-13-01", "date must be a real date"],
      ["where=1", 'Unknown query parameter "where"'],
    ];
    for (const [q, message] of hostile) {
      const res = await page.goto(url(`/market?${q}`));
      expect(res?.status(), q).toBe(400);
      await page.getByText(message).first().waitFor();
    }
  });
});
