import { describe, expect, it } from "vitest";
import { parseMarketPageQuery, parseMoversQuery } from "./market-params";

const q = (s: string) => new URLSearchParams(s);

describe("the movers query", () => {
  it("defaults to the latest session and 10 of each", () => {
    expect(parseMoversQuery(q(""))).toEqual({ ok: true, value: { date: undefined, limit: 10 } });
    expect(parseMoversQuery(q("date=2024-06-07&limit=100"))).toEqual({ ok: true, value: { date: "2024-06-07", limit: 100 } });
  });

  it.each([
    "date=",
    "date=2024-6-7",
    "date=2024-02-30",
    "limit=0",
    "limit=101",
    "limit=-1",
    "limit=1.5",
    "limit=1e1",
    "limit=0x10",
    "limit= 5",
    "limit=99999",
    "x=1",
    "limit=1&limit=2",
  ])("refuses %s with a sentence", (s) => {
    const r = parseMoversQuery(q(s));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/^[A-Z"a-z].*\.$/);
  });
});

describe("the market page's filters", () => {
  it("reads empty form fields as no filter, and OTC in or out", () => {
    expect(parseMarketPageQuery(q("date=&min_price=&min_dollar_volume=&otc="))).toEqual({
      ok: true,
      value: { date: undefined, minPrice: 0, minDollarVolume: 0, includeOtc: true },
    });
    expect(parseMarketPageQuery(q("min_price=2.50&min_dollar_volume=1000000&otc=exclude"))).toEqual({
      ok: true,
      value: { date: undefined, minPrice: 2.5, minDollarVolume: 1_000_000, includeOtc: false },
    });
  });

  it.each([
    "min_price=-1",
    "min_price=1e308",
    "min_price=Infinity",
    "min_price=NaN",
    "min_price=%241",
    "min_dollar_volume=1e20",
    "min_dollar_volume=9999999999999999",
    "otc=maybe",
    "otc=INCLUDE",
    "limit=5",
    "date=0000-01-01",
  ])("refuses %s with a sentence", (s) => {
    const r = parseMarketPageQuery(q(s));
    expect(r.ok).toBe(false);
  });
});
