import { setTimeout as sleep } from "node:timers/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { testDatabase } from "../test-support/db.js";
import { ABANDONED_AFTER_MS, emptyCounts, ensureRunIndexes, finishRun, heartbeat, markAbandonedRuns, PIPELINE_RUNS, recentRuns, startRun, type RunRecord } from "./runs.server.js";

describe("pipeline run records", () => {
  const t = testDatabase();
  const runs = () => t.db.collection<RunRecord>(PIPELINE_RUNS);
  const base = { command: "run", args: { date: "2025-01-14", tickers: ["AAPL"] }, feed: "polygon", host: "test-host" };

  beforeAll(async () => {
    await ensureRunIndexes(t.db);
  });

  it("ensureRunIndexes can be called again and keeps one startedAt index", async () => {
    await ensureRunIndexes(t.db);
    await ensureRunIndexes(t.db);
    expect((await runs().listIndexes().toArray()).map((i) => i.name).sort()).toEqual(["_id_", "startedAt"]);
  });

  it("startRun records a running run with empty counts, before any work is done", async () => {
    const before = Date.now();
    const id = await startRun(t.db, base);
    expect(id).toMatch(/^\d{8}T\d{6}-[0-9a-f]{8}$/);
    const doc = await runs().findOne({ _id: id });
    expect(doc).toEqual({
      _id: id,
      ...base,
      startedAt: expect.any(Date),
      outcome: "running",
      counts: emptyCounts(),
      apiRequests: 0,
      lakeObjectsWritten: 0,
      lakeObjectsRead: 0,
    });
    expect(doc!.startedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(doc!.startedAt.getTime()).toBeLessThanOrEqual(Date.now());
    // The id starts with the start time (UTC, to the second), so ids sort like runs.
    expect(id.slice(0, 15)).toBe(doc!.startedAt.toISOString().replace(/[-:.]/g, "").slice(0, 15));
  });

  it("two runs started in the same second get different ids", async () => {
    const ids = await Promise.all([startRun(t.db, base), startRun(t.db, base), startRun(t.db, base)]);
    expect(new Set(ids).size).toBe(3);
  });

  it("finishRun records the outcome, counts and a duration equal to finishedAt - startedAt", async () => {
    const id = await startRun(t.db, { ...base, command: "backfill" });
    await sleep(30);
    const counts = { rows: 12, valid: 10, rejected: 2, inserted: 7, updated: 2, unchanged: 1, protectedManual: 0 };
    await finishRun(t.db, id, { outcome: "rejected-records", counts, apiRequests: 3, lakeObjectsWritten: 2, lakeObjectsRead: 2, message: "2 rows quarantined" });
    const doc = (await runs().findOne({ _id: id }))!;
    expect(doc).toMatchObject({
      outcome: "rejected-records",
      counts,
      apiRequests: 3,
      lakeObjectsWritten: 2,
      lakeObjectsRead: 2,
      message: "2 rows quarantined",
      command: "backfill",
    });
    expect(doc.finishedAt).toBeInstanceOf(Date);
    expect(doc.durationMs).toBe(doc.finishedAt!.getTime() - doc.startedAt.getTime());
    expect(doc.durationMs).toBeGreaterThanOrEqual(25);
    expect(doc.durationMs).toBeLessThan(10_000);
  });

  it("a failed run keeps its error", async () => {
    const id = await startRun(t.db, base);
    await finishRun(t.db, id, {
      outcome: "failed",
      counts: emptyCounts(),
      apiRequests: 6,
      lakeObjectsWritten: 0,
      lakeObjectsRead: 0,
      error: { kind: "ApiError", message: "Polygon API: HTTP 503" },
    });
    expect(await runs().findOne({ _id: id })).toMatchObject({ outcome: "failed", error: { kind: "ApiError", message: "Polygon API: HTTP 503" } });
  });

  it("finishing an unknown run changes nothing", async () => {
    const count = await runs().countDocuments();
    await finishRun(t.db, "no-such-run", { outcome: "success", counts: emptyCounts(), apiRequests: 0, lakeObjectsWritten: 0, lakeObjectsRead: 0 });
    expect(await runs().countDocuments()).toBe(count);
  });

  it("recentRuns lists the newest first, up to the limit", async () => {
    const first = await startRun(t.db, { ...base, command: "extract" });
    await sleep(5);
    const second = await startRun(t.db, { ...base, command: "load" });
    const recent = await recentRuns(t.db, 2);
    expect(recent.map((r) => r._id)).toEqual([second, first]);
    const all = await recentRuns(t.db);
    const starts = all.map((r) => r.startedAt.getTime());
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
  });

  describe("markAbandonedRuns", () => {
    const alive = new Set([1001]);
    const isAlive = (pid: number) => alive.has(pid);

    it("marks a running run of this host whose pid is gone, with a sentence, and leaves live and finished runs alone", async () => {
      const gone = await startRun(t.db, { ...base, host: "host-a", pid: 4242 });
      const live = await startRun(t.db, { ...base, host: "host-a", pid: 1001 });
      const done = await startRun(t.db, { ...base, host: "host-a", pid: 4343 });
      await finishRun(t.db, done, { outcome: "success", counts: emptyCounts(), apiRequests: 0, lakeObjectsWritten: 0, lakeObjectsRead: 0 });
      const marked = await markAbandonedRuns(t.db, { host: "host-a", isAlive });
      expect(marked.map((r) => r._id)).toContain(gone);
      expect(marked.map((r) => r._id)).not.toContain(live);
      expect(await runs().findOne({ _id: gone })).toMatchObject({
        outcome: "abandoned",
        abandonedAt: expect.any(Date),
        error: { kind: "AbandonedRun", message: expect.stringMatching(/never recorded an outcome and its process \(pid 4242 on host-a\) is gone/) },
      });
      expect(await runs().findOne({ _id: live })).toMatchObject({ outcome: "running" });
      expect(await runs().findOne({ _id: done })).toMatchObject({ outcome: "success" });
      expect(await runs().findOne({ _id: done })).not.toHaveProperty("error");
    });

    it("marks a run of another host only when its last heartbeat is older than ABANDONED_AFTER_MS, and never the caller's own run", async () => {
      const quiet = await startRun(t.db, { ...base, host: "container-1", pid: 1 });
      const beating = await startRun(t.db, { ...base, host: "container-2", pid: 1 });
      const own = await startRun(t.db, { ...base, host: "container-3", pid: 1 });
      const later = new Date(Date.now() + ABANDONED_AFTER_MS + 1_000);
      await heartbeat(t.db, beating, new Date(later.getTime() - 1_000));
      const marked = (await markAbandonedRuns(t.db, { host: "host-a", isAlive, except: own, now: later })).map((r) => r._id);
      expect(marked).toContain(quiet);
      expect(marked).not.toContain(beating);
      expect(marked).not.toContain(own);
      expect(await runs().findOne({ _id: quiet })).toMatchObject({ outcome: "abandoned", error: { message: expect.stringMatching(/no sign of life since/) } });
      expect(await runs().findOne({ _id: own })).toMatchObject({ outcome: "running" });
    });

    it("a heartbeat touches only a running record", async () => {
      const id = await startRun(t.db, base);
      await finishRun(t.db, id, { outcome: "failed", counts: emptyCounts(), apiRequests: 0, lakeObjectsWritten: 0, lakeObjectsRead: 0, error: { kind: "X", message: "x" } });
      await heartbeat(t.db, id);
      expect(await runs().findOne({ _id: id })).not.toHaveProperty("heartbeatAt");
    });
  });
});
