import { describe, expect, inject, it } from "vitest";
import { signIn, url, useBrowser, useDb } from "./browser";

/**
 * Every form control of every page, as a screen reader and a keyboard user
 * meet them: a visible label tied to the control, and a form usable without
 * a mouse whose errors are announced and take the focus.
 */
describe("accessibility", () => {
  const b = useBrowser();
  const d = useDb();
  const latest = inject("latest");

  /** The controls of the page without a visible <label> naming them (by id or by wrapping). */
  async function unlabelled(path: string): Promise<string[]> {
    await b.page.goto(url(path));
    await b.page.locator("main").first().waitFor();
    return b.page.evaluate(() => {
      const bad: string[] = [];
      const visible = (el: Element) => {
        const r = (el as HTMLElement).getBoundingClientRect();
        const s = getComputedStyle(el);
        return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
      };
      for (const el of Array.from(document.querySelectorAll("input, select, textarea"))) {
        const input = el as HTMLInputElement;
        if (input.type === "hidden" || !visible(input)) continue;
        const labels = Array.from(input.labels ?? []).filter((l) => visible(l) && (l.textContent ?? "").trim().length > 0);
        if (labels.length === 0) bad.push(`${input.tagName.toLowerCase()}[name=${input.name || "?"}]`);
      }
      return bad;
    });
  }

  it("every input and select has a visible label, signed out and signed in", async () => {
    const pages = [
      "/chart/E2EA",
      "/chart/E2EA?adjustment=raw&range=5Y",
      "/compare?symbols=E2EA&symbols=E2EB",
      "/records",
      "/records?symbol=E2EB&from=2020-01-01",
      "/health",
      "/market",
      "/login",
    ];
    for (const path of pages) expect({ path, unlabelled: await unlabelled(path) }).toEqual({ path, unlabelled: [] });
    await signIn(b.page);
    for (const path of ["/records/new", `/records/E2EB/${latest}`, `/records/E2EB/${latest}/delete`, "/audit", "/records"]) {
      expect({ path, unlabelled: await unlabelled(path) }).toEqual({ path, unlabelled: [] });
    }
    const labels = await b.page.goto(url("/records/new")).then(() => b.page.locator("form[aria-label='New record'] label").allInnerTexts());
    expect(labels).toEqual(["Symbol", "Date", "Open", "High", "Low", "Close", "Volume"]);
  });

  it("the price basis is chosen from the keyboard alone, and the chart's actions are listed as text", async () => {
    const { page } = b;
    await page.goto(url("/chart/E2EA?range=1Y"));
    const select = page.getByLabel("Price basis");
    await expect(select.getAttribute("aria-describedby")).resolves.toBeTruthy();
    await select.focus();
    await page.keyboard.press("ArrowDown"); // a closed <select> takes arrow keys: the next basis
    await page.waitForURL((u) => u.searchParams.get("adjustment") === "all");
    await expect(page.getByLabel("Price basis").inputValue()).resolves.toBe("all");
    await page.getByRole("heading", { name: /^Splits and dividends from / }).waitFor();
    expect(
      await page
        .getByRole("region", { name: /^Splits and dividends from / })
        .getByRole("listitem")
        .count(),
    ).toBeGreaterThan(0);
  });

  it("the records filters work from the keyboard alone", async () => {
    const { page } = b;
    await page.goto(url("/records"));
    await page.getByLabel("Symbol").focus();
    await page.keyboard.press("End"); // a closed <select> takes arrow keys: the last symbol
    const chosen = await page.getByLabel("Symbol").inputValue();
    expect(chosen).not.toBe("");
    // Enter on a <select> does not submit a form (HTML's rule): Tab to the Filter button, as a keyboard user does.
    for (let i = 0; i < 20 && (await page.evaluate(() => document.activeElement?.textContent?.trim())) !== "Filter"; i++) await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.waitForURL((u) => u.searchParams.get("symbol") === chosen);
    // The URL can change a moment before the new rows are drawn: wait for the table to show only the chosen symbol.
    await page.waitForFunction((symbol) => {
      const cells = Array.from(document.querySelectorAll("tbody tr td:first-child")).map((td) => td.textContent?.trim());
      return cells.length > 0 && cells.every((c) => c === symbol);
    }, chosen);
  });

  it("an invalid new record typed and sent from the keyboard is announced, takes the focus, marks each field, and writes nothing", async () => {
    const { page } = b;
    const before = await d.db.collection("daily_prices").countDocuments({});
    await page.goto(url("/records/new"));
    /** Tabs forward to the control labelled `name` (Chromium's date field takes a Tab per part), failing if it is not reachable. */
    const tabTo = async (name: string) => {
      for (let i = 0; i < 6; i++) {
        if (await page.getByLabel(name, { exact: true }).evaluate((el) => el === document.activeElement)) return;
        await page.keyboard.press("Tab");
      }
      throw new Error(`${name} is not reached by Tab from the previous field`);
    };
    await page.getByLabel("Symbol").focus();
    // Tab order follows the visual order: Symbol, Date, Open, High, Low, Close, Volume.
    await page.keyboard.type("E2EA");
    await tabTo("Date");
    await page.keyboard.type("07042024"); // Chromium's en-US date field: month, day, year
    expect(await page.getByLabel("Date").inputValue()).toBe("2024-07-04"); // Independence Day: not a trading day
    for (const [name, v] of [
      ["Open", "10"],
      ["High", "9"],
      ["Low", "11"],
      ["Close", "-1"],
      ["Volume", "abc"],
    ] as const) {
      await tabTo(name);
      await page.keyboard.type(v);
    }
    await page.keyboard.press("Enter");
    const summary = page.getByRole("alert");
    await summary.waitFor();
    await page.waitForFunction(() => document.activeElement?.getAttribute("data-testid") === "error-summary");
    const announced = await summary.innerText();
    const linked = await summary.locator("a").evaluateAll((as) => as.map((a) => a.getAttribute("href")!.replace("#field-", "")));
    expect(linked).toEqual(expect.arrayContaining(["date", "close", "volume"]));
    for (const field of linked) {
      await expect(page.locator(`#field-${field}`).getAttribute("aria-invalid")).resolves.toBe("true");
      const describedBy = await page.locator(`#field-${field}`).getAttribute("aria-describedby");
      const message = await page.locator(`#${describedBy}`).innerText();
      expect(announced).toContain(message);
    }
    await expect(page.getByLabel("Volume").inputValue()).resolves.toBe("abc"); // the person's input is kept
    // The summary's links lead to the fields.
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => location.hash.startsWith("#field-"));
    expect(await d.db.collection("daily_prices").countDocuments({})).toBe(before);
  });
});
