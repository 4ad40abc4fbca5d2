import { join } from "node:path";
import { tradingDaysBetween, addDays } from "@stock-market/pipeline/calendar/nyse";
import { toStoredDate } from "@stock-market/pipeline/model/daily-price";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { drawnChart, SCREENSHOTS, signIn, url, useBrowser, useDb } from "./browser";

const prices = (db: ReturnType<typeof useDb>) => db.db.collection("daily_prices");

async function fillValues(page: Page, v: { open: string; high: string; low: string; close: string; volume: string }) {
  for (const [k, value] of Object.entries(v)) await page.getByLabel(k[0]!.toUpperCase() + k.slice(1), { exact: true }).fill(value);
}

describe("records: create, validate, edit, conflict, delete, audit, undo, export", () => {
  const b = useBrowser();
  const d = useDb();
  const latest = inject("latest");
  const days = tradingDaysBetween(addDays(latest, -60), latest);
  const editDay = days[days.length - 3]!;
  const conflictDay = days[days.length - 4]!;
  const deleteDay = days[days.length - 5]!;
  beforeAll(() => signIn(b.page));

  it("create: the new record appears in the table, marked manual, and on the chart", async () => {
    const { page } = b;
    const gap = inject("gapDate");
    await page.goto(url("/records/new?symbol=E2EC"));
    await page.getByLabel("Date").fill(gap);
    await fillValues(page, { open: "20", high: "21.5", low: "19.5", close: "21", volume: "12345" });
    await page.getByRole("button", { name: "Create record" }).click();
    await page.getByText(`Created E2EC ${gap}`).waitFor();
    const row = page.getByTestId(`row-E2EC-${gap}`);
    await row.waitFor();
    expect(await row.innerText()).toMatch(/manual · e2e-editor/);
    expect(await prices(d).countDocuments({ symbol: "E2EC", date: toStoredDate(gap) })).toBe(1);

    await page.goto(url("/chart/E2EC?range=1Y"));
    const chart = await drawnChart(page);
    expect(chart.traces[0]!.x).toContain(gap);
    expect(chart.traces.find((t) => t.name === "Edited by a person")?.x).toEqual([gap]);
  });

  it("a duplicate (symbol, date) is a field error, never a second row, and the typed values are kept", async () => {
    const { page } = b;
    const gap = inject("gapDate");
    await page.goto(url("/records/new"));
    await page.getByLabel("Symbol").fill("E2EC");
    await page.getByLabel("Date").fill(gap);
    await fillValues(page, { open: "30", high: "31", low: "29", close: "30.5", volume: "1" });
    await page.getByRole("button", { name: "Create record" }).click();
    await page.locator("#field-date-error").waitFor();
    expect(await page.locator("#field-date-error").innerText()).toContain(`A record for E2EC on ${gap} already exists`);
    expect(await page.getByLabel("Open", { exact: true }).inputValue()).toBe("30");
    expect(await page.getByRole("alert").first().isVisible()).toBe(true);
    expect(await prices(d).countDocuments({ symbol: "E2EC", date: toStoredDate(gap) })).toBe(1);
  });

  it("invalid values come back as field errors: not a trading day, OHLC rules, negative volume, a future date", async () => {
    const { page } = b;
    const before = await prices(d).countDocuments({ symbol: "E2EZ" });
    const saturday = tradingDaysBetween(addDays(latest, -14), latest)
      .map((x) => addDays(x, 0))
      .find((x) => new Date(`${x}T00:00:00Z`).getUTCDay() === 5)!;
    await page.goto(url("/records/new"));
    await page.getByLabel("Symbol").fill("E2EZ");
    await page.getByLabel("Date").fill(addDays(saturday, 1));
    await fillValues(page, { open: "11", high: "10", low: "12", close: "11", volume: "-5" });
    await page.getByRole("button", { name: "Create record" }).click();
    await page.locator("#field-date-error").waitFor();
    expect(await page.locator("#field-date-error").innerText()).toMatch(/not a NYSE trading day/);
    expect(await page.locator("#field-volume-error").innerText()).toMatch(/volume must be 0 or more/i);
    await expect(page.getByLabel("Volume").getAttribute("aria-invalid")).resolves.toBe("true");
    expect(await page.getByLabel("Volume").inputValue()).toBe("-5");

    await page.getByLabel("Date").fill(addDays(latest, 20));
    await fillValues(page, { open: "11", high: "10", low: "12", close: "11", volume: "5" });
    await page.getByRole("button", { name: "Create record" }).click();
    await page
      .getByText(/is in the future/)
      .first()
      .waitFor();
    expect(await page.locator("#field-high-error").innerText()).toMatch(/must not be below open or close/);
    expect(await page.locator("#field-low-error").innerText()).toMatch(/must not be above/);
    expect(await prices(d).countDocuments({ symbol: "E2EZ" })).toBe(before);
  });

  it("edit: saved values are marked as a person's edit", async () => {
    const { page } = b;
    await page.goto(url(`/records/E2EB/${editDay}`));
    await fillValues(page, { open: "100", high: "110", low: "90", close: "105", volume: "777" });
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText(`Saved E2EB ${editDay}`).waitFor();
    expect(await prices(d).findOne({ symbol: "E2EB", date: toStoredDate(editDay) })).toMatchObject({ close: 105, volume: 777, source: "manual", updatedBy: "e2e-editor" });
    await page.screenshot({ path: join(SCREENSHOTS, "records.png") });
  });

  it("stale edit: saving a record that changed since the form was opened is refused and shows the newer values", async () => {
    const { page } = b;
    await page.goto(url(`/records/E2EB/${conflictDay}`));
    await fillValues(page, { open: "50", high: "60", low: "40", close: "55", volume: "1" });

    // Meanwhile another editor (another browser) saves the same record.
    const other = await b.other();
    const otherPage = other.pages()[0] ?? (await other.newPage());
    await signIn(otherPage);
    await otherPage.goto(url(`/records/E2EB/${conflictDay}`));
    await fillValues(otherPage, { open: "70", high: "80", low: "65", close: "77.77", volume: "2" });
    await otherPage.getByRole("button", { name: "Save" }).click();
    await otherPage.getByText(`Saved E2EB ${conflictDay}`).waitFor();

    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText(/after you opened it\. Your values were not saved/).waitFor();
    expect(await page.getByTestId("newer-values").innerText()).toContain("77.77");
    expect(await page.getByLabel("Close", { exact: true }).inputValue()).toBe("55");
    expect(await prices(d).findOne({ symbol: "E2EB", date: toStoredDate(conflictDay) })).toMatchObject({ close: 77.77 });
    await page.screenshot({ path: join(SCREENSHOTS, "edit-conflict.png") });

    // Saving again, having seen the newer values, is a deliberate overwrite.
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText(`Saved E2EB ${conflictDay}`).waitFor();
    expect(await prices(d).findOne({ symbol: "E2EB", date: toStoredDate(conflictDay) })).toMatchObject({ close: 55 });
  });

  it("delete asks for confirmation, then leaves a tombstone and the row disappears", async () => {
    const { page } = b;
    await page.goto(url(`/records?symbol=E2EB&from=${deleteDay}&to=${deleteDay}`));
    await page.getByRole("link", { name: `Delete E2EB ${deleteDay}` }).click();
    await page.getByRole("heading", { name: `Delete E2EB ${deleteDay}?` }).waitFor();
    await page.getByRole("link", { name: "No, keep it" }).click();
    await page.getByTestId(`row-E2EB-${deleteDay}`).waitFor();
    expect(await prices(d).findOne({ symbol: "E2EB", date: toStoredDate(deleteDay) })).not.toHaveProperty("deletedAt");

    await page.getByRole("link", { name: `Delete E2EB ${deleteDay}` }).click();
    await page.getByRole("button", { name: `Yes, delete E2EB ${deleteDay}` }).click();
    await page.getByText(`Deleted E2EB ${deleteDay}`).waitFor();
    expect(await page.getByTestId(`row-E2EB-${deleteDay}`).count()).toBe(0);
    await page.goto(url(`/records?symbol=E2EB&from=${deleteDay}&to=${deleteDay}`));
    await page.getByText("No records match these filters.").waitFor();
    expect(await prices(d).findOne({ symbol: "E2EB", date: toStoredDate(deleteDay) })).toMatchObject({ source: "manual", deletedAt: expect.any(Date) });
  });

  it("the audit trail shows who changed what, and undo of one change restores the record", async () => {
    const { page } = b;
    await page.goto(url("/audit?symbol=E2EB"));
    const table = page.getByRole("table");
    await table.waitFor();
    const text = await table.innerText();
    expect(text).toContain(`E2EB ${deleteDay}`);
    expect(text).toContain("e2e-editor");
    expect(text).toMatch(/close\s+\S+\s+→\s+105/);
    await page.screenshot({ path: join(SCREENSHOTS, "audit.png") });

    await page.getByRole("button", { name: new RegExp(`^Undo the delete of E2EB ${deleteDay}`) }).click();
    await page.getByText(`Undid the change to E2EB ${deleteDay}`).waitFor();
    const restored = await prices(d).findOne({ symbol: "E2EB", date: toStoredDate(deleteDay) });
    expect(restored).not.toHaveProperty("deletedAt");
    expect(restored).toMatchObject({ source: "pipeline", feed: "synthetic" });

    // The other editor's change was overwritten since: undoing it is refused and changes nothing.
    const olderEdit = page.getByRole("button", { name: new RegExp(`^Undo the update of E2EB ${conflictDay}`) }).last();
    await olderEdit.click();
    await page.getByText(/changed again after this change/).waitFor();
    expect(await prices(d).findOne({ symbol: "E2EB", date: toStoredDate(conflictDay) })).toMatchObject({ close: 55 });
  });

  it("the table and the forms show prices as traded, not adjusted for splits or dividends, and say so", async () => {
    const { page } = b;
    const split = (inject("actions") as { id: string; date: string }[]).find((a) => a.id === "E2E-SPLIT-FORWARD")!;
    const before = tradingDaysBetween(addDays(split.date, -10), split.date).at(-2)!;
    await page.goto(url(`/records?symbol=E2EA&from=${before}&to=${split.date}`));
    await page.getByText("Prices as traded (not adjusted for splits or dividends).").waitFor();
    const stored = await prices(d)
      .find({ symbol: "E2EA", date: { $in: [toStoredDate(before), toStoredDate(split.date)] } })
      .sort({ date: 1 })
      .toArray();
    const shown = async (date: string) => Number((await page.getByTestId(`row-E2EA-${date}`).locator("td").nth(5).innerText()).replace(/,/g, ""));
    expect([await shown(before), await shown(split.date)]).toEqual(stored.map((r) => r.close));
    // As traded, the 4-for-1 split is the step the charts take out.
    expect((await shown(before)) / (await shown(split.date))).toBeGreaterThan(3.5);
    for (const path of ["/records/new", `/records/E2EA/${before}`]) {
      await page.goto(url(path));
      expect(await page.getByTestId("as-traded-note").innerText()).toMatch(
        /^Prices as traded \(not adjusted for splits or dividends\)\. Enter the values of that day as they traded/,
      );
    }
    await expect(page.getByLabel("Close", { exact: true }).inputValue()).resolves.toBe(String(stored[0]!.close));
  });

  it("CSV export holds exactly the rows of the filtered view", async () => {
    const { page } = b;
    const from = days[0]!;
    const to = days[days.length - 1]!;
    await page.goto(url(`/records?symbol=E2EB&from=${from}&to=${to}&source=pipeline&size=25`));
    const total = Number((await page.getByTestId("records-total").innerText()).replace(/\D/g, ""));
    const pageDates = await page.locator("tbody tr td:nth-child(2)").allInnerTexts();
    const href = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
    expect(href).toContain("symbol=E2EB");
    const res = await page.request.get(url(href!));
    expect(res.headers()["content-type"]).toMatch(/text\/csv/);
    const lines = (await res.text()).trim().split("\r\n");
    expect(lines[0]).toMatch(/^symbol,date,open,high,low,close,volume/);
    const rows = lines.slice(1).map((l) => l.split(","));
    expect(rows).toHaveLength(total);
    const expected = await prices(d)
      .find({ symbol: "E2EB", source: "pipeline", deletedAt: { $exists: false }, date: { $gte: toStoredDate(from), $lte: toStoredDate(to) } })
      .sort({ date: -1 })
      .toArray();
    expect(rows.map((r) => r[1])).toEqual(expected.map((e) => (e.date as Date).toISOString().slice(0, 10)));
    expect(rows.map((r) => Number(r[5]))).toEqual(expected.map((e) => e.close));
    expect(rows.every((r) => r[0] === "E2EB" && r[9] === "pipeline")).toBe(true);
    expect(rows.slice(0, pageDates.length).map((r) => r[1])).toEqual(pageDates);
    expect(total).toBeGreaterThan(pageDates.length);
  });
});
