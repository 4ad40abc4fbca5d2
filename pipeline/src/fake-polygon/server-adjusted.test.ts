import { describe, it, expect, beforeAll, afterAll, beforeEach } from "vitest";
import { nyDateOf } from "../calendar/nyse.js";
import { adjustedFactor, asTradedFactor, startFakePolygon, syntheticActions, type Bar, type CorporateActionsOption, type FakePolygon } from "./server.js";
import { syntheticBar } from "./synthetic.js";

const AUTH = { Authorization: "Bearer test-key" };
const ACTIONS: CorporateActionsOption = {
  splits: [
    { ticker: "SYN0001", execution_date: "2024-06-10", split_from: 1, split_to: 10 },
    { ticker: "SYN0002", execution_date: "2024-09-16", split_from: 20, split_to: 1 },
  ],
  replaceSyntheticFor: ["SYN0001", "SYN0002"],
};
let clock = "2025-01-15";
let fake: FakePolygon;

beforeAll(async () => {
  fake = await startFakePolygon({ today: () => clock, universeSize: 40, corporateActions: ACTIONS });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  clock = "2025-01-15";
});

// Response bodies are checked field by field; the types say what each test reads.
interface Aggs {
  adjusted: boolean;
  results: Bar[];
}
interface OpenClose {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}
async function get<Body>(path: string): Promise<Body> {
  const res = await fetch(`${fake.url}${path}`, { headers: AUTH });
  expect(res.status).toBe(200);
  return (await res.json()) as Body;
}
const range = async (ticker: string, from: string, to: string, adjusted?: boolean): Promise<Map<string, Bar>> => {
  const q = adjusted === undefined ? "" : `?adjusted=${adjusted}`;
  const body = await get<Aggs>(`/v2/aggs/ticker/${ticker}/range/1/day/${from}/${to}${q}`);
  return new Map(body.results.map((b) => [nyDateOf(b.t), b]));
};
const groupedBar = async (date: string, ticker: string, adjusted: boolean): Promise<Bar> =>
  (await get<Aggs>(`/v2/aggs/grouped/locale/us/market/stocks/${date}?adjusted=${adjusted}`)).results.find((b) => b.T === ticker)!;
const values = (b: Bar) => ({ o: b.o, h: b.h, l: b.l, c: b.c, v: b.v, vw: b.vw, n: b.n });

function expectRelClose(actual: number, expected: number): void {
  expect(Math.abs(actual / expected - 1)).toBeLessThan(1e-6);
}

describe("fake Polygon server: as-traded bars (adjusted=false)", () => {
  it("steps by the split ratio between the last pre-split session and the execution date, for a 10-for-1 and a 1-for-20", async () => {
    const fwd = await range("SYN0001", "2024-06-03", "2024-06-14", false);
    expect(fwd.get("2024-06-07")!.c / fwd.get("2024-06-10")!.c).toBeGreaterThan(10 * 0.9);
    expect(fwd.get("2024-06-07")!.c / fwd.get("2024-06-10")!.c).toBeLessThan(10 * 1.1);
    const rev = await range("SYN0002", "2024-09-09", "2024-09-20", false);
    expect(rev.get("2024-09-13")!.c / rev.get("2024-09-16")!.c).toBeGreaterThan(0.05 * 0.9);
    expect(rev.get("2024-09-13")!.c / rev.get("2024-09-16")!.c).toBeLessThan(0.05 * 1.1);
  });

  it("is the curve times the splits still to come, prices rounded to 4 decimals after scaling and volume divided", async () => {
    const bars = await range("SYN0001", "2024-06-06", "2024-06-11", false);
    for (const [date, factor] of [
      ["2024-06-06", 10],
      ["2024-06-07", 10],
      ["2024-06-10", 1],
      ["2024-06-11", 1],
    ] as const) {
      const curve = syntheticBar("SYN0001", date, "demo", "midnight")!;
      const bar = bars.get(date)!;
      for (const k of ["o", "h", "l", "c"] as const) expect(Math.abs(bar[k] - curve[k] * factor)).toBeLessThanOrEqual(0.00005 * (factor + 1) + 1e-9);
      for (const k of ["o", "h", "l", "c", "vw"] as const) expect(Math.round(bar[k]! * 1e4) / 1e4).toBe(bar[k]);
      expect(Math.abs(bar.v - curve.v / factor)).toBeLessThanOrEqual(1);
      expect(bar.n).toBe(curve.n);
    }
  });

  it("gives the same values in grouped, range, prev and open-close for the same day", async () => {
    const bars = await range("SYN0001", "2024-06-06", "2024-06-11", false);
    for (const date of ["2024-06-07", "2024-06-10"]) {
      const g = await groupedBar(date, "SYN0001", false);
      expect(values(g)).toEqual(values(bars.get(date)!));
      const oc = await get<OpenClose>(`/v1/open-close/SYN0001/${date}?adjusted=false`);
      expect([oc.open, oc.high, oc.low, oc.close, oc.volume]).toEqual([g.o, g.h, g.l, g.c, g.v]);
    }
    clock = "2024-06-11";
    const prev = await get<Aggs>("/v2/aggs/ticker/SYN0001/prev?adjusted=false");
    expect(prev.adjusted).toBe(false);
    expect(values(prev.results[0]!)).toEqual(values(bars.get("2024-06-10")!));
  });
});

describe("fake Polygon server: adjusted=true as of the fake's clock", () => {
  it("leaves bars as traded while the split is still ahead of the clock", async () => {
    clock = "2024-06-09";
    const adjusted = await range("SYN0001", "2024-06-03", "2024-06-07", true);
    const raw = await range("SYN0001", "2024-06-03", "2024-06-07", false);
    expect([...adjusted.values()].map(values)).toEqual([...raw.values()].map(values));
  });

  it("divides earlier prices and multiplies their volume by the ratio once the split has executed, unrounded", async () => {
    clock = "2024-06-11";
    const adjusted = await range("SYN0001", "2024-06-06", "2024-06-10", true);
    const raw = await range("SYN0001", "2024-06-06", "2024-06-10", false);
    for (const date of ["2024-06-06", "2024-06-07"]) {
      const a = adjusted.get(date)!;
      const r = raw.get(date)!;
      for (const k of ["o", "h", "l", "c", "vw"] as const) expectRelClose(a[k]!, r[k]! / 10);
      expectRelClose(a.v, r.v * 10);
    }
    expect(values(adjusted.get("2024-06-10")!)).toEqual(values(raw.get("2024-06-10")!));
    const g = await groupedBar("2024-06-07", "SYN0001", true);
    expect(values(g)).toEqual(values(adjusted.get("2024-06-07")!));
    const oc = await get<OpenClose>("/v1/open-close/SYN0001/2024-06-07");
    expect([oc.open, oc.close, oc.volume]).toEqual([g.o, g.c, g.v]);
  });

  it("defaults to adjusted=true and echoes what it applied in the envelope", async () => {
    const body = await get<Aggs>("/v2/aggs/ticker/SYN0002/range/1/day/2024-09-09/2024-09-13");
    expect(body.adjusted).toBe(true);
    const explicit = await range("SYN0002", "2024-09-09", "2024-09-13", true);
    expect(body.results.map(values)).toEqual([...explicit.values()].map(values));
    expect((await get<Aggs>("/v2/aggs/grouped/locale/us/market/stocks/2024-09-13?adjusted=false")).adjusted).toBe(false);
    const raw = await range("SYN0002", "2024-09-09", "2024-09-13", false);
    expectRelClose(explicit.get("2024-09-13")!.c, raw.get("2024-09-13")!.c * 20);
  });

  it("removes the steps of a watchlist name's synthetic splits that the clock has passed, and only those", async () => {
    const { splits } = syntheticActions("demo", "AAPL");
    const raw = await range("AAPL", "2015-01-01", "2024-12-31", false);
    const adjusted = await range("AAPL", "2015-01-01", "2024-12-31", true);
    const dates = [...raw.keys()];
    for (const date of dates) {
      const curve = syntheticBar("AAPL", date, "demo", "midnight")!;
      // The curve bar is itself rounded, so its rounding error scales with the factor too.
      const f = asTradedFactor(splits, date);
      expect(Math.abs(raw.get(date)!.c - curve.c * f)).toBeLessThanOrEqual(0.00005 * (f + 1) + 1e-9);
      expectRelClose(adjusted.get(date)!.c, raw.get(date)!.c / adjustedFactor(splits, date, clock));
    }
    const executed = splits.filter((s) => s.execution_date > "2015-01-05" && s.execution_date <= "2024-12-31");
    expect(executed.length).toBeGreaterThanOrEqual(2);
    for (const s of executed) {
      const i = dates.indexOf(s.execution_date);
      const [before, on] = [dates[i - 1]!, dates[i]!];
      expect(raw.get(before)!.c / raw.get(on)!.c / (s.split_to / s.split_from)).toBeCloseTo(1, 1);
      expect(Math.abs(adjusted.get(before)!.c / adjusted.get(on)!.c - 1)).toBeLessThan(0.15);
    }
  });
});
