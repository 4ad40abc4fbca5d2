import { describe, expect, it } from "vitest";
import { RawObjectError } from "../errors.js";
import { parseDividends, parseSplits } from "./actions.js";

const KEY = "raw/polygon/splits/date=2024-06-10/page-0001.json";
const encode = (o: unknown) => Buffer.from(JSON.stringify(o), "utf8");
const envelope = (results: unknown, extra: Record<string, unknown> = {}) => encode({ status: "OK", request_id: "r1", results, ...extra });

const SPLIT = { id: "E90a77bd", ticker: "NVDA", execution_date: "2024-06-10", split_from: 1, split_to: 10, adjustment_type: "forward_split", historical_adjustment_factor: 0.1 };
const DIVIDEND = {
  id: "Ed2c9da6",
  ticker: "AAPL",
  cash_amount: 0.26,
  currency: "USD",
  declaration_date: "2025-07-31",
  ex_dividend_date: "2025-08-11",
  record_date: "2025-08-11",
  pay_date: "2025-08-14",
  frequency: 4,
  distribution_type: "recurring",
  split_adjusted_cash_amount: 0.26,
  historical_adjustment_factor: 0.997899,
};

describe("parseSplits", () => {
  it("turns a documented split row into a split action, ignoring fields it does not use", () => {
    const p = parseSplits(KEY, envelope([SPLIT, { ...SPLIT, id: "R1", ticker: "BRK.A", split_from: 20, split_to: 1, adjustment_type: "reverse_split" }]));
    expect(p.rows).toBe(2);
    expect(p.rejects).toEqual([]);
    expect(p.actions).toEqual([
      { kind: "split", id: "E90a77bd", symbol: "NVDA", date: "2024-06-10", splitFrom: 1, splitTo: 10, adjustmentType: "forward_split" },
      { kind: "split", id: "R1", symbol: "BRK.A", date: "2024-06-10", splitFrom: 20, splitTo: 1, adjustmentType: "reverse_split" },
    ]);
  });

  it("reads an empty day (results missing, null or []) as no actions", () => {
    for (const body of [encode({ status: "OK", request_id: "r" }), envelope(null), envelope([])]) {
      expect(parseSplits(KEY, body)).toEqual({ actions: [], rejects: [], rows: 0 });
    }
  });

  it("rejects a row missing every field with every reason, keeping the row and its position", () => {
    const p = parseSplits(KEY, envelope([SPLIT, { adjustment_type: "forward_split" }]));
    expect(p.actions).toHaveLength(1);
    expect(p.rejects).toEqual([
      {
        index: 1,
        symbol: undefined,
        date: undefined,
        reasons: ["id is missing", "ticker is missing", "execution_date is missing", "split_from is missing", "split_to is missing"],
        row: { adjustment_type: "forward_split" },
      },
    ]);
  });

  it.each([
    ["an id that is not a string", { id: 42 }, "id 42 is not a string of at most 200 characters"],
    ["an empty id", { id: "" }, "id is missing"],
    ["an invalid ticker", { ticker: "NV DA;$where" }, 'ticker "NV DA;$where" is not a valid symbol'],
    ["an impossible execution date", { execution_date: "2024-02-30" }, 'execution_date "2024-02-30" is not a real date YYYY-MM-DD'],
    ["an execution date in another format", { execution_date: "06/10/2024" }, 'execution_date "06/10/2024" is not a real date YYYY-MM-DD'],
    ["a zero split_from", { split_from: 0 }, "split_from 0 is not greater than 0"],
    ["a negative split_to", { split_to: -10 }, "split_to -10 is not greater than 0"],
    ["a split_to given as text", { split_to: "10" }, 'split_to "10" is not a number'],
    ["a null split_from", { split_from: null }, "split_from is missing"],
    ["a missing adjustment type", { adjustment_type: undefined }, "adjustment_type is missing"],
    ["an unknown adjustment type", { adjustment_type: "spin_off" }, 'adjustment_type "spin_off" is not one of forward_split, reverse_split, stock_dividend'],
  ])("rejects a split with %s", (_what, change, reason) => {
    const p = parseSplits(KEY, envelope([{ ...SPLIT, ...change }]));
    expect(p.actions).toEqual([]);
    expect(p.rejects).toHaveLength(1);
    expect(p.rejects[0]!.reasons).toEqual([reason]);
  });

  it("rejects a non-finite ratio (JSON cannot carry one, a hand-made object can carry a huge exponent)", () => {
    const body = Buffer.from(`{"status":"OK","results":[{"id":"X","ticker":"A","execution_date":"2024-06-10","split_from":1e999,"split_to":2,"adjustment_type":"forward_split"}]}`);
    expect(parseSplits(KEY, body).rejects[0]!.reasons).toEqual(["split_from Infinity is not a number"]);
  });

  it("rejects a row that is not an object", () => {
    const p = parseSplits(KEY, envelope(["NVDA 10:1", null]));
    expect(p.rejects.map((r) => r.index)).toEqual([0, 1]);
    expect(p.rejects[0]!.reasons[0]).toBe("row is not an object");
    expect(p.rejects[0]!.reasons).toContain("id is missing");
  });

  it.each([
    ["not JSON", Buffer.from('{"status":"OK","resu'), /not valid JSON/],
    ["an array", encode([SPLIT]), /not a Polygon response object/],
    ["an error envelope", encode({ status: "ERROR", error: "Unknown API Key" }), /status "ERROR"/],
    ["results that are not an array", encode({ status: "OK", results: { NVDA: SPLIT } }), /"results" is not an array/],
  ])("throws RawObjectError naming the object when it is %s", (_what, body, message) => {
    expect(() => parseSplits(KEY, body)).toThrow(RawObjectError);
    expect(() => parseSplits(KEY, body)).toThrow(message);
    expect(() => parseSplits(KEY, body)).toThrow(KEY);
  });
});

describe("parseDividends", () => {
  const DKEY = "raw/polygon/dividends/date=2025-08-11/page-0001.json";

  it("keeps every documented field it uses, and only those", () => {
    const p = parseDividends(DKEY, envelope([DIVIDEND]));
    expect(p).toEqual({
      rows: 1,
      rejects: [],
      actions: [
        {
          kind: "dividend",
          id: "Ed2c9da6",
          symbol: "AAPL",
          date: "2025-08-11",
          cashAmount: 0.26,
          currency: "USD",
          declarationDate: "2025-07-31",
          recordDate: "2025-08-11",
          payDate: "2025-08-14",
          frequency: 4,
          distributionType: "recurring",
        },
      ],
    });
  });

  it("accepts a dividend with only the required fields, and drops optional ones that are not valid", () => {
    const minimal = { id: "D1", ticker: "MSFT", ex_dividend_date: "2025-02-20", cash_amount: 0.83 };
    const junk = { ...minimal, id: "D2", declaration_date: "soon", record_date: 20250221, pay_date: "2025-02-30", frequency: -1, distribution_type: "<b>x</b>", currency: null };
    const p = parseDividends(DKEY, envelope([minimal, junk]));
    expect(p.rejects).toEqual([]);
    expect(p.actions).toEqual([
      { kind: "dividend", id: "D1", symbol: "MSFT", date: "2025-02-20", cashAmount: 0.83 },
      { kind: "dividend", id: "D2", symbol: "MSFT", date: "2025-02-20", cashAmount: 0.83 },
    ]);
  });

  it("upper-cases a lower-case currency code", () => {
    expect(parseDividends(DKEY, envelope([{ ...DIVIDEND, currency: "cad" }])).actions[0]).toMatchObject({ currency: "CAD" });
  });

  it("rejects a row missing every required field with every reason", () => {
    const p = parseDividends(DKEY, envelope([{ currency: "USD" }]));
    expect(p.rejects[0]!.reasons).toEqual(["id is missing", "ticker is missing", "ex_dividend_date is missing", "cash_amount is missing"]);
  });

  it.each([
    ["a missing id", { id: undefined }, "id is missing"],
    ["an invalid ticker", { ticker: "" }, 'ticker "" is not a valid symbol'],
    ["an impossible ex-date", { ex_dividend_date: "2025-13-01" }, 'ex_dividend_date "2025-13-01" is not a real date YYYY-MM-DD'],
    ["a zero cash amount", { cash_amount: 0 }, "cash_amount 0 is not greater than 0"],
    ["a negative cash amount", { cash_amount: -0.26 }, "cash_amount -0.26 is not greater than 0"],
    ["a cash amount given as text", { cash_amount: "0.26" }, 'cash_amount "0.26" is not a number'],
    ["a currency that is not a code", { currency: "US dollars" }, 'currency "US dollars" is not a three-letter currency code'],
  ])("rejects a dividend with %s", (_what, change, reason) => {
    const p = parseDividends(DKEY, envelope([{ ...DIVIDEND, ...change }]));
    expect(p.actions).toEqual([]);
    expect(p.rejects[0]).toMatchObject({ index: 0, reasons: [reason] });
  });

  it("names the symbol and date of a rejected row when they are readable", () => {
    const p = parseDividends(DKEY, envelope([{ ...DIVIDEND, cash_amount: null }]));
    expect(p.rejects[0]).toMatchObject({ symbol: "AAPL", date: "2025-08-11", reasons: ["cash_amount is missing"] });
  });
});
