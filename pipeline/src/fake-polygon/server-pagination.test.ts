import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { tradingDaysBetween } from "../calendar/nyse.js";
import { startFakePolygon, type Bar, type FakePolygon } from "./server.js";

const KEY = "test-key";
const BASE = "http://api.massive.test";
let fake: FakePolygon;

beforeAll(async () => {
  fake = await startFakePolygon({ today: () => "2025-01-15", rangePageSize: 50, nextUrlBase: `${BASE}/`, universeSize: 20 });
});
afterAll(async () => {
  await fake.close();
});

interface Page {
  results?: Bar[];
  next_url?: string;
  resultsCount: number;
}

/** Follows next_url the way the client must: its path and query against our own base URL. */
async function collect(firstPath: string, auth: "header" | "query"): Promise<{ bars: Bar[]; pages: Page[] }> {
  const pages: Page[] = [];
  let path: string | undefined = firstPath;
  while (path !== undefined) {
    const url = auth === "query" ? `${fake.url}${path}${path.includes("?") ? "&" : "?"}apiKey=${KEY}` : `${fake.url}${path}`;
    const res = await fetch(url, { headers: auth === "header" ? { Authorization: `Bearer ${KEY}` } : {} });
    expect(res.status).toBe(200);
    const page = (await res.json()) as Page;
    pages.push(page);
    if (page.next_url === undefined) break;
    const next = new URL(page.next_url);
    path = next.pathname + next.search;
  }
  return { bars: pages.flatMap((p) => p.results ?? []), pages };
}

describe("fake Polygon server: range pagination", () => {
  it("returns every bar exactly once across pages, with next_url on nextUrlBase, a cursor and no key", async () => {
    const { bars, pages } = await collect("/v2/aggs/ticker/AAPL/range/1/day/2022-01-01/2024-12-31?sort=asc&adjusted=true", "header");
    const days = tradingDaysBetween("2022-01-01", "2024-12-31");
    expect(bars).toHaveLength(days.length);
    expect(new Set(bars.map((b) => b.t)).size).toBe(days.length);
    for (let i = 1; i < bars.length; i++) expect(bars[i]!.t).toBeGreaterThan(bars[i - 1]!.t);
    expect(pages.length).toBe(Math.ceil(days.length / 50));
    for (const [i, page] of pages.entries()) {
      if (page.next_url === undefined) {
        expect(i).toBe(pages.length - 1);
        continue;
      }
      expect(page.resultsCount).toBe(50);
      expect(page.next_url.startsWith(`${BASE}/v2/aggs/ticker/AAPL/range/1/day/`)).toBe(true);
      expect(page.next_url).not.toMatch(/apiKey|test-key/);
      const next = new URL(page.next_url);
      expect(next.searchParams.get("cursor")).toMatch(/^[A-Za-z0-9_-]+$/);
      expect([...next.searchParams.keys()]).toEqual(["cursor"]);
      const [from, to] = next.pathname.split("/").slice(-2);
      expect(from).toBe(String(pages[i + 1]!.results![0]!.t));
      expect(to).toBe("2024-12-31");
    }
  });

  it("matches a single unpaginated response", async () => {
    const whole = await startFakePolygon({ today: () => "2025-01-15", universeSize: 20 });
    try {
      const res = await fetch(`${whole.url}/v2/aggs/ticker/AAPL/range/1/day/2022-01-01/2024-12-31?sort=asc`, {
        headers: { Authorization: `Bearer ${KEY}` },
      });
      const single = (await res.json()) as Page;
      expect(single.next_url).toBeUndefined();
      const { bars } = await collect("/v2/aggs/ticker/AAPL/range/1/day/2022-01-01/2024-12-31?sort=asc", "header");
      expect(bars).toEqual(single.results);
    } finally {
      await whole.close();
    }
  });

  it("never puts the caller's query key into next_url, and pages by min(limit, rangePageSize)", async () => {
    const { bars, pages } = await collect("/v2/aggs/ticker/MSFT/range/1/day/2024-01-01/2024-12-31?sort=asc&limit=30", "query");
    expect(bars).toHaveLength(tradingDaysBetween("2024-01-01", "2024-12-31").length);
    expect(pages[0]!.resultsCount).toBe(30);
    for (const p of pages) if (p.next_url) expect(p.next_url).not.toContain("apiKey");
    const follow = fake.requests.filter((r) => r.path.startsWith("/v2/aggs/ticker/MSFT/") && r.query.cursor !== undefined);
    expect(follow.length).toBe(pages.length - 1);
    for (const r of follow) expect(Object.keys(r.query).sort()).toEqual(["apiKey", "cursor"]);
  });

  it("paginates sort=desc by rewriting the upper bound, still returning every bar once", async () => {
    const { bars, pages } = await collect("/v2/aggs/ticker/TSLA/range/1/day/2023-01-01/2024-06-30?sort=desc", "header");
    const days = tradingDaysBetween("2023-01-01", "2024-06-30");
    expect(pages.length).toBeGreaterThan(1);
    expect(bars).toHaveLength(days.length);
    for (let i = 1; i < bars.length; i++) expect(bars[i]!.t).toBeLessThan(bars[i - 1]!.t);
  });

  it("rejects a cursor that is not one of its own with 400", async () => {
    const res = await fetch(`${fake.url}/v2/aggs/ticker/AAPL/range/1/day/2024-01-01/2024-12-31?cursor=%%%`, {
      headers: { Authorization: `Bearer ${KEY}` },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ status: "ERROR" });
  });
});
