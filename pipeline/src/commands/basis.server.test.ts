/** Which lake objects reprocess may load when the lake holds both bases, against a real local lake. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { OldBasisError, RawObjectError } from "../errors.js";
import { groupedKey, rangePageKey } from "../lake/layout.js";
import { openLake, type Lake } from "../lake/lake.js";
import { oldBasisObjectError, planBasis, refetchCommand } from "./basis.server.js";

const dir = await mkdtemp(path.join(tmpdir(), "basis-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

let lake: Lake;
let logged: string[];
const ctx = () => ({ lake, log: (l: string) => logged.push(l) });
let n = 0;
beforeEach(() => {
  lake = openLake(path.join(dir, `lake-${++n}`));
  logged = [];
});

// January sessions (EST): grouped bars are stamped 16:00 New York time, range bars 00:00.
const closeStamp = (date: string) => Date.parse(`${date}T21:00:00Z`);
const midnightStamp = (date: string) => Date.parse(`${date}T05:00:00Z`);
const values = { o: 10, h: 11, l: 9, c: 10.5, v: 100 };

/** Puts a grouped object for `date` holding `symbols`; `adjusted` undefined leaves the field out. */
async function grouped(date: string, symbols: string[], adjusted: boolean | undefined): Promise<string> {
  const key = groupedKey("polygon", date);
  const results = symbols.map((T) => ({ T, ...values, t: closeStamp(date) }));
  await lake.put(key, Buffer.from(JSON.stringify({ status: "OK", adjusted, resultsCount: results.length, results })), {});
  return key;
}

/** Puts page 1 of a range response for `ticker` over from..to holding `dates`. */
async function range(ticker: string, from: string, to: string, dates: string[], adjusted: boolean): Promise<string> {
  const key = rangePageKey("polygon", ticker, from, to, 1);
  const results = dates.map((d) => ({ ...values, t: midnightStamp(d) }));
  await lake.put(key, Buffer.from(JSON.stringify({ ticker, status: "OK", adjusted, resultsCount: results.length, results })), {});
  return key;
}

const JAN = ["2025-01-02", "2025-01-03", "2025-01-06", "2025-01-07"];
const scope = { from: "2025-01-02", to: "2025-01-07", tickers: ["AAPL", "MSFT"] };

describe("planBasis", () => {
  it("loads every object when all are as traded, and says nothing", async () => {
    const keys = [await grouped("2025-01-02", ["AAPL", "MSFT"], false), await range("AAPL", "2025-01-02", "2025-01-07", JAN, false)];
    expect(await planBasis(ctx(), keys, scope)).toEqual({ load: keys, superseded: [] });
    expect(logged).toEqual([]);
  });

  it("skips an old-basis grouped object whose every in-scope row an as-traded page holds, naming it in one log line", async () => {
    const g1 = await grouped("2025-01-02", ["AAPL", "MSFT", "ZZZZ"], true); // ZZZZ is outside the tickers: not in scope
    const g2 = await grouped("2025-01-03", ["AAPL", "MSFT"], false);
    const a = await range("AAPL", "2025-01-02", "2025-01-07", JAN, false);
    const m = await range("MSFT", "2024-12-02", "2025-01-31", ["2024-12-31", ...JAN], false);
    const plan = await planBasis(ctx(), [g1, g2, a, m], scope);
    expect(plan).toEqual({ load: [g2, a, m], superseded: [g1] });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/1 lake object\(s\) on the old basis .*superseded/);
    expect(logged[0]).toContain(g1);
  });

  it("an object without an `adjusted` field counts as old: skipped when covered", async () => {
    const g = await grouped("2025-01-06", ["AAPL"], undefined);
    const a = await range("AAPL", "2025-01-02", "2025-01-07", JAN, false);
    expect(await planBasis(ctx(), [g, a], { ...scope, tickers: ["AAPL"] })).toEqual({ load: [a], superseded: [g] });
  });

  it("only rows inside from..to need an as-traded twin", async () => {
    // The old page runs to 2025-01-31; the as-traded one only to 2025-01-07, the end of the scope.
    const old = await range("AAPL", "2025-01-02", "2025-01-31", [...JAN, "2025-01-08", "2025-01-31"], true);
    const fresh = await range("AAPL", "2025-01-02", "2025-01-07", JAN, false);
    expect(await planBasis(ctx(), [old, fresh], scope)).toEqual({ load: [fresh], superseded: [old] });
    await expect(planBasis(ctx(), [old, fresh], { ...scope, to: "2025-01-08" })).rejects.toThrow(OldBasisError);
  });

  it("refuses when a row exists only on the old basis, naming the objects and the back-fill over exactly the uncovered rows", async () => {
    const g1 = await grouped("2025-01-02", ["AAPL", "MSFT"], true);
    const g2 = await grouped("2025-01-06", ["AAPL", "MSFT"], true);
    const a = await range("AAPL", "2025-01-02", "2025-01-07", JAN, false); // covers AAPL; MSFT has nothing as traded
    const e = await planBasis(ctx(), [g1, g2, a], scope).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OldBasisError);
    const err = e as OldBasisError;
    expect(err.exitCode).toBe(2);
    expect(err.objects).toEqual([g1, g2]);
    expect(err.command).toBe("stock-pipeline backfill --refetch --from 2025-01-02 --to 2025-01-06 --tickers MSFT");
    expect(err.message).toContain("reprocess 2025-01-02..2025-01-07 refused, nothing written: 2 lake object(s) hold split-adjusted bars");
    expect(err.message).toContain("for 2 (symbol, date) row(s) that no as-traded object covers");
    expect(err.message).toContain(`${g1}, ${g2}.`);
    expect(err.message).toContain(`Re-fetch them as traded with: ${err.command}; then reprocess again`);
    expect(logged).toEqual([]);
  });

  it("an unreadable object stops the plan with the load's own RawObjectError, naming it, before anything is loaded", async () => {
    const a = await range("AAPL", "2025-01-02", "2025-01-07", JAN, false);
    const bad = groupedKey("polygon", "2025-01-03");
    await lake.put(bad, Buffer.from('{"status":"OK","results":[{"T":"AAPL"'), {});
    const e = await planBasis(ctx(), [a, bad], scope).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RawObjectError);
    expect((e as RawObjectError).message).toMatch(/^lake object raw\/polygon\/grouped\/date=2025-01-03\/grouped\.json is not valid JSON/);
  });

  it("names the first ten objects and counts the rest", async () => {
    const days = [
      "2025-01-02",
      "2025-01-03",
      "2025-01-06",
      "2025-01-07",
      "2025-01-08",
      "2025-01-10",
      "2025-01-13",
      "2025-01-14",
      "2025-01-15",
      "2025-01-16",
      "2025-01-17",
      "2025-01-21",
    ];
    const keys: string[] = [];
    for (const d of days) keys.push(await grouped(d, ["AAPL"], true));
    const err = (await planBasis(ctx(), keys, { from: "2025-01-02", to: "2025-01-31", tickers: ["AAPL"] }).catch((x: unknown) => x)) as OldBasisError;
    expect(err.objects).toHaveLength(12);
    expect(err.message).toContain(`${keys.slice(0, 10).join(", ")} and 2 more.`);
    expect(err.message).not.toContain(keys[10]!);
    expect(err.command).toBe("stock-pipeline backfill --refetch --from 2025-01-02 --to 2025-01-21 --tickers AAPL");
  });
});

describe("refusing one old-basis object", () => {
  it("names the command that replaces it: run --date for a grouped object, backfill --refetch over its window for a range page", () => {
    expect(refetchCommand("raw/polygon/grouped/date=2025-01-03/grouped.json")).toBe("stock-pipeline run --date 2025-01-03");
    expect(refetchCommand("raw/synthetic/range/ticker=BRK.A/from=2024-12-02_to=2024-12-31/page-0002.json")).toBe(
      "stock-pipeline backfill --refetch --from 2024-12-02 --to 2024-12-31 --tickers BRK.A",
    );
    expect(refetchCommand("raw/polygon/something/else.json")).toBeUndefined();
  });

  it("says why, and how to fix it, in one sentence", () => {
    const key = "raw/polygon/grouped/date=2025-01-03/grouped.json";
    const e = oldBasisObjectError(key, true);
    expect(e).toBeInstanceOf(OldBasisError);
    expect(e.message).toBe(
      `lake object ${key} holds split-adjusted bars (adjusted: true, fetched before the pipeline stored prices as traded); it is not loaded, as it would mix them with the as-traded records: re-fetch it as traded with: stock-pipeline run --date 2025-01-03`,
    );
    expect(oldBasisObjectError(key, undefined).message).toContain('bars of unknown basis (no "adjusted" field');
  });
});
