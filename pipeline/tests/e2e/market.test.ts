/**
 * The market screener over a curated layer written by the real commands
 * (`run` for each session, `curate` after a raw edit) from the fake Polygon
 * server, with a 1-for-20 reverse split on the last session and a ticker
 * halted (missing from the grouped response) the session before; movers and
 * breadth compared with a plain TypeScript computation over the fake's bars.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tradingDaysBetween } from "../../src/calendar/nyse.js";
import { expectedFakeBar, syntheticActions } from "../../src/fake-polygon/server.js";
import { isOtcTicker, syntheticUniverse } from "../../src/fake-polygon/synthetic.js";
import { groupedKey } from "../../src/lake/layout.js";
import { Screener } from "../../src/market/screener.server.js";
import { curatedSourceFor } from "../../src/market/source.server.js";
import { describeRun, useE2eWorld } from "./harness.js";

const SESSIONS = tradingDaysBetween("2025-01-02", "2025-01-17");
const D = SESSIONS[SESSIONS.length - 1]!;
const PREV = SESSIONS[SESSIONS.length - 2]!;
// The grouped request leaves OTC tickers out (include_otc is not set).
const UNIVERSE = syntheticUniverse(60).filter((t) => !isOtcTicker(t));
const REVERSE = UNIVERSE[30]!;
const HALTED = UNIVERSE[31]!;
const corporateActions = { splits: [{ ticker: REVERSE, execution_date: D, split_from: 20, split_to: 1, announced: "2024-12-01" }] };
const w = await useE2eWorld({ name: "market", fake: { corporateActions }, tickers: "AAPL" });

/** Every ticker's change on D, from the fake's as-traded bars and splits (the halted one against two sessions back). */
function expectedChanges(): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of UNIVERSE) {
    const close = (d: string) => expectedFakeBar({ corporateActions }, t, d, { adjusted: false, today: D })!.c;
    const prev = t === HALTED ? SESSIONS[SESSIONS.length - 3]! : PREV;
    let factor = 1;
    for (const s of syntheticActions("demo", t, { corporateActions }).splits) if (s.execution_date > prev && s.execution_date <= D) factor *= s.split_from / s.split_to;
    out.set(t, (close(D) / (close(prev) * factor) - 1) * 100);
  }
  return out;
}

describe("the screener over a lake the commands curated", () => {
  it("ranks the last session as the fake's own bars say, the reverse split and the halted ticker included", async () => {
    for (const date of SESSIONS) {
      const r = await w.cli(["run", "--date", date]);
      expect(r.code, describeRun(r)).toBe(0);
    }
    const key = groupedKey("polygon", PREV);
    const body = JSON.parse(await readFile(path.join(w.lakeDir, key), "utf8")) as { results: { T: string }[]; resultsCount: number; count?: number };
    body.results = body.results.filter((b) => b.T !== HALTED);
    body.resultsCount = body.results.length;
    if (body.count !== undefined) body.count = body.results.length;
    await writeFile(path.join(w.lakeDir, key), JSON.stringify(body));
    const curated = await w.cli(["curate", "--from", PREV, "--to", PREV]);
    expect(curated.code, describeRun(curated)).toBe(0);

    const movers = await new Screener(curatedSourceFor(w.lakeDir)).snapshot(D, 1000);
    const want = expectedChanges();
    const got = new Map([...movers.gainers, ...movers.losers].map((m) => [m.symbol, m.change_pct]));
    expect([...got.keys()].sort()).toEqual([...want.keys()].filter((t) => want.get(t) !== 0).sort());
    for (const [t, c] of got) expect(c, t).toBeCloseTo(want.get(t)!, 9);
    expect(Math.abs(got.get(REVERSE)!)).toBeLessThan(15);
    expect([...movers.gainers, ...movers.losers].find((m) => m.symbol === HALTED)!.previous_date).toBe(SESSIONS[SESSIONS.length - 3]);
    expect(movers.gainers.map((m) => m.symbol)).toEqual(
      [...want]
        .filter(([, c]) => c > 0)
        .sort((a, b) => b[1] - a[1])
        .map(([t]) => t),
    );
    expect(movers.breadth.advancers + movers.breadth.decliners + movers.breadth.unchanged).toBe(UNIVERSE.length);
  });
});
