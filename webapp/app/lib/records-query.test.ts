import { describe, expect, it } from "vitest";
import { parseRecordsQuery, recordsSearch } from "./records-query";

describe("the records view in the URL", () => {
  it("round-trips filters, sort and page through the URL", () => {
    const { query, problems } = parseRecordsQuery(new URLSearchParams("symbol=BRK.A&from=2025-01-01&to=2025-02-01&source=manual&sort=close&dir=asc&page=3&size=25"));
    expect(problems).toEqual([]);
    expect(query).toEqual({ symbol: "BRK.A", from: "2025-01-01", to: "2025-02-01", source: "manual", sort: "close", dir: "asc", page: 3, size: 25 });
    expect(recordsSearch(query)).toBe("?symbol=BRK.A&from=2025-01-01&to=2025-02-01&source=manual&sort=close&dir=asc&page=3&size=25");
    expect(recordsSearch(query, { page: 1 })).not.toContain("page=");
  });

  it("drops and reports filters that do not parse, instead of passing them to the database", () => {
    const { query, problems } = parseRecordsQuery(new URLSearchParams("symbol=$where&from=yesterday&source=x&sort=__proto__&page=-1&size=9999"));
    expect(query).toEqual({ sort: "date", dir: "desc", page: 1, size: 50 });
    expect(problems).toHaveLength(2);
  });
});
