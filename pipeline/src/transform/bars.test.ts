import { describe, expect, it } from "vitest";
import { RawObjectError } from "../errors.js";
import { parseAggregates, type ParseOptions } from "./bars.js";

// Stamps written out from the New York offsets (EST = UTC-5, EDT = UTC-4), not computed by the code under test.
// DST began 2024-03-10 and ended 2024-11-03.
const STAMPS = {
  // range bars: 00:00 New York time; grouped bars: 16:00 New York time
  "2024-03-08": { range: Date.UTC(2024, 2, 8, 5), grouped: Date.UTC(2024, 2, 8, 21) }, // Fri, EST
  "2024-03-11": { range: Date.UTC(2024, 2, 11, 4), grouped: Date.UTC(2024, 2, 11, 20) }, // Mon, EDT
  "2024-11-01": { range: Date.UTC(2024, 10, 1, 4), grouped: Date.UTC(2024, 10, 1, 20) }, // Fri, EDT
  "2024-11-04": { range: Date.UTC(2024, 10, 4, 5), grouped: Date.UTC(2024, 10, 4, 21) }, // Mon, EST
} as const;
const SATURDAY_RANGE = Date.UTC(2024, 2, 9, 5); // 2024-03-09 00:00 EST
const JULY_4_RANGE = Date.UTC(2024, 6, 4, 4); // Independence Day 2024, 00:00 EDT

const KEY = "raw/polygon/grouped/date=2024-03-11/grouped.json";
const ALL: ParseOptions = { tickers: "*" };

const encode = (o: unknown) => Buffer.from(typeof o === "string" ? o : JSON.stringify(o));
const groupedBody = (results: unknown, extra: Record<string, unknown> = {}) =>
  encode({ queryCount: 1, resultsCount: 1, adjusted: true, results, status: "OK", request_id: "req-1", count: 1, ...extra });
const rangeBody = (ticker: string, results: unknown, extra: Record<string, unknown> = {}) =>
  encode({ ticker, queryCount: 1, resultsCount: 1, adjusted: true, results, status: "OK", request_id: "req-2", ...extra });

/** A valid grouped row for AAPL on 2024-03-11. */
const row = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  T: "AAPL",
  v: 52_345_678.25,
  vw: 172.4,
  o: 172.1,
  c: 172.9,
  h: 173.5,
  l: 171.6,
  t: STAMPS["2024-03-11"].grouped,
  n: 612_345,
  ...over,
});
const without = (key: string, over: Record<string, unknown> = {}) => {
  const r = row(over);
  delete r[key];
  return r;
};

describe("parseAggregates: readable objects", () => {
  it("a grouped object takes each row's symbol from T and maps o/h/l/c/v/vw/n/otc", () => {
    const body = groupedBody([row(), row({ T: "XYZQ", otc: true, v: 0.5, vw: 1.25, o: 1.2, h: 1.3, l: 1.1, c: 1.25, n: 3 })]);
    const out = parseAggregates(KEY, body, { ...ALL, expectedDate: "2024-03-11" });
    expect(out.rejects).toEqual([]);
    expect(out.rows).toBe(2);
    expect(out.bars).toStrictEqual([
      { symbol: "AAPL", date: "2024-03-11", open: 172.1, high: 173.5, low: 171.6, close: 172.9, volume: 52_345_678.25, vwap: 172.4, transactions: 612_345 },
      { symbol: "XYZQ", date: "2024-03-11", open: 1.2, high: 1.3, low: 1.1, close: 1.25, volume: 0.5, vwap: 1.25, transactions: 3, otc: true },
    ]);
  });

  it("a range object takes the symbol from the envelope's ticker", () => {
    const results = (["2024-03-08", "2024-03-11"] as const).map((d) => without("T", { t: STAMPS[d].range }));
    const out = parseAggregates("k", rangeBody("BRK.A", results), ALL);
    expect(out.bars.map((b) => [b.symbol, b.date])).toEqual([
      ["BRK.A", "2024-03-08"],
      ["BRK.A", "2024-03-11"],
    ]);
  });

  it("optional fields absent from the row are absent from the bar, and a fractional or zero volume is accepted", () => {
    const out = parseAggregates(KEY, groupedBody([without("vw", { n: undefined, v: 0 }), row({ v: 1234.5678 })]), ALL);
    expect(out.rejects).toEqual([]);
    expect(Object.keys(out.bars[0]!).sort()).toEqual(["close", "date", "high", "low", "open", "symbol", "volume"]);
    expect(out.bars[0]!.volume).toBe(0);
    expect(out.bars[1]!.volume).toBe(1234.5678);
  });

  it.each(Object.entries(STAMPS))("%s: a range bar (00:00 ET) and a grouped bar (16:00 ET) land on the same New York date", (date, stamps) => {
    const range = parseAggregates("k", rangeBody("AAPL", [without("T", { t: stamps.range })]), ALL);
    const grouped = parseAggregates("k", groupedBody([row({ t: stamps.grouped })]), { ...ALL, expectedDate: date });
    expect(range.bars.map((b) => b.date)).toEqual([date]);
    expect(grouped.bars.map((b) => b.date)).toEqual([date]);
  });

  it("an instant after midnight UTC but before midnight in New York belongs to the New York day", () => {
    const lateEvening = Date.UTC(2024, 2, 12, 1, 30); // 2024-03-11 21:30 EDT
    expect(parseAggregates("k", groupedBody([row({ t: lateEvening })]), ALL).bars.map((b) => b.date)).toEqual(["2024-03-11"]);
  });

  it.each([
    ["absent", {}],
    ["null", { results: null }],
  ])("`results` %s (a weekend or holiday) gives no bars, no rejects, 0 rows", (_name, extra) => {
    const body = encode({ queryCount: 0, resultsCount: 0, adjusted: true, status: "OK", request_id: "r", ...extra });
    expect(parseAggregates(KEY, body, ALL)).toEqual({ bars: [], rejects: [], rows: 0, adjusted: true });
  });

  it('a "DELAYED" response is read like an "OK" one', () => {
    expect(parseAggregates(KEY, groupedBody([row()], { status: "DELAYED" }), ALL).bars).toHaveLength(1);
  });
});

describe("parseAggregates: the envelope's basis (adjusted)", () => {
  it("reports adjusted=false (as traded) and adjusted=true (split-adjusted) as the envelope says", () => {
    expect(parseAggregates(KEY, groupedBody([row()], { adjusted: false }), ALL).adjusted).toBe(false);
    expect(parseAggregates(KEY, groupedBody([row()], { adjusted: true }), ALL).adjusted).toBe(true);
    expect(parseAggregates("k", rangeBody("AAPL", [], { adjusted: false }), ALL).adjusted).toBe(false);
  });

  it("reports undefined when the field is absent, or is not a boolean (the basis is unknown)", () => {
    expect(parseAggregates(KEY, groupedBody([row()], { adjusted: undefined }), ALL).adjusted).toBeUndefined();
    expect(parseAggregates(KEY, groupedBody([row()], { adjusted: "false" }), ALL).adjusted).toBeUndefined();
    expect(parseAggregates(KEY, groupedBody([row()], { adjusted: 0 }), ALL).adjusted).toBeUndefined();
  });

  it("does not change which rows are read", () => {
    const asTraded = parseAggregates(KEY, groupedBody([row()], { adjusted: false }), ALL);
    const adjusted = parseAggregates(KEY, groupedBody([row()], { adjusted: true }), ALL);
    expect(asTraded.bars).toEqual(adjusted.bars);
  });
});

describe("parseAggregates: scope", () => {
  it("rows of tickers outside the watchlist are skipped, not rejected, even when invalid", () => {
    const body = groupedBody([row({ T: "MSFT", v: -1 }), row(), row({ T: "bad sym", h: "x" }), row({ T: "TSLA" })]);
    const out = parseAggregates(KEY, body, { tickers: ["AAPL", "TSLA"] });
    expect(out.rejects).toEqual([]);
    expect(out.bars.map((b) => b.symbol)).toEqual(["AAPL", "TSLA"]);
    expect(out.rows).toBe(4);
  });

  it("from/to keep only bars dated inside the inclusive range; rows outside it are not rejected", () => {
    const results = [
      without("T", { t: STAMPS["2024-03-08"].range, v: -1 }), // invalid but out of range
      without("T", { t: STAMPS["2024-03-11"].range }),
      without("T", { t: STAMPS["2024-11-01"].range, l: 500 }), // invalid and in range
      without("T", { t: STAMPS["2024-11-04"].range }),
    ];
    const out = parseAggregates("k", rangeBody("AAPL", results), { tickers: ["AAPL"], from: "2024-03-11", to: "2024-11-01" });
    expect(out.bars.map((b) => b.date)).toEqual(["2024-03-11"]);
    expect(out.rejects.map((r) => [r.index, r.date])).toEqual([[2, "2024-11-01"]]);
    expect(out.rows).toBe(4);
  });

  it("only `from`, or only `to`, filters one side", () => {
    const results = (["2024-03-08", "2024-03-11", "2024-11-01"] as const).map((d) => without("T", { t: STAMPS[d].range }));
    const body = rangeBody("AAPL", results);
    expect(parseAggregates("k", body, { ...ALL, from: "2024-03-11" }).bars.map((b) => b.date)).toEqual(["2024-03-11", "2024-11-01"]);
    expect(parseAggregates("k", body, { ...ALL, to: "2024-03-11" }).bars.map((b) => b.date)).toEqual(["2024-03-08", "2024-03-11"]);
  });
});

describe("parseAggregates: rejected rows", () => {
  it.each<[string, unknown, string[], ParseOptions?]>([
    [
      "high below low",
      row({ o: 10, c: 10, h: 9, l: 11 }),
      ["low (l) (11) must not be above open or close", "high (h) (9) must not be below open or close", "low (l) (11) must not be above high (9)"],
    ],
    ["low above open", row({ o: 10, c: 10.5, h: 11, l: 10.2 }), ["low (l) (10.2) must not be above open or close"]],
    ["high below close", row({ o: 10, c: 10.5, h: 10.4, l: 9 }), ["high (h) (10.4) must not be below open or close"]],
    ["negative volume", row({ v: -5 }), ["volume (v) must be 0 or more"]],
    ['"NaN" as a price', row({ o: "NaN" }), ["open (o) must be a number"]],
    ["a number written as a string", row({ c: "172.9", v: "100" }), ["close (c) must be a number", "volume (v) must be a number"]],
    ["a zero price", row({ l: 0 }), ["low (l) must be greater than 0"]],
    ["a missing high", without("h"), ["high (h) is required"]],
    ["a null volume", row({ v: null }), ["volume (v) is required"]],
    ["a missing time stamp", without("t"), ["t (time stamp) is missing or not whole milliseconds"]],
    ["a fractional time stamp", row({ t: STAMPS["2024-03-11"].grouped + 0.5 }), ["t (time stamp) is missing or not whole milliseconds"]],
    ["a time stamp as a string", row({ t: String(STAMPS["2024-03-11"].grouped) }), ["t (time stamp) is missing or not whole milliseconds"]],
    [
      "a bar stamped for another date",
      row({ t: STAMPS["2024-03-08"].grouped }),
      ["stamped for 2024-03-08, but the object is for 2024-03-11"],
      { tickers: "*", expectedDate: "2024-03-11" },
    ],
    ["a bar on a Saturday", row({ t: SATURDAY_RANGE }), ["2024-03-09 is not an NYSE trading day"]],
    ["a bar on a holiday", row({ t: JULY_4_RANGE }), ["2024-07-04 is not an NYSE trading day"]],
    ["a bad symbol", row({ T: "BAD SYM" }), ['ticker "BAD SYM" is not a valid symbol']],
    ["no ticker at all", without("T"), ["ticker (T) is missing"]],
    ["a negative vw", row({ vw: -1 }), ["vwap (vw) must be a number greater than 0"]],
    ["a fractional n", row({ n: 1.5 }), ["transactions (n) must be a whole number, 0 or more"]],
    ['otc as "yes"', row({ otc: "yes" }), ["otc (otc) must be true or false"]],
    ["a time stamp beyond any date", row({ t: 1e20 }), ["t (time stamp) 100000000000000000000 is not an instant between the years 0001 and 9999"]],
    ["a time stamp before the year 1", row({ t: -1e17 }), ["t (time stamp) -100000000000000000 is not an instant between the years 0001 and 9999"]],
    ["an absurd price", row({ h: 1e308 }), ["high (h) must be at most 10,000,000,000,000"]],
    ["a long bad symbol, quoted short", row({ T: "A ".repeat(5000) }), [`ticker "${"A ".repeat(19)}A… (10002 characters) is not a valid symbol`]],
  ])("%s is rejected with its reasons", (_name, bad, reasons, opts = ALL) => {
    const out = parseAggregates(KEY, groupedBody([row({ T: "GOOD" }), bad]), opts);
    expect(out.bars.map((b) => b.symbol)).toEqual(["GOOD"]);
    expect(out.rejects).toHaveLength(1);
    expect(out.rejects[0]!.reasons).toEqual(reasons);
    expect(out.rejects[0]!.index).toBe(1);
    expect(out.rejects[0]!.row).toEqual(bad);
  });

  it("every problem of a row is listed, with its symbol and date", () => {
    const out = parseAggregates(KEY, groupedBody([row({ o: "x", v: -1, n: -2 })]), ALL);
    expect(out.rejects).toEqual([
      {
        index: 0,
        symbol: "AAPL",
        date: "2024-03-11",
        reasons: ["open (o) must be a number", "volume (v) must be 0 or more", "transactions (n) must be a whole number, 0 or more"],
        row: row({ o: "x", v: -1, n: -2 }),
      },
    ]);
  });

  it.each([
    ["a number", 42],
    ["null", null],
    ["a string", "AAPL"],
    ["an array", ["AAPL", 172.1]],
  ])("a row that is %s is rejected, even with a watchlist", (_name, bad) => {
    const out = parseAggregates(KEY, groupedBody([bad, row()]), { tickers: ["AAPL"] });
    expect(out.bars.map((b) => b.symbol)).toEqual(["AAPL"]);
    expect(out.rejects).toHaveLength(1);
    const [reject] = out.rejects;
    expect(reject!.index).toBe(0);
    expect(reject!.row).toEqual(bad);
    expect(reject!.reasons.slice(0, 3)).toEqual(["row is not an object", "ticker (T) is missing", "t (time stamp) is missing or not whole milliseconds"]);
    expect(reject!.reasons).toContain("open (o) is required");
  });

  it("in a range object a non-object row is rejected under the envelope's ticker", () => {
    const out = parseAggregates("k", rangeBody("AAPL", [null]), { tickers: ["AAPL"] });
    expect(out.rejects).toHaveLength(1);
    expect(out.rejects[0]!.symbol).toBe("AAPL");
    expect(out.rejects[0]!.reasons[0]).toBe("row is not an object");
  });
});

describe("parseAggregates: unreadable objects throw RawObjectError", () => {
  it.each([
    ["invalid JSON (a truncated body)", '{"status":"OK","results":[{"T":"AA', /is not valid JSON/],
    ["an empty body", "", /is not valid JSON/],
    ["a JSON array", "[]", /is not a Polygon response object/],
    ["JSON null", "null", /is not a Polygon response object/],
    ["a JSON number", "42", /is not a Polygon response object/],
    ['status "ERROR"', { status: "ERROR", error: "Unknown API Key" }, /has status "ERROR", not "OK"/],
    ["no status", { results: [] }, /has status undefined, not "OK"/],
    ["results as an object", { status: "OK", results: { AAPL: {} } }, /"results" is not an array/],
    ["results as a string", { status: "OK", results: "none" }, /"results" is not an array/],
  ])("%s", (_name, body, message) => {
    let error: unknown;
    try {
      parseAggregates(KEY, encode(body), ALL);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RawObjectError);
    const e = error as RawObjectError;
    expect(e.key).toBe(KEY);
    expect(e.message).toContain(KEY);
    expect(e.message).toMatch(message);
  });
});
