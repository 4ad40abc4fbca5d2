import { cp, mkdtemp, rm, truncate, writeFile, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ABSENT, D, FORWARD, HALTED, RETURNING, REVERSE, SESSIONS, UNIVERSE, expectedFor, fixtureBars, fixtureSplits } from "../test-support/market-fixture.js";
import { writeCuratedBars, writeCuratedSplits, type FixtureBar, type FixtureSplit } from "./curated-fixture.server.js";
import { CuratedLayerError, SessionNotCuratedError } from "./errors.js";
import { DEFAULT_FILTERS, Screener } from "./screener.server.js";
import { barsKey, curatedSourceFor } from "./source.server.js";
import type { ScreenFilters } from "./summary.js";

let root: string;
let bars: FixtureBar[];
let splits: FixtureSplit[];
let screener: Screener;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "screener-"));
  bars = fixtureBars();
  splits = fixtureSplits();
  await writeCuratedBars(root, bars);
  await writeCuratedSplits(root, splits);
  screener = new Screener(curatedSourceFor(root));
}, 120_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const ALL = 1000;

async function checkAgainstIndependent(day: string, filters: ScreenFilters) {
  const want = expectedFor(day, bars, splits, filters);
  const got = await screener.snapshot(day, ALL, filters);
  const changes = new Map([...got.gainers, ...got.losers].map((m) => [m.symbol, m.change_pct]));
  const wantNonZero = [...want.changes].filter(([, c]) => c !== 0);
  expect([...changes.keys()].sort()).toEqual(wantNonZero.map(([s]) => s).sort());
  for (const [s, c] of wantNonZero) expect(changes.get(s), s).toBeCloseTo(c, 9);
  expect(got.gainers.map((m) => m.symbol)).toEqual(
    wantNonZero
      .filter(([, c]) => c > 0)
      .sort((a, b) => b[1] - a[1])
      .map(([s]) => s),
  );
  expect(got.mostActive.map((a) => a.symbol)).toEqual([...want.dollarVolume].sort((a, b) => b[1] - a[1]).map(([s]) => s));
  expect(new Set(got.newHighs.map((x) => x.symbol))).toEqual(want.newHighs);
  expect(new Set(got.newLows.map((x) => x.symbol))).toEqual(want.newLows);
  expect(got.breadth.tickers).toBe(want.traded);
  expect(got.breadth.advancers + got.breadth.decliners + got.breadth.unchanged).toBe(want.changes.size);
  expect(got.breadth.above50Pct).toBeCloseTo(want.above50!, 9);
  expect(got.breadth.above200Pct).toBeCloseTo(want.above200!, 9);
  return { got, want };
}

describe("the market screener over a curated lake built from the fake server", () => {
  it("ranks the latest session by change against the split-adjusted previous close, as an independent computation does", async () => {
    const { got } = await checkAgainstIndependent(D, DEFAULT_FILTERS);
    expect(got.date).toBe(D);
    expect(got.previousSession).toBe(SESSIONS[SESSIONS.length - 2]);
    expect(got.newHighs.length + got.newLows.length).toBeGreaterThan(0);
  });

  it("does not report a 1-for-20 reverse split as a +1,900 % gain", async () => {
    const got = await screener.movers(D, ALL);
    const m = [...got.gainers, ...got.losers].find((x) => x.symbol === REVERSE)!;
    expect(Math.abs(m.change_pct)).toBeLessThan(15);
    const traded = bars.filter((b) => b.symbol === REVERSE).slice(-2);
    expect(traded[1]!.close / traded[0]!.close).toBeGreaterThan(15);
  });

  it("compares a halted ticker with its last trade, leaves out one absent on the session, and one silent past the lookback", async () => {
    const got = await screener.snapshot(D, ALL, DEFAULT_FILTERS);
    const movers = [...got.gainers, ...got.losers];
    expect(movers.find((m) => m.symbol === HALTED)?.previous_date).toBe(SESSIONS[SESSIONS.length - 3]);
    expect(movers.some((m) => m.symbol === ABSENT)).toBe(false);
    expect(got.mostActive.some((m) => m.symbol === ABSENT)).toBe(false);
    expect(movers.some((m) => m.symbol === RETURNING)).toBe(false);
    expect(got.breadth.noPrevious).toBe(1);
    expect(got.breadth.tickers).toBe(UNIVERSE.length - 1);
  });

  it("agrees with the independent computation on the session before, across the forward split and with filters", async () => {
    await checkAgainstIndependent(SESSIONS[SESSIONS.length - 2]!, DEFAULT_FILTERS);
    await checkAgainstIndependent(SESSIONS[SESSIONS.length - 31]!, DEFAULT_FILTERS);
    const { got } = await checkAgainstIndependent(D, { minPrice: 20, minDollarVolume: 5e7, includeOtc: false });
    expect(got.breadth.tickers).toBeLessThan(UNIVERSE.length - 1);
    expect(got.mostActive.every((a) => a.close >= 20 && a.dollar_volume >= 5e7)).toBe(true);
  });

  it("gives every point of a breadth series as the independent computation does for that session, with and without filters", async () => {
    for (const filters of [DEFAULT_FILTERS, { minPrice: 20, minDollarVolume: 5e7, includeOtc: false }]) {
      const series = await screener.breadthSeries(D, 40, filters);
      expect(series.map((p) => p.date)).toEqual(SESSIONS.slice(-40));
      for (const point of series) {
        const want = expectedFor(point.date, bars, splits, filters);
        const signs = [...want.changes.values()];
        expect(point.advancers, point.date).toBe(signs.filter((c) => c > 0).length);
        expect(point.decliners, point.date).toBe(signs.filter((c) => c < 0).length);
        expect(point.unchanged, point.date).toBe(signs.filter((c) => c === 0).length);
        expect(point.above50Pct, point.date).toBeCloseTo(want.above50!, 9);
        expect(point.above200Pct, point.date).toBeCloseTo(want.above200!, 9);
      }
    }
  });

  it("gives a breadth series whose last point equals the session's own breadth", async () => {
    const series = await screener.breadthSeries(D, 30, DEFAULT_FILTERS);
    expect(series.map((p) => p.date)).toEqual(SESSIONS.slice(-30));
    for (const day of [D, SESSIONS[SESSIONS.length - 31]!]) {
      const point = series.find((p) => p.date === day) ?? (await screener.breadthSeries(day, 1)).at(-1)!;
      const snap = await screener.snapshot(day, ALL, DEFAULT_FILTERS);
      expect(point.advancers).toBe(snap.breadth.advancers);
      expect(point.decliners).toBe(snap.breadth.decliners);
      expect(point.above50Pct).toBeCloseTo(snap.breadth.above50Pct!, 9);
      expect(point.above200Pct).toBeCloseTo(snap.breadth.above200Pct!, 9);
    }
  });

  it("gives a ticker's history split-adjusted to the latest session, for a read-only chart", async () => {
    const history = await screener.history(REVERSE, 40);
    expect(history.map((b) => b.date)).toEqual(SESSIONS.slice(-40));
    const traded = bars.filter((b) => b.symbol === REVERSE).slice(-40);
    for (const [i, b] of history.entries()) {
      const f = b.date < D ? 20 : 1;
      expect(b.close).toBeCloseTo(traded[i]!.close * f, 9);
      expect(b.volume).toBeCloseTo(traded[i]!.volume / f, 6);
    }
    expect(await screener.history("NOPE", 40)).toEqual([]);
  });

  it("answers a session outside the lake with SessionNotCuratedError, and the first session with no previous close", async () => {
    await expect(screener.movers("2024-06-29", 5)).rejects.toBeInstanceOf(SessionNotCuratedError);
    const first = await screener.movers(SESSIONS[0], 5);
    expect(first.previousSession).toBeNull();
    expect(first.gainers).toEqual([]);
  });
});

describe("a damaged curated layer", () => {
  async function copyLake(): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), "screener-bad-"));
    await cp(root, dir, { recursive: true });
    return dir;
  }

  it("serves a rewritten partition's new content from the same screener (no stale result)", async () => {
    const dir = await copyLake();
    try {
      const same = new Screener(curatedSourceFor(dir));
      const top = (await same.movers(D, 3)).gainers[0]!.symbol;
      await rm(path.join(dir, barsKey(D)));
      await writeCuratedBars(
        dir,
        bars.filter((b) => b.date === D && b.symbol !== top),
      );
      const after = await same.movers(D, 3);
      expect(after.gainers.map((m) => m.symbol)).not.toContain(top);
      const want = expectedFor(
        D,
        bars.filter((b) => !(b.date === D && b.symbol === top)),
        splits,
        DEFAULT_FILTERS,
      );
      expect(after.gainers[0]!.symbol).toBe([...want.changes].sort((a, b) => b[1] - a[1])[0]![0]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("names a truncated partition and the curate command, and serves no data", async () => {
    const dir = await copyLake();
    try {
      const day = SESSIONS[SESSIONS.length - 4]!;
      const file = path.join(dir, barsKey(day));
      await truncate(file, 100);
      const bad = new Screener(curatedSourceFor(dir));
      const err = await bad.snapshot(D, 5).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CuratedLayerError);
      expect((err as Error).message).toContain(barsKey(day));
      expect((err as Error).message).toContain(`stock-pipeline curate --from ${day} --to ${day}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("names a partition whose middle is garbage though its footer magic is intact", async () => {
    const dir = await copyLake();
    try {
      const day = SESSIONS[SESSIONS.length - 2]!;
      const file = path.join(dir, barsKey(day));
      const body = await readFile(file);
      body.fill(0x55, 4, body.length - 8);
      await writeFile(file, body);
      const err = await new Screener(curatedSourceFor(dir)).movers(D, 5).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CuratedLayerError);
      expect((err as Error).message).toContain(`stock-pipeline curate --from ${day} --to ${day}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses to compute changes across a missing previous partition, naming it", async () => {
    const dir = await copyLake();
    try {
      const prev = SESSIONS[SESSIONS.length - 2]!;
      await rm(path.dirname(path.join(dir, barsKey(prev))), { recursive: true });
      const err = await new Screener(curatedSourceFor(dir)).movers(D, 5).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CuratedLayerError);
      expect((err as CuratedLayerError).kind).toBe("missing");
      expect((err as Error).message).toContain(`stock-pipeline curate --from ${prev} --to ${prev}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

it("uses the forward-split ticker in the fixture", () => {
  expect(splits.some((s) => s.symbol === FORWARD && s.split_to === 4)).toBe(true);
});
