/** The curated Parquet layer end to end: written by run/load, backfill and reprocess, rebuilt by `curate`, shown by `status`. */
import { readFile, rm, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { curatedBarsKey } from "../../src/curated/layout.js";
import { duck, plainRows, sqlPath } from "../../src/test-support/curated-lake.js";
import { groupedKey } from "../../src/lake/layout.js";
import { describeRun, useE2eWorld } from "./harness.js";

const SESSIONS = ["2025-01-02", "2025-01-03", "2025-01-06"];
const TICKERS = ["AAPL", "MSFT"];
const w = await useE2eWorld({ name: "curated", fake: { rangePageSize: 2 }, tickers: TICKERS.join(",") });
const lake2 = () => ({ LAKE_URI: path.join(w.scratch, "lake2") });

const partition = (lakeDir: string, date: string) => path.join(lakeDir, curatedBarsKey(date));
const rowsOf = (lakeDir: string, date: string) => duck(`SELECT * FROM read_parquet(${sqlPath(partition(lakeDir, date))}, hive_partitioning = false) ORDER BY symbol`);
const daily = new Map<string, Record<string, unknown>[]>();

describe("the curated layer written by the commands", () => {
  it("run --date writes every ticker of the session (not only the watchlist) with the raw response's values", async () => {
    for (const date of SESSIONS) {
      const r = await w.cli(["run", "--date", date, "--json"]);
      expect(r.code, describeRun(r)).toBe(0);
      const raw = plainRows(await readFile(path.join(w.lakeDir, groupedKey("polygon", date))));
      expect(r.json().details.curated).toMatchObject({ sessions: 1, rows: raw.size, written: 1 });
      const rows = await rowsOf(w.lakeDir, date);
      expect(rows.length).toBeGreaterThan(TICKERS.length * 10);
      expect(rows).toEqual([...raw.values()].sort((a, b) => (a.symbol < b.symbol ? -1 : 1)).map((x) => ({ ...x, feed: "polygon" })));
      daily.set(date, rows);
    }
  });

  it("status shows the curated layer's sessions and rows beside MongoDB's records", async () => {
    const r = await w.cli(["status", "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    const rows = SESSIONS.reduce((n, d) => n + daily.get(d)!.length, 0);
    expect(r.json().curated).toMatchObject({ sessions: 3, first: SESSIONS[0], last: SESSIONS[2], gaps: [], rows, unreadable: [] });
    const text = await w.cli(["status"]);
    expect(text.stdout).toContain(`MongoDB: ${TICKERS.length * 3} record(s) of 2 symbol(s)`);
    expect(text.stdout).toContain(`Curated layer (Parquet, every ticker): 3 session(s), ${SESSIONS[0]}..${SESSIONS[2]}`);
  });

  it("a back-fill writes the same rows for its tickers as the daily runs, in its sessions' partitions", async () => {
    const r = await w.cli(["backfill", "--from", SESSIONS[0]!, "--to", SESSIONS[2]!, "--json"], lake2());
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.json().details.curated).toMatchObject({ sessions: 3, rows: 3 * TICKERS.length });
    for (const date of SESSIONS) {
      expect(await rowsOf(lake2().LAKE_URI, date)).toEqual(daily.get(date)!.filter((x) => TICKERS.includes(x.symbol as string)));
    }
  });

  it("reprocess rebuilds the same partitions as the daily runs, byte for byte", async () => {
    const before = await Promise.all(SESSIONS.map((d) => readFile(partition(w.lakeDir, d))));
    await rm(path.join(w.lakeDir, "curated"), { recursive: true });
    const r = await w.cli(["reprocess", "--from", SESSIONS[0]!, "--to", SESSIONS[2]!, "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    for (const [i, d] of SESSIONS.entries()) expect((await readFile(partition(w.lakeDir, d))).equals(before[i]!), d).toBe(true);
  });

  it("curate --from --to rebuilds a truncated partition from raw/ with no API request, and status named it before", async () => {
    const date = SESSIONS[1]!;
    const good = await readFile(partition(w.lakeDir, date));
    await truncate(partition(w.lakeDir, date), 100);
    const status = await w.cli(["status"]);
    expect(status.stdout).toContain(`UNREADABLE: the curated object ${curatedBarsKey(date)} cannot be read`);
    expect(status.stdout).toContain(`stock-pipeline curate --from ${date} --to ${date}`);
    w.fake.resetStats();
    const r = await w.cli(["curate", "--from", SESSIONS[0]!, "--to", SESSIONS[2]!, "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    expect(w.fake.stats().total).toBe(0);
    expect(r.json()).toMatchObject({ command: "curate", outcome: "success", exitCode: 0, apiRequests: 0, details: { curated: { sessions: 3, written: 1, unchanged: 2 } } });
    expect(r.stderr).toMatch(/curated curated\/daily_bars\/date=2025-01-06\/part-0\.parquet/);
    expect((await readFile(partition(w.lakeDir, date))).equals(good)).toBe(true);
  });

  it("a load whose curate fails keeps the MongoDB load, exits 1 naming the curate command, and curate heals it", async () => {
    const date = SESSIONS[2]!;
    await w.db.collection("daily_prices").deleteMany({});
    await rm(path.join(w.lakeDir, "curated"), { recursive: true });
    await writeFile(path.join(w.lakeDir, "curated"), "not a folder");
    const r = await w.cli(["load", "--date", date, "--json"]);
    expect(r.code, describeRun(r)).toBe(1);
    expect(r.json()).toMatchObject({ outcome: "failed", exitCode: 1, error: { kind: "CurateError" } });
    expect(r.stderr).toContain(`the bars of ${date} were loaded into MongoDB`);
    expect(r.stderr).toContain(`stock-pipeline curate --from ${date} --to ${date}`);
    expect(await w.db.collection("daily_prices").countDocuments()).toBe(TICKERS.length);
    await rm(path.join(w.lakeDir, "curated"));
    const healed = await w.cli(["curate", "--from", date, "--to", date]);
    expect(healed.code, describeRun(healed)).toBe(0);
    expect(await rowsOf(w.lakeDir, date)).toEqual(daily.get(date));
  });
});
