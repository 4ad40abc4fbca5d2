import { describe, expect, it } from "vitest";
import { fromStoredDate } from "../model/daily-price.js";
import { useTestDatabase } from "../test-support/db.js";
import { ensureAuditIndexes, getAuditEntry, listAudit, markAuditUndone, recordAudit } from "./audit.server.js";
import { dailyPrices, ensureDailyPriceIndexes, getDailyPrice, latestDailyPrice } from "./daily-prices.server.js";
import { deleteManualPrice, editManualPrice, insertManualPrice, restoreDailyPrice } from "./manual-prices.server.js";
import { upsertPipelineBars } from "./pipeline-upserts.server.js";
import { ensureRecordsPageIndexes, findDailyPrices, findDailyPricesPage } from "./records-query.server.js";

const { db } = await useTestDatabase();
await ensureDailyPriceIndexes(db);
await ensureRecordsPageIndexes(db);
await ensureAuditIndexes(db);

const v = (close: number) => ({ open: close, high: close + 1, low: close - 1, close, volume: 100 });
const bar = (symbol: string, date: string, close: number) => ({ symbol, date, ...v(close) });

describe("a person's writes to daily_prices", () => {
  it("a create inserts a manual record, and a second create of the same key is a duplicate, not a second row", async () => {
    const first = await insertManualPrice(db, { symbol: "MW1", date: "2025-01-03", values: v(10), by: "alice" });
    expect(first.ok).toBe(true);
    const second = await insertManualPrice(db, { symbol: "MW1", date: "2025-01-03", values: v(11), by: "alice" });
    expect(second).toMatchObject({ ok: false, reason: "duplicate", current: { close: 10 } });
    expect(await dailyPrices(db).countDocuments({ symbol: "MW1" })).toBe(1);
    expect(await getDailyPrice(db, "MW1", "2025-01-03")).toMatchObject({ source: "manual", updatedBy: "alice", close: 10 });
  });

  it("an edit with the updatedAt last seen succeeds; one with an older updatedAt is a conflict showing the newer values", async () => {
    await insertManualPrice(db, { symbol: "MW2", date: "2025-01-03", values: v(10), by: "alice", now: new Date("2025-02-01T00:00:00Z") });
    const seen = (await getDailyPrice(db, "MW2", "2025-01-03"))!.updatedAt;
    const ok = await editManualPrice(db, { symbol: "MW2", date: "2025-01-03", values: v(12), by: "bob", seenUpdatedAt: seen, now: new Date("2025-02-02T00:00:00Z") });
    expect(ok).toMatchObject({ ok: true, before: { close: 10 }, after: { close: 12, updatedBy: "bob" } });
    const stale = await editManualPrice(db, { symbol: "MW2", date: "2025-01-03", values: v(13), by: "carol", seenUpdatedAt: seen });
    expect(stale).toMatchObject({ ok: false, reason: "conflict", current: { close: 12, updatedBy: "bob" } });
    expect((await getDailyPrice(db, "MW2", "2025-01-03"))!.close).toBe(12);
  });

  it("an edit of a missing record reports it missing", async () => {
    expect(await editManualPrice(db, { symbol: "MW3", date: "2025-01-03", values: v(1), by: "a", seenUpdatedAt: new Date() })).toEqual({
      ok: false,
      reason: "missing",
      current: null,
    });
  });

  it("a delete leaves a tombstone the pipeline does not resurrect, and a create brings the key back", async () => {
    await upsertPipelineBars(db, [bar("MW4", "2025-01-03", 5)], { feed: "synthetic", runId: "r1", lakeObjectOf: () => "k" });
    const seen = (await getDailyPrice(db, "MW4", "2025-01-03"))!.updatedAt;
    const del = await deleteManualPrice(db, { symbol: "MW4", date: "2025-01-03", by: "alice", seenUpdatedAt: seen });
    expect(del.ok).toBe(true);
    expect(await getDailyPrice(db, "MW4", "2025-01-03")).toBeNull();
    const counts = await upsertPipelineBars(db, [bar("MW4", "2025-01-03", 6)], { feed: "synthetic", runId: "r2", lakeObjectOf: () => "k" });
    expect(counts.protectedManual).toBe(1);
    expect(await getDailyPrice(db, "MW4", "2025-01-03")).toBeNull();
    const again = await insertManualPrice(db, { symbol: "MW4", date: "2025-01-03", values: v(7), by: "alice" });
    expect(again).toMatchObject({ ok: true, before: { deletedAt: expect.any(Date) }, after: { close: 7 } });
    const now = await getDailyPrice(db, "MW4", "2025-01-03");
    expect(now).toMatchObject({ close: 7, source: "manual" });
    expect(now!.deletedAt).toBeUndefined();
    expect(await dailyPrices(db).countDocuments({ symbol: "MW4" })).toBe(1);
  });

  it("restore puts back the state before an edit, and refuses when the record changed since", async () => {
    await upsertPipelineBars(db, [bar("MW5", "2025-01-03", 5)], { feed: "synthetic", runId: "r1", lakeObjectOf: () => "k" });
    const seen = (await getDailyPrice(db, "MW5", "2025-01-03"))!.updatedAt;
    const edit = await editManualPrice(db, { symbol: "MW5", date: "2025-01-03", values: v(8), by: "alice", seenUpdatedAt: seen, now: new Date(seen.getTime() + 1000) });
    if (!edit.ok) throw new Error("edit refused");
    const stale = await restoreDailyPrice(db, { symbol: "MW5", date: "2025-01-03", state: edit.before, seenUpdatedAt: seen });
    expect(stale).toMatchObject({ ok: false, reason: "conflict", current: { close: 8 } });
    const undo = await restoreDailyPrice(db, { symbol: "MW5", date: "2025-01-03", state: edit.before, seenUpdatedAt: edit.after!.updatedAt });
    expect(undo.ok).toBe(true);
    expect(await getDailyPrice(db, "MW5", "2025-01-03")).toMatchObject({ close: 5, source: "pipeline", feed: "synthetic" });
  });

  it("restore to 'no document' removes a created record", async () => {
    const created = await insertManualPrice(db, { symbol: "MW6", date: "2025-01-03", values: v(3), by: "alice" });
    if (!created.ok) throw new Error("create refused");
    expect((await restoreDailyPrice(db, { symbol: "MW6", date: "2025-01-03", state: null, seenUpdatedAt: created.after!.updatedAt })).ok).toBe(true);
    expect(await dailyPrices(db).countDocuments({ symbol: "MW6" })).toBe(0);
  });
});

describe("the records page queries", () => {
  it("filter by symbol, date range and source, sort with a total order, page with skip/limit and count the matches", async () => {
    const bars = ["2025-01-06", "2025-01-07", "2025-01-08", "2025-01-09", "2025-01-10"].flatMap((d, i) => [bar("PGA", d, 10 + i), bar("PGB", d, 20 + i)]);
    await upsertPipelineBars(db, bars, { feed: "synthetic", runId: "r", lakeObjectOf: () => "k" });
    await editManualPrice(db, { symbol: "PGA", date: "2025-01-08", values: v(99), by: "alice", seenUpdatedAt: (await getDailyPrice(db, "PGA", "2025-01-08"))!.updatedAt });
    const page = await findDailyPricesPage(db, { symbol: "PGA", from: "2025-01-07", to: "2025-01-09" }, { sort: "date", dir: -1, skip: 0, limit: 2 });
    expect(page.total).toBe(3);
    expect(page.rows.map((r) => fromStoredDate(r.date))).toEqual(["2025-01-09", "2025-01-08"]);
    const manual = await findDailyPricesPage(db, { source: "manual", symbol: "PGA" }, { sort: "date", dir: 1, skip: 0, limit: 10 });
    expect(manual.rows.map((r) => r.close)).toEqual([99]);
    const all = await findDailyPrices(db, { from: "2025-01-06", to: "2025-01-06" }, { sort: "symbol", dir: 1 }).toArray();
    expect(all.filter((r) => r.symbol.startsWith("PG")).map((r) => r.symbol)).toEqual(["PGA", "PGB"]);
    const byClose = await findDailyPricesPage(db, { symbol: "PGB" }, { sort: "close", dir: -1, skip: 1, limit: 1 });
    expect(byClose.rows[0]!.close).toBe(23);
    expect((await latestDailyPrice(db, "PGB"))!.close).toBe(24);
  });
});

describe("the audit trail", () => {
  it("records entries newest first, finds one by id, and marks it undone only once", async () => {
    const a = await recordAudit(db, { at: new Date("2025-03-01T00:00:00Z"), by: "alice", action: "create", symbol: "AUD", date: "2025-01-03", before: null, after: null });
    const b = await recordAudit(db, { at: new Date("2025-03-02T00:00:00Z"), by: "bob", action: "update", symbol: "AUD", date: "2025-01-03", before: null, after: null });
    const list = await listAudit(db, { symbol: "AUD" });
    expect(list.total).toBe(2);
    expect(list.entries.map((e) => e.by)).toEqual(["bob", "alice"]);
    expect((await getAuditEntry(db, a._id.toHexString()))!.action).toBe("create");
    expect(await getAuditEntry(db, "not-an-id")).toBeNull();
    expect(await markAuditUndone(db, a._id, b._id)).toBe(true);
    expect(await markAuditUndone(db, a._id, b._id)).toBe(false);
  });
});
