import { describe, expect, it } from "vitest";
import { fromStoredDate, isValidSymbol, priceProblems, sameValues, toStoredDate, type PriceValues } from "./daily-price.js";

const VALID: PriceValues = { open: 100, high: 105, low: 98, close: 103, volume: 1_000_000 };

describe("priceProblems", () => {
  it("a valid record has no problems, with or without the optional fields", () => {
    expect(priceProblems(VALID)).toEqual([]);
    expect(priceProblems({ ...VALID, vwap: 101.5, transactions: 0, otc: false })).toEqual([]);
  });

  it("a bar whose open, high, low and close are equal (a flat day) is valid", () => {
    expect(priceProblems({ open: 5, high: 5, low: 5, close: 5, volume: 0 })).toEqual([]);
  });

  it("fractional volume and zero volume are valid", () => {
    expect(priceProblems({ ...VALID, volume: 1234.5678 })).toEqual([]);
    expect(priceProblems({ ...VALID, volume: 0 })).toEqual([]);
  });

  it("an empty form reports every required field, by its stored name", () => {
    expect(priceProblems({})).toEqual([
      { field: "open", message: "open is required" },
      { field: "high", message: "high is required" },
      { field: "low", message: "low is required" },
      { field: "close", message: "close is required" },
      { field: "volume", message: "volume is required" },
    ]);
  });

  it("null counts as missing", () => {
    expect(priceProblems({ ...VALID, close: null, volume: null })).toEqual([
      { field: "close", message: "close is required" },
      { field: "volume", message: "volume is required" },
    ]);
  });

  it.each([
    ["a numeric string from a form", "101"],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["a boolean", true],
  ])("%s is not a number", (_name, value) => {
    expect(priceProblems({ ...VALID, open: value })).toEqual([{ field: "open", message: "open must be a number" }]);
    expect(priceProblems({ ...VALID, volume: value })).toEqual([{ field: "volume", message: "volume must be a number" }]);
  });

  it.each([0, -1, -0.01])("a price of %d must be greater than 0", (value) => {
    expect(priceProblems({ open: value, high: value, low: value, close: value, volume: 1 }).map((p) => p.field)).toEqual(["open", "high", "low", "close"]);
    expect(priceProblems({ ...VALID, high: value })).toEqual([{ field: "high", message: "high must be greater than 0" }]);
  });

  it("prices above 1e13, volumes above 1e15 and transactions beyond the safe integers are refused as absurd", () => {
    expect(priceProblems({ ...VALID, high: 1e308 })).toEqual([{ field: "high", message: "high must be at most 10,000,000,000,000" }]);
    expect(priceProblems({ ...VALID, volume: 1e20, vwap: 1e14 }).map((p) => p.message)).toEqual([
      "volume must be at most 1,000,000,000,000,000",
      "vwap must be at most 10,000,000,000,000",
    ]);
    expect(priceProblems({ ...VALID, transactions: 2 ** 60 }).map((p) => p.field)).toEqual(["transactions"]);
    expect(priceProblems({ open: 1e13, high: 1e13, low: 1e13, close: 1e13, volume: 1e15 })).toEqual([]);
  });

  it("negative volume must be 0 or more", () => {
    expect(priceProblems({ ...VALID, volume: -1 })).toEqual([{ field: "volume", message: "volume must be 0 or more" }]);
  });

  it("optional fields are checked when present", () => {
    expect(priceProblems({ ...VALID, vwap: 0, transactions: 2.5, otc: "true" })).toEqual([
      { field: "vwap", message: "vwap must be a number greater than 0" },
      { field: "transactions", message: "transactions must be a whole number, 0 or more" },
      { field: "otc", message: "otc must be true or false" },
    ]);
    expect(priceProblems({ ...VALID, transactions: -1 })).toEqual([{ field: "transactions", message: "transactions must be a whole number, 0 or more" }]);
    expect(priceProblems({ ...VALID, vwap: "101" }).map((p) => p.field)).toEqual(["vwap"]);
  });

  it("low above open or close is a problem of low", () => {
    expect(priceProblems({ ...VALID, low: 100.5 })).toEqual([{ field: "low", message: "low (100.5) must not be above open or close" }]);
    expect(priceProblems({ ...VALID, open: 104, low: 103.5 })).toEqual([{ field: "low", message: "low (103.5) must not be above open or close" }]);
  });

  it("high below open or close is a problem of high", () => {
    expect(priceProblems({ ...VALID, high: 102 })).toEqual([{ field: "high", message: "high (102) must not be below open or close" }]);
    expect(priceProblems({ ...VALID, close: 99, high: 99.5 })).toEqual([{ field: "high", message: "high (99.5) must not be below open or close" }]);
  });

  it("high below low reports all three broken rules", () => {
    expect(priceProblems({ open: 10, close: 10, high: 9, low: 11, volume: 1 })).toEqual([
      { field: "low", message: "low (11) must not be above open or close" },
      { field: "high", message: "high (9) must not be below open or close" },
      { field: "low", message: "low (11) must not be above high (9)" },
    ]);
  });

  it("the cross-field rules wait until every field is a valid number (no comparisons with garbage)", () => {
    expect(priceProblems({ ...VALID, open: "abc", low: 200 })).toEqual([{ field: "open", message: "open must be a number" }]);
    expect(priceProblems({ ...VALID, vwap: -1, high: 1 })).toEqual([{ field: "vwap", message: "vwap must be a number greater than 0" }]);
  });

  it("every message starts with its field's name, so a form can show it next to the input", () => {
    const all = [
      ...priceProblems({}),
      ...priceProblems({ ...VALID, open: "x", vwap: -1, transactions: -1, otc: 1 }),
      ...priceProblems({ open: 10, close: 10, high: 9, low: 11, volume: 1 }),
    ];
    for (const p of all) expect(p.message.startsWith(p.field)).toBe(true);
  });
});

describe("sameValues", () => {
  it("is true for equal values, whatever the key order", () => {
    const reordered: PriceValues = { volume: 1_000_000, close: 103, low: 98, high: 105, open: 100 };
    expect(sameValues(VALID, reordered)).toBe(true);
    expect(sameValues({ ...VALID, vwap: 101, transactions: 7, otc: true }, { ...VALID, vwap: 101, transactions: 7, otc: true })).toBe(true);
  });

  it.each(["open", "high", "low", "close", "volume", "vwap", "transactions"] as const)("a different %s is a change", (field) => {
    const a: PriceValues = { ...VALID, vwap: 101, transactions: 7 };
    expect(sameValues(a, { ...a, [field]: (a[field] as number) + 0.01 })).toBe(false);
  });

  it("an optional field present on one side only is a change", () => {
    expect(sameValues(VALID, { ...VALID, vwap: 101 })).toBe(false);
    expect(sameValues({ ...VALID, otc: false }, VALID)).toBe(false);
    expect(sameValues({ ...VALID, otc: true }, { ...VALID, otc: false })).toBe(false);
  });

  it("ignores everything that is not a price value (symbol, provenance)", () => {
    const stored = { ...VALID, symbol: "AAPL", source: "pipeline", runId: "r1" } as PriceValues;
    expect(sameValues(stored, { ...VALID })).toBe(true);
  });
});

describe("stored dates", () => {
  it("toStoredDate gives 00:00:00 UTC of the calendar date", () => {
    expect(toStoredDate("2024-03-10").getTime()).toBe(Date.UTC(2024, 2, 10));
    expect(toStoredDate("2024-02-29").toISOString()).toBe("2024-02-29T00:00:00.000Z");
  });

  it.each(["2024-01-02", "2024-02-29", "2024-03-10", "2024-03-11", "2024-11-03", "2024-12-31", "2000-01-01", "2035-06-15"])("%s survives the round trip", (d) => {
    expect(fromStoredDate(toStoredDate(d))).toBe(d);
  });

  it("fromStoredDate reads the UTC calendar date, whatever the time of day", () => {
    expect(fromStoredDate(new Date(Date.UTC(2024, 2, 10, 23, 59, 59, 999)))).toBe("2024-03-10");
  });

  it.each(["2024-02-30", "2023-02-29", "2024-04-31", "2024-13-01", "2024-3-1", "03/10/2024", "", "2024-03-10T12:00:00Z"])(
    "toStoredDate refuses %j instead of rolling it over to another day",
    (d) => {
      expect(() => toStoredDate(d)).toThrow(RangeError);
    },
  );
});

describe("isValidSymbol", () => {
  it.each(["AAPL", "BRK.A", "BF-B", "brk.a", "A", "X:BTCUSD", "ABCDEFGHIJKLMNOPQRST"])("accepts %j", (s) => {
    expect(isValidSymbol(s)).toBe(true);
  });

  it.each(["", " AAPL", "AA PL", ".A", "$SPX", "ABCDEFGHIJKLMNOPQRSTU", "AAPL\n", 42, null, undefined])("refuses %j", (s) => {
    expect(isValidSymbol(s)).toBe(false);
  });
});
