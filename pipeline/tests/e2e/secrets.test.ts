/**
 * The API key never leaves the Authorization header: not in a lake object's
 * name, body or metadata, not in any output line (successes and failures),
 * not in a run record or a quarantined row, never in a URL.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { closeStampEst, describeRun, listFiles, newApiKey, putGroupedResponse, serialize, useE2eWorld } from "./harness.js";

const w = await useE2eWorld({ name: "secrets", fake: { rangePageSize: 20, nextUrlBase: "http://api.massive.invalid" }, tickers: "AAPL,MSFT" });
const wrongKey = newApiKey();
const secrets = () => [w.apiKey, wrongKey];

// One session of everything a user or Airflow does, failures included; the tests then search what it left.
beforeAll(async () => {
  const expectExit = async (code: number, args: string[], env = {}) => {
    const r = await w.cli(args, env);
    expect(r.code, describeRun(r)).toBe(code);
  };
  await expectExit(0, ["run", "--date", "2025-01-03"]);
  await expectExit(0, ["extract", "--date", "2025-01-06", "--json"]);
  await expectExit(0, ["load", "--date", "2025-01-06"]);
  await expectExit(0, ["backfill", "--from", "2024-11-01", "--to", "2024-12-31", "--json"]);
  await expectExit(0, ["reprocess", "--from", "2024-11-01", "--to", "2025-01-06", "--json"]);
  await expectExit(0, ["status"]);
  await expectExit(0, ["status", "--json"]);
  await putGroupedResponse(w.lakeDir, "2025-01-08", {
    status: "OK",
    queryCount: 2,
    resultsCount: 2,
    adjusted: false,
    request_id: "hand-made",
    results: [
      { T: "AAPL", o: 10, h: 9, l: 11, c: 10, v: 100, t: closeStampEst("2025-01-08") },
      { T: "MSFT", o: 10, h: 11, l: 9, c: 10, v: 100, t: closeStampEst("2025-01-08") },
    ],
  });
  await expectExit(4, ["load", "--date", "2025-01-08", "--json"]);
  w.fake.inject({ kind: "status", status: 500, times: 10 });
  await expectExit(3, ["run", "--date", "2025-01-07", "--json"], { POLYGON_MAX_RETRIES: "1" });
  w.fake.clearFaults();
  await expectExit(3, ["run", "--date", "2025-01-10", "--json"], { POLYGON_API_KEY: wrongKey });
  await expectExit(2, ["run", "--date", "2025-01-10", "--json"], { POLYGON_MAX_REQUESTS_PER_MINUTE: "abc" });
  await expectExit(2, ["backfill", "--from", "2025-01-10", "--to", "2025-01-02", "--json"]);
});

describe("the API key", () => {
  it("was really used: every API request carried it in the Authorization header, and none in its URL", () => {
    expect(w.fake.requests.length).toBeGreaterThan(8);
    for (const q of w.fake.requests) {
      expect(q.authorization).toMatch(new RegExp(`^Bearer (${w.apiKey}|${wrongKey})$`));
      expect(q.query.apiKey).toBeUndefined();
      const url = `${q.path}?${new URLSearchParams(q.query)}`;
      for (const s of secrets()) expect(url).not.toContain(s);
    }
    expect(w.fake.requests.some((q) => q.query.cursor !== undefined)).toBe(true);
  });

  it("appears in no lake object's name, body or metadata sidecar", async () => {
    const files = await listFiles(w.lakeDir);
    const sidecars = files.filter((f) => f.endsWith(".meta.json"));
    expect(sidecars.length).toBeGreaterThan(6);
    expect(files.length).toBe(2 * sidecars.length);
    for (const f of files) {
      for (const s of secrets()) expect(f).not.toContain(s);
      const text = await readFile(path.join(w.lakeDir, f), "utf8");
      for (const s of secrets()) expect(text, f).not.toContain(s);
    }
    // The sidecars do say what was requested, without the key.
    const meta = JSON.parse(
      await readFile(
        path.join(
          w.lakeDir,
          sidecars.find((f) => f.startsWith("raw/"))!,
        ),
        "utf8",
      ),
    );
    expect(meta.request).toMatch(/^GET \/(v2\/aggs|stocks\/v1)\//);
  });

  it("appears in no line any command printed, whether it succeeded or failed", () => {
    expect(w.runs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0, 0, 4, 3, 3, 2, 2]);
    for (const r of w.runs) {
      for (const s of secrets()) {
        expect(r.stdout, describeRun(r)).not.toContain(s);
        expect(r.stderr, describeRun(r)).not.toContain(s);
      }
    }
  });

  it("appears in no run record, quarantined row or price record", async () => {
    const runs = await w.db.collection("pipeline_runs").find().toArray();
    const quarantine = await w.db.collection("quarantine").find().toArray();
    const prices = await w.db.collection("daily_prices").find().toArray();
    // Every command but status and the two stopped by their configuration or their arguments left a record.
    expect(runs).toHaveLength(8);
    expect(runs.map((r) => r.outcome)).toEqual(expect.arrayContaining(["success", "failed", "rejected-records"]));
    expect(quarantine).toHaveLength(1);
    expect(prices.length).toBeGreaterThan(80);
    for (const text of [serialize(runs), serialize(quarantine), serialize(prices)]) {
      for (const s of secrets()) expect(text).not.toContain(s);
    }
  });
});
