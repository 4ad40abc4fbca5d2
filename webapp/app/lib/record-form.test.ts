import { describe, expect, it } from "vitest";
import { dateProblem, parseNumber, parseRecordForm } from "./record-form";

const form = (fields: Record<string, string>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  return f;
};
const valid = { symbol: "AAPL", date: "2025-01-03", open: "10", high: "12", low: "9", close: "11", volume: "1000" };
const TODAY = "2025-06-02";

describe("parseRecordForm", () => {
  it("accepts a valid record and returns numbers", () => {
    expect(parseRecordForm(form(valid), TODAY)).toMatchObject({ ok: true, symbol: "AAPL", date: "2025-01-03", values: { open: 10, high: 12, low: 9, close: 11, volume: 1000 } });
  });

  it("uses the pipeline's rules: low above open/close and high below them are field errors", () => {
    const r = parseRecordForm(form({ ...valid, high: "10.5", low: "10.5" }), TODAY);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.high).toMatch(/must not be below open or close/);
    expect(r.errors.low).toMatch(/must not be above open or close/);
  });

  it("reports each missing, non-numeric, non-positive or negative value on its own field and keeps what was typed", () => {
    const r = parseRecordForm(form({ symbol: "", date: "", open: "abc", high: "0", low: "", close: "-1", volume: "-3" }), TODAY);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toMatchObject({
      symbol: "Symbol is required",
      date: "Date is required",
      open: "Open must be a number",
      high: "High must be greater than 0",
      low: "Low is required",
      close: "Close must be greater than 0",
      volume: "Volume must be 0 or more",
    });
    expect(r.input).toMatchObject({ open: "abc", close: "-1", volume: "-3" });
  });

  it("a weekend, a holiday and a future date are refused; today (a trading day) is allowed", () => {
    expect(dateProblem("2025-01-04", TODAY)).toMatch(/not a NYSE trading day \(a weekend\)/);
    expect(dateProblem("2025-07-04", "2025-12-31")).toMatch(/Independence Day/);
    expect(dateProblem("2025-06-03", TODAY)).toMatch(/in the future/);
    expect(dateProblem("2025-02-30", TODAY)).toMatch(/real date/);
    expect(dateProblem(TODAY, TODAY)).toBeUndefined();
  });

  it("a date before 2000 is refused, whatever the calendar would say about it", () => {
    expect(dateProblem("1999-12-31", TODAY)).toBe("Date 1999-12-31 is before 2000-01-01, the first date this site keeps");
    expect(dateProblem("0000-01-03", TODAY)).toMatch(/before 2000-01-01/);
    expect(dateProblem("2000-01-03", TODAY)).toBeUndefined();
  });

  it("a symbol must look like a ticker", () => {
    const r = parseRecordForm(form({ ...valid, symbol: "no spaces" }), TODAY);
    expect(r.ok ? null : r.errors.symbol).toMatch(/ticker/);
    expect(parseRecordForm(form({ ...valid, symbol: "BRK.A" }), TODAY).ok).toBe(true);
  });

  it("on an edit the key comes from the record, not the form", () => {
    const r = parseRecordForm(form({ ...valid, symbol: "EVIL", date: "2030-01-01" }), TODAY, { symbol: "MSFT", date: "2025-01-03" });
    expect(r).toMatchObject({ ok: true, symbol: "MSFT", date: "2025-01-03" });
  });

  it("parses numbers with thousands separators and rejects junk", () => {
    expect(parseNumber("1,234.5")).toBe(1234.5);
    expect(parseNumber("")).toBeUndefined();
    expect(parseNumber("12abc")).toBeNaN();
    expect(parseNumber("1e3")).toBe(1000);
    expect(Object.is(parseNumber("-0"), 0)).toBe(true);
    expect(parseNumber("1e400")).toBe(Infinity);
  });

  it("absurd values are field errors: 1e308, a 400-digit number, Infinity", () => {
    const r = parseRecordForm(form({ ...valid, high: "1e308", volume: "9".repeat(400), open: "Infinity" }), TODAY);
    expect(r.ok ? null : r.errors).toMatchObject({ high: "High must be at most 10,000,000,000,000", volume: "Volume must be a number", open: "Open must be a number" });
  });
});
