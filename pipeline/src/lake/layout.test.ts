import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import {
  actionsBatchKey,
  actionsDayKey,
  actionsDayPrefix,
  actionsPrefix,
  batchTickers,
  decodeTicker,
  encodeTicker,
  groupedKey,
  groupedPrefix,
  parseKey,
  rangePageKey,
  rangePrefix,
  tickersHash,
} from "./layout.js";

describe("lake layout", () => {
  it("builds the documented grouped-daily key and parses it back", () => {
    const key = groupedKey("polygon", "2025-01-03");
    expect(key).toBe("raw/polygon/grouped/date=2025-01-03/grouped.json");
    expect(parseKey(key)).toEqual({ kind: "grouped", feed: "polygon", date: "2025-01-03" });
    expect(key.startsWith(groupedPrefix("polygon"))).toBe(true);
  });

  it("builds the documented range-page key with a four-digit page and parses it back", () => {
    const key = rangePageKey("polygon", "AAPL", "2024-01-01", "2024-12-31", 1);
    expect(key).toBe("raw/polygon/range/ticker=AAPL/from=2024-01-01_to=2024-12-31/page-0001.json");
    expect(parseKey(key)).toEqual({
      kind: "range",
      feed: "polygon",
      ticker: "AAPL",
      from: "2024-01-01",
      to: "2024-12-31",
      page: 1,
    });
    expect(rangePageKey("polygon", "AAPL", "2024-01-01", "2024-12-31", 9999)).toMatch(/page-9999\.json$/);
  });

  it("keeps synthetic data apart from real data", () => {
    expect(groupedKey("synthetic", "2025-01-03")).toBe("raw/synthetic/grouped/date=2025-01-03/grouped.json");
    expect(groupedKey("synthetic", "2025-01-03").startsWith(rangePrefix("polygon"))).toBe(false);
    expect(parseKey(rangePageKey("synthetic", "MSFT", "2025-01-01", "2025-01-31", 2))?.feed).toBe("synthetic");
  });

  it("leaves a dotted ticker such as BRK.A readable in the key", () => {
    const key = rangePageKey("polygon", "BRK.A", "2025-01-01", "2025-01-31", 1);
    expect(key).toContain("/ticker=BRK.A/");
    expect(parseKey(key)).toMatchObject({ kind: "range", ticker: "BRK.A" });
  });

  it.each(["A/B", "BRK A", "X:Y", "a%b", "ÄÖ", "€", "🚀X", "..", "T?x=1&y", "(A)*!~'"])(
    "percent-encodes the odd ticker %j so the key stays safe, and decodes it back",
    (ticker) => {
      const key = rangePageKey("polygon", ticker, "2025-01-01", "2025-01-02", 3);
      const segment = key.split("/")[3] ?? "";
      expect(segment).toMatch(/^ticker=[A-Za-z0-9._%-]+$/);
      expect(key.split("/")).toHaveLength(6);
      expect(decodeTicker(encodeTicker(ticker))).toBe(ticker);
      expect(parseKey(key)).toEqual({ kind: "range", feed: "polygon", ticker, from: "2025-01-01", to: "2025-01-02", page: 3 });
    },
  );

  it("encodes with upper-case hex, one %XX per UTF-8 byte", () => {
    expect(encodeTicker("A/B")).toBe("A%2FB");
    expect(encodeTicker("é")).toBe("%C3%A9");
    expect(encodeTicker("*")).toBe("%2A");
  });

  it("builds prefixes that end on a boundary, so one ticker never matches another", () => {
    expect(rangePrefix("polygon")).toBe("raw/polygon/range/");
    expect(rangePrefix("polygon", "A")).toBe("raw/polygon/range/ticker=A/");
    expect(rangePageKey("polygon", "AA", "2025-01-01", "2025-01-02", 1).startsWith(rangePrefix("polygon", "A"))).toBe(false);
    expect(rangePrefix("polygon", "A", "2025-01-01", "2025-01-02")).toBe("raw/polygon/range/ticker=A/from=2025-01-01_to=2025-01-02/");
    expect(rangePrefix("polygon", "A", "2025-01-01")).toBe("raw/polygon/range/ticker=A/from=2025-01-01_to=");
    const key = rangePageKey("polygon", "A/B", "2025-01-01", "2025-01-02", 7);
    expect(key.startsWith(rangePrefix("polygon", "A/B", "2025-01-01", "2025-01-02"))).toBe(true);
  });

  it("refuses to build keys from bad input", () => {
    expect(() => groupedKey("polygon", "2025-02-30")).toThrow(RangeError);
    expect(() => groupedKey("polygon", "2025-1-3")).toThrow(RangeError);
    expect(() => groupedKey("other" as never, "2025-01-03")).toThrow(/unknown feed/);
    expect(() => rangePageKey("polygon", "", "2025-01-01", "2025-01-02", 1)).toThrow(/ticker/);
    expect(() => rangePageKey("polygon", "A", "2025-01-02", "2025-01-01", 1)).toThrow(/after/);
    expect(() => rangePageKey("polygon", "A", "2025-01-01", "2025-01-02", 0)).toThrow(/page/);
    expect(() => rangePageKey("polygon", "A", "2025-01-01", "2025-01-02", 10000)).toThrow(/page/);
    expect(() => rangePageKey("polygon", "A", "2025-01-01", "2025-01-02", 1.5)).toThrow(/page/);
    expect(() => rangePageKey("polygon", "A\uD800", "2025-01-01", "2025-01-02", 1)).toThrow(/Unicode/);
    expect(() => rangePrefix("polygon", undefined, "2025-01-01")).toThrow(/ticker/);
    expect(() => rangePrefix("polygon", "A", undefined, "2025-01-01")).toThrow(/from/);
  });

  it.each([
    ["a foreign path", "processed/polygon/grouped/date=2025-01-03/grouped.json"],
    ["an unknown feed", "raw/other/grouped/date=2025-01-03/grouped.json"],
    ["an impossible date", "raw/polygon/grouped/date=2025-02-30/grouped.json"],
    ["a wrong file name", "raw/polygon/grouped/date=2025-01-03/data.json"],
    ["a metadata sidecar", "raw/polygon/grouped/date=2025-01-03/grouped.json.meta.json"],
    ["a leading slash", "/raw/polygon/grouped/date=2025-01-03/grouped.json"],
    ["page 0000", "raw/polygon/range/ticker=A/from=2025-01-01_to=2025-01-02/page-0000.json"],
    ["a three-digit page", "raw/polygon/range/ticker=A/from=2025-01-01_to=2025-01-02/page-001.json"],
    ["from after to", "raw/polygon/range/ticker=A/from=2025-01-03_to=2025-01-02/page-0001.json"],
    ["an empty ticker", "raw/polygon/range/ticker=/from=2025-01-01_to=2025-01-02/page-0001.json"],
    ["broken percent-encoding", "raw/polygon/range/ticker=A%2/from=2025-01-01_to=2025-01-02/page-0001.json"],
    ["needless encoding of a safe character", "raw/polygon/range/ticker=%41/from=2025-01-01_to=2025-01-02/page-0001.json"],
    ["lower-case hex", "raw/polygon/range/ticker=A%2fB/from=2025-01-01_to=2025-01-02/page-0001.json"],
    ["an unencoded odd character", "raw/polygon/range/ticker=A B/from=2025-01-01_to=2025-01-02/page-0001.json"],
    ["an empty string", ""],
    ["an unknown actions endpoint", "raw/polygon/mergers/date=2025-01-03/page-0001.json"],
    ["an actions day without a page", "raw/polygon/splits/date=2025-01-03/splits.json"],
    ["an actions day page 0000", "raw/polygon/dividends/date=2025-01-03/page-0000.json"],
    ["an impossible actions date", "raw/polygon/splits/date=2025-02-29/page-0001.json"],
    ["an upper-case batch hash", "raw/polygon/splits/tickers=ABCDEF012345/from=2025-01-01_to=2025-01-02/page-0001.json"],
    ["a short batch hash", "raw/polygon/splits/tickers=abcdef01234/from=2025-01-01_to=2025-01-02/page-0001.json"],
    ["a ticker list instead of a hash", "raw/polygon/splits/tickers=AAPL,MSFT/from=2025-01-01_to=2025-01-02/page-0001.json"],
    ["a batch window from after to", "raw/polygon/dividends/tickers=abcdef012345/from=2025-01-03_to=2025-01-02/page-0001.json"],
    ["a range object under an actions endpoint", "raw/polygon/splits/ticker=AAPL/from=2025-01-01_to=2025-01-02/page-0001.json"],
  ])("parseKey rejects %s", (_label, key) => {
    expect(parseKey(key)).toBeNull();
  });

  describe("corporate actions", () => {
    it("builds the documented daily key of each endpoint and parses it back", () => {
      const splits = actionsDayKey("polygon", "splits", "2025-01-03", 1);
      expect(splits).toBe("raw/polygon/splits/date=2025-01-03/page-0001.json");
      expect(parseKey(splits)).toEqual({ kind: "actions-day", feed: "polygon", endpoint: "splits", date: "2025-01-03", page: 1 });
      const dividends = actionsDayKey("synthetic", "dividends", "2024-06-10", 12);
      expect(dividends).toBe("raw/synthetic/dividends/date=2024-06-10/page-0012.json");
      expect(parseKey(dividends)).toEqual({ kind: "actions-day", feed: "synthetic", endpoint: "dividends", date: "2024-06-10", page: 12 });
      expect(splits.startsWith(actionsDayPrefix("polygon", "splits", "2025-01-03"))).toBe(true);
      expect(splits.startsWith(actionsPrefix("polygon", "splits"))).toBe(true);
      expect(dividends.startsWith(actionsPrefix("synthetic", "splits"))).toBe(false);
    });

    it("names a ticker batch by the first 12 hex digits of the sha256 of its sorted, comma-joined tickers", () => {
      const expected = createHash("sha256").update("AAPL,BRK.A,MSFT").digest("hex").slice(0, 12);
      expect(tickersHash(["MSFT", "AAPL", "BRK.A"])).toBe(expected);
      expect(tickersHash(["BRK.A", "MSFT", "AAPL", "MSFT"])).toBe(expected);
      expect(batchTickers(["b", "B", "a"])).toEqual(["B", "a", "b"]);
      expect(tickersHash(["AAPL"])).not.toBe(tickersHash(["AAPL", "MSFT"]));
    });

    it("builds the documented back-fill batch key and parses it back", () => {
      const hash = tickersHash(["AAPL", "MSFT"]);
      const key = actionsBatchKey("polygon", "dividends", hash, "2024-01-02", "2024-06-28", 3);
      expect(key).toBe(`raw/polygon/dividends/tickers=${hash}/from=2024-01-02_to=2024-06-28/page-0003.json`);
      expect(parseKey(key)).toEqual({ kind: "actions-batch", feed: "polygon", endpoint: "dividends", tickersHash: hash, from: "2024-01-02", to: "2024-06-28", page: 3 });
      expect(key.startsWith(actionsPrefix("polygon", "dividends"))).toBe(true);
    });

    it("refuses to build actions keys from bad input", () => {
      expect(() => actionsDayKey("polygon", "mergers" as never, "2025-01-03", 1)).toThrow(/endpoint/);
      expect(() => actionsDayKey("polygon", "splits", "2025-13-01", 1)).toThrow(/date/);
      expect(() => actionsDayKey("polygon", "splits", "2025-01-03", 0)).toThrow(/page/);
      expect(() => actionsBatchKey("polygon", "splits", "AAPL", "2025-01-01", "2025-01-02", 1)).toThrow(/hash/);
      expect(() => actionsBatchKey("polygon", "splits", "abcdef012345", "2025-01-03", "2025-01-02", 1)).toThrow(/after/);
      expect(() => tickersHash([])).toThrow(/empty/);
      expect(() => tickersHash(["AAPL", ""])).toThrow(/ticker/);
    });
  });
});
