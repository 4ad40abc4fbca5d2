import { describe, expect, it } from "vitest";
import { checkParameterNames, parseNoQuery, parseBarsQuery, parseSymbol, prefersCsv } from "./api-params";

const q = (s: string) => new URLSearchParams(s);
const refused = (r: { ok: boolean; error?: string }) => {
  expect(r.ok).toBe(false);
  return (r as { error: string }).error;
};

describe("the read API's bar parameters", () => {
  it("default to the split basis, JSON and the whole history", () => {
    expect(parseBarsQuery(q(""))).toEqual({ ok: true, value: { adjustment: "split", format: "json" } });
  });

  it("read a real window, each basis and each format", () => {
    expect(parseBarsQuery(q("from=2024-01-02&to=2024-06-28&adjustment=all&format=csv"))).toEqual({
      ok: true,
      value: { from: "2024-01-02", to: "2024-06-28", adjustment: "all", format: "csv" },
    });
    for (const a of ["raw", "split", "all"]) expect(parseBarsQuery(q(`adjustment=${a}`))).toMatchObject({ ok: true, value: { adjustment: a } });
    expect(parseBarsQuery(q("from=2024-06-07&to=2024-06-07"))).toMatchObject({ ok: true, value: { from: "2024-06-07", to: "2024-06-07" } });
  });

  it("accept a huge range: the data bounds it", () => {
    expect(parseBarsQuery(q("from=1900-01-01&to=9999-12-31"))).toMatchObject({ ok: true, value: { from: "1900-01-01", to: "9999-12-31" } });
  });

  it("refuse impossible, malformed and absurd dates with a sentence naming the parameter", () => {
    expect(refused(parseBarsQuery(q("from=2024-02-30")))).toBe('from must be a real date written as YYYY-MM-DD (e.g. 2024-06-07); got "2024-02-30".');
    expect(refused(parseBarsQuery(q("to=2024-6-7")))).toMatch(/^to must be a real date/);
    expect(refused(parseBarsQuery(q("to=yesterday")))).toMatch(/^to must be a real date/);
    expect(refused(parseBarsQuery(q("from=")))).toMatch(/^from must be a real date .*got ""/);
    expect(refused(parseBarsQuery(q("from=%202024-06-07")))).toMatch(/^from must be a real date/);
    expect(refused(parseBarsQuery(q("from=0000-01-01")))).toBe("from 0000-01-01 is before 1900-01-01, the earliest date this API accepts.");
    expect(refused(parseBarsQuery(q("to=99999-01-01")))).toMatch(/^to must be a real date .*"99999-01-01"/);
    expect(refused(parseBarsQuery(q("to=1899-12-31")))).toMatch(/before 1900-01-01/);
    expect(refused(parseBarsQuery(q(`from=${encodeURIComponent('{"$gt":""}')}`)))).toBe(
      'from must be a real date written as YYYY-MM-DD (e.g. 2024-06-07); got "{\\"$gt\\":\\"\\"}".',
    );
    expect(refused(parseBarsQuery(q("from=2024-06-07%00")))).toMatch(/got "2024-06-07\\u0000"/);
  });

  it("refuse from after to", () => {
    expect(refused(parseBarsQuery(q("from=2024-06-10&to=2024-06-07")))).toBe("from (2024-06-10) is after to (2024-06-07): the range is empty; swap them.");
  });

  it("refuse an adjustment or format outside their lists, operators included, quoting them safely", () => {
    expect(refused(parseBarsQuery(q("adjustment=$where")))).toBe('adjustment must be raw, split or all; got "$where".');
    expect(refused(parseBarsQuery(q("adjustment=Split")))).toMatch(/got "Split"/);
    expect(refused(parseBarsQuery(q("adjustment=__proto__")))).toMatch(/got "__proto__"/);
    expect(refused(parseBarsQuery(q(`adjustment=${"x".repeat(10_000)}`)))).toMatch(/got "x{40}…"\.$/);
    expect(refused(parseBarsQuery(q("format=xml")))).toBe('format must be json or csv; got "xml".');
  });

  it("refuse unknown parameters, bracket operators and size limits, naming them", () => {
    expect(refused(parseBarsQuery(q("limit=99999999999")))).toBe('Unknown query parameter "limit": this endpoint takes from, to, adjustment and format.');
    expect(refused(parseBarsQuery(q("adjustment[$ne]=raw&from[$gt]=")))).toBe(
      'Unknown query parameters "adjustment[$ne]", "from[$gt]": this endpoint takes from, to, adjustment and format.',
    );
    expect(refused(parseBarsQuery(q("$where=1")))).toMatch(/^Unknown query parameter "\$where"/);
    const many = Array.from({ length: 8 }, (_, i) => `p${i}=1`).join("&");
    expect(refused(parseBarsQuery(q(many)))).toMatch(/"p0", "p1", "p2", "p3", "p4" and 3 more:/);
  });

  it("refuse a parameter given twice (an array), even with the same value", () => {
    expect(refused(parseBarsQuery(q("adjustment=raw&adjustment=all")))).toBe('The query parameter "adjustment" was given 2 times: give it once.');
    expect(refused(parseBarsQuery(q("from=2024-01-02&from=2024-01-02")))).toMatch(/"from" was given 2 times/);
  });

  it("give CSV when Accept ranks text/csv above JSON, and let format win over Accept", () => {
    expect(parseBarsQuery(q(""), "text/csv")).toMatchObject({ ok: true, value: { format: "csv" } });
    expect(parseBarsQuery(q("format=json"), "text/csv")).toMatchObject({ ok: true, value: { format: "json" } });
    expect(parseBarsQuery(q("format=csv"), "application/json")).toMatchObject({ ok: true, value: { format: "csv" } });
    expect(prefersCsv("text/csv;q=0.9, application/json;q=0.5")).toBe(true);
    expect(prefersCsv("application/json, text/csv")).toBe(false);
    expect(prefersCsv("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")).toBe(false);
    expect(prefersCsv("text/csv;q=0")).toBe(false);
    expect(prefersCsv("text/csv;q=NaN")).toBe(false);
    expect(prefersCsv(null)).toBe(false);
  });
});

describe("the read API's symbol and other endpoints' parameters", () => {
  it("take tickers as Polygon spells them", () => {
    for (const s of ["NVDA", "BRK.A", "X:BTCUSD", "E2EA"]) expect(parseSymbol(s)).toEqual({ ok: true, value: s });
  });

  it("refuse operators, injections, paths and floods with the ticker rule", () => {
    for (const s of ['{"$gt":""}', "$where", "../etc", "A B", "E2EA\u0000", "\u202eLPAA", "A".repeat(21), "<script>"]) {
      expect(refused(parseSymbol(s))).toMatch(/ is not a valid symbol: a ticker is 1-20 letters/);
    }
    expect(refused(parseSymbol("A".repeat(5000)))).toMatch(/^"A{40}…" is not a valid symbol/);
    expect(refused(parseSymbol(""))).toBe("The symbol is missing from the address.");
  });

  it("corporate actions take no query parameter at all", () => {
    expect(parseNoQuery(q(""))).toEqual({ ok: true, value: {} });
    expect(refused(parseNoQuery(q("adjustment=raw")))).toBe('Unknown query parameter "adjustment": this endpoint takes no query parameters.');
  });

  it("report unknown names before repeats, and nothing when all is well", () => {
    expect(checkParameterNames(q("a=1&a=2&b=1"), ["a"])).toMatch(/^Unknown query parameter "b"/);
    expect(checkParameterNames(q("a=1"), ["a"])).toBeUndefined();
  });
});
