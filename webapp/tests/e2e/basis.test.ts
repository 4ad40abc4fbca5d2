import { join } from "node:path";
import type { CorporateAction, DividendAction } from "@stock-market/pipeline/model/corporate-action";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { barCount, drawnChart, SCREENSHOTS, url, useBrowser, useDb } from "./browser";

/**
 * The price basis of the chart and comparison pages, against E2EA as seeded:
 * as-traded bars across a 1-for-10 reverse split (~5 years back) and a
 * 4-for-1 split (60 sessions back), and four dividends in the last year.
 * Expected figures are worked out here from the stored bars by the
 * definitions, not by the app's code.
 */
type Basis = "raw" | "split" | "all";
interface Row {
  date: string;
  high: number;
  low: number;
  close: number;
}

const actions = inject("actions") as CorporateAction[];
const forward = actions.find((a) => a.id === "E2E-SPLIT-FORWARD")!;
const dividends = actions.filter((a): a is DividendAction => a.kind === "dividend");
const LABEL: Record<Basis, string> = { split: "Split-adjusted", all: "Total return (splits + dividends)", raw: "As traded" };

/** Per bar, what a basis multiplies its prices by: every split after it, and on `all` every dividend after it at 1 − cash / the close of the bar before the ex-date. */
function factors(rows: readonly Row[], basis: Basis): number[] {
  const last = rows[rows.length - 1]!.date;
  return rows.map((r) => {
    let f = 1;
    if (basis === "raw") return f;
    for (const a of actions) {
      if (!(a.date > r.date && a.date <= last)) continue;
      if (a.kind === "split") f /= a.splitTo / a.splitFrom;
      else if (basis === "all") f *= 1 - a.cashAmount / rows[rows.findIndex((x) => x.date >= a.date) - 1]!.close;
    }
    return f;
  });
}

const yearBefore = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) - 364 * 86_400_000).toISOString().slice(0, 10);
const number = async (page: Page, testId: string) => Number((await page.getByTestId(testId).innerText()).replace(/,/g, ""));

describe("the price basis of the chart and comparison pages", () => {
  const b = useBrowser();
  const d = useDb();
  let rows: Row[] = [];
  beforeAll(async () => {
    const docs = await d.db
      .collection("daily_prices")
      .find({ symbol: "E2EA", deletedAt: { $exists: false } })
      .sort({ date: 1 })
      .toArray();
    rows = docs.map((x) => ({ date: (x.date as Date).toISOString().slice(0, 10), high: x.high as number, low: x.low as number, close: x.close as number }));
  });

  /** The 52-week figures and the last MA 50 value of E2EA on a basis, by the definitions. */
  function expected(basis: Basis) {
    const f = factors(rows, basis);
    const since = yearBefore(rows[rows.length - 1]!.date);
    const year = rows.map((r, i) => ({ ...r, f: f[i]! })).filter((r) => r.date >= since);
    const closes = rows.map((r, i) => r.close * f[i]!);
    return {
      high52: Math.max(...year.map((r) => r.high * r.f)),
      low52: Math.min(...year.map((r) => r.low * r.f)),
      ma50: closes.slice(-50).reduce((s, c) => s + c, 0) / 50,
    };
  }

  it("the selector changes the URL, keeps the rest of the view, and puts candles, moving averages and 52-week figures on the chosen basis", async () => {
    const { page } = b;
    await page.goto(url("/chart/E2EA?range=1Y&ma=50"));
    await expect(page.getByLabel("Price basis").inputValue()).resolves.toBe("split");
    const figures: Record<string, number> = {};
    for (const basis of ["raw", "all", "split"] as const) {
      await page.getByLabel("Price basis").selectOption({ label: LABEL[basis] });
      await page.waitForURL((u) => u.searchParams.get("adjustment") === basis);
      const u = new URL(page.url());
      expect([u.searchParams.get("range"), u.searchParams.getAll("ma")]).toEqual(["1Y", ["50"]]);
      const want = expected(basis);
      await expect.poll(() => number(page, "high52")).toBeCloseTo(want.high52, 3);
      expect(await number(page, "low52")).toBeCloseTo(want.low52, 3);
      const chart = await page
        .getByTestId("price-chart")
        .evaluate((el) => (el as unknown as { data: { name: string; y?: (number | null)[] }[] }).data.find((t) => t.name === "MA 50")!.y!);
      expect(chart[chart.length - 1]).toBeCloseTo(want.ma50, 4);
      figures[basis] = await number(page, "high52");
    }
    // The 1Y window holds pre-split bars: as traded, their prices are four times today's.
    expect(figures.raw! / figures.split!).toBeGreaterThan(2.5);
    expect(figures.all).not.toBe(figures.split);
  });

  it("split-adjusted (the default), the 4-for-1 split is no cliff; as traded, it is", async () => {
    const { page } = b;
    const stepAt = async (path: string) => {
      await page.goto(url(path));
      const n = await barCount(page);
      await drawnChart(page, "price-chart", n);
      const [x, close] = await page.getByTestId("price-chart").evaluate((el) => {
        const c = (el as unknown as { data: { x: string[]; close: number[] }[] }).data[0]!;
        return [Array.from(c.x), Array.from(c.close)] as const;
      });
      const i = x.indexOf(forward.date);
      expect(i).toBeGreaterThan(0);
      return close[i - 1]! / close[i]!;
    };
    const split = await stepAt("/chart/E2EA?range=6M");
    const raw = await stepAt("/chart/E2EA?range=6M&adjustment=raw");
    // The walk moves a few percent a day at most: far less than the 4x of the split.
    expect(Math.abs(split - 1)).toBeLessThan(0.1);
    expect(raw).toBeGreaterThan(3.5);
    expect(raw).toBeLessThan(4.5);
  });

  it("marks the window's splits and dividends on the chart with hover text, and lists them under it", async () => {
    const { page } = b;
    await page.goto(url("/chart/E2EA?range=1Y&ma=50&ma=200"));
    const n = await barCount(page);
    const chart = await drawnChart(page, "price-chart", n);
    const traces = await page.getByTestId("price-chart").evaluate((el) =>
      (el as unknown as { data: { name: string; type: string; x: string[]; text?: string[]; marker?: { symbol?: string[] } }[] }).data.map((t) => ({
        name: t.name,
        type: t.type,
        x: Array.from(t.x),
        text: t.text,
        symbol: t.marker?.symbol,
      })),
    );
    expect(chart.traces.map((t) => t.name)).toEqual(["E2EA", "Volume", "MA 50", "MA 200", "Splits", "Dividends"]);
    const splits = traces.find((t) => t.name === "Splits")!;
    expect(splits.x).toEqual([forward.date]);
    expect(splits.text![0]).toContain(`4-for-1 split (executed ${forward.date})`);
    const divs = traces.find((t) => t.name === "Dividends")!;
    expect(divs.x).toEqual(dividends.map((a) => a.date));
    dividends.forEach((a, i) => expect(divs.text![i]).toContain(`$${a.cashAmount.toFixed(2)} cash dividend (ex-date ${a.date})`));
    // Split-adjusted: the dividends are real but not applied, drawn hollow.
    expect(divs.symbol).toEqual(dividends.map(() => "triangle-up-open"));

    // Hovering the split's marker shows its description.
    const at = await page.getByTestId("price-chart").evaluate((el) => {
      type Axis = { d2p(v: unknown): number };
      const p = el as unknown as { data: { name: string; x: string[]; y: number[] }[]; _fullLayout: { xaxis: Axis; yaxis: Axis; _size: { l: number; t: number } } };
      const t = p.data.find((d) => d.name === "Splits")!;
      const box = el.querySelector(".main-svg")!.getBoundingClientRect();
      const { xaxis, yaxis, _size } = p._fullLayout;
      return { x: box.left + _size.l + xaxis.d2p(t.x[0]), y: box.top + _size.t + yaxis.d2p(t.y[0]) };
    });
    await page.mouse.move(at.x - 30, at.y);
    await page.mouse.move(at.x, at.y, { steps: 5 });
    await page.waitForFunction((text) => (document.querySelector(".hoverlayer")?.textContent ?? "").includes(text), `4-for-1 split (executed ${forward.date})`);
    await page.screenshot({ path: join(SCREENSHOTS, "chart.png") });

    // The same, readable without the canvas.
    const item = page.getByTestId("action-E2E-SPLIT-FORWARD");
    expect(await item.innerText()).toMatch(new RegExp(`4-for-1 split \\(executed ${forward.date}\\): prices before it divided by 4.*applied`));
    for (const a of dividends)
      expect(await page.getByTestId(`action-${a.id}`).innerText()).toMatch(/cash dividend \(ex-date .*not applied: dividends count only in the total-return basis/);
    // The reverse split is years before the window.
    expect(await page.getByTestId("action-E2E-SPLIT-REVERSE").count()).toBe(0);

    // Total return: the dividends are applied, each at its factor.
    await page.goto(url("/chart/E2EA?range=1Y&adjustment=all"));
    const first = dividends[0]!;
    const before = rows[rows.findIndex((r) => r.date >= first.date) - 1]!.close;
    const factor = 1 - first.cashAmount / before;
    expect(await page.getByTestId(`action-${first.id}`).innerText()).toContain(`multiplied by ${factor.toFixed(6)}`);
    await page.screenshot({ path: join(SCREENSHOTS, "chart-actions.png"), fullPage: true });
    // The whole history holds the reverse split (about five years back).
    await page.goto(url("/chart/E2EA?range=MAX"));
    expect(await page.getByTestId("action-E2E-SPLIT-REVERSE").innerText()).toMatch(/1-for-10 split \(executed .*\): prices before it multiplied by 10/);
  });

  it("the view's URL state (basis, range, averages) survives a reload, the presets, the toggles and the symbol picker", async () => {
    const { page } = b;
    const state = () => {
      const u = new URL(page.url());
      return { adjustment: u.searchParams.get("adjustment"), range: u.searchParams.get("range"), ma: u.searchParams.getAll("ma").sort() };
    };
    await page.goto(url("/chart/E2EA?range=6M&ma=50&adjustment=all"));
    await page.reload();
    await expect(page.getByLabel("Price basis").inputValue()).resolves.toBe("all");
    await expect(page.getByLabel("MA 50").isChecked()).resolves.toBe(true);
    await page.getByRole("link", { name: "6M", exact: true }).and(page.locator('[aria-current="true"]')).waitFor();

    await page.getByRole("navigation", { name: "Range" }).getByRole("link", { name: "1Y", exact: true }).click();
    await page.waitForURL(/range=1Y/);
    expect(state()).toEqual({ adjustment: "all", range: "1Y", ma: ["50"] });
    await expect(page.getByLabel("Price basis").inputValue()).resolves.toBe("all");

    await page.getByLabel("MA 200").check();
    await page.waitForURL(/ma=200/);
    expect(state()).toEqual({ adjustment: "all", range: "1Y", ma: ["200", "50"] });

    await page.getByLabel("Price basis").selectOption("raw");
    await page.waitForURL(/adjustment=raw/);
    expect(state()).toEqual({ adjustment: "raw", range: "1Y", ma: ["200", "50"] });
    await page.reload();
    expect(state()).toEqual({ adjustment: "raw", range: "1Y", ma: ["200", "50"] });
    await expect(page.getByLabel("Price basis").inputValue()).resolves.toBe("raw");

    await page.getByLabel("Symbol").selectOption("E2EB");
    await page.waitForURL(/\/chart\/E2EB/);
    expect(state()).toEqual({ adjustment: "raw", range: "1Y", ma: ["200", "50"] });
  });

  it("a custom From/To window keeps its dates when the basis changes, and an unknown basis is the page's default, never an error", async () => {
    const { page } = b;
    const [from, to] = [rows[rows.length - 120]!.date, rows[rows.length - 20]!.date];
    await page.goto(url(`/chart/E2EA?from=${from}&to=${to}&ma=20`));
    await page.getByLabel("Price basis").selectOption("all");
    await page.waitForURL(/adjustment=all/);
    const custom = new URL(page.url()).searchParams;
    expect([custom.get("from"), custom.get("to"), custom.getAll("ma")]).toEqual([from, to, ["20"]]);
    await expect(page.getByLabel("From", { exact: true }).inputValue()).resolves.toBe(from);
    for (const [path, basis] of [
      ["/chart/E2EA?adjustment=%24where&range=1Y", "split"],
      ["/compare?symbols=E2EA&adjustment[$ne]=raw", "all"],
      ["/compare?adjustment=ALL&adjustment=raw", "all"],
    ] as const) {
      const res = await page.goto(url(path));
      expect(res?.status()).toBe(200);
      await expect(page.getByLabel("Price basis").inputValue()).resolves.toBe(basis);
    }
  });

  it("the comparison defaults to total return, says why, and switches basis keeping the symbols and range", async () => {
    const { page } = b;
    /** E2EA's % change over the 1Y window on a basis, by the definitions. */
    const pct = (basis: Basis, from: string) => {
      const f = factors(rows, basis);
      const i = rows.findIndex((r) => r.date >= from);
      const first = rows[i]!.close * f[i]!;
      const last = rows[rows.length - 1]!.close * f[rows.length - 1]!;
      return (100 * (last - first)) / first;
    };
    const pagePct = async () => Number((await page.getByTestId("pct-E2EA").innerText()).replace("−", "-").replace("%", ""));
    await page.goto(url("/compare?symbols=E2EA&symbols=E2EB&range=1Y"));
    await expect(page.getByLabel("Price basis").inputValue()).resolves.toBe("all");
    await page.getByText("a % change without dividends understates").waitFor();
    const chart = await drawnChart(page, "compare-chart");
    const from = chart.traces[0]!.x[0]!;
    expect(await pagePct()).toBeCloseTo(pct("all", from), 1);
    const total = await pagePct();

    await page.getByLabel("Price basis").selectOption({ label: LABEL.split });
    await page.waitForURL(/adjustment=split/);
    const u = new URL(page.url());
    expect([u.searchParams.getAll("symbols"), u.searchParams.get("range")]).toEqual([["E2EA", "E2EB"], "1Y"]);
    await expect.poll(pagePct).toBeCloseTo(pct("split", from), 1);
    // Dividends paid in the window: the price-only change is the smaller one.
    expect(await pagePct()).toBeLessThan(total);

    await page.getByRole("navigation", { name: "Range" }).getByRole("link", { name: "6M", exact: true }).click();
    await page.waitForURL(/range=6M/);
    expect(new URL(page.url()).searchParams.get("adjustment")).toBe("split");
  });
});
