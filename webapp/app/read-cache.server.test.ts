import { useTwoClients } from "../tests/support/two-clients";
import { upsertCorporateActions } from "@stock-market/pipeline/db/corporate-actions.server";
import { getDailyPrice } from "@stock-market/pipeline/db/daily-prices.server";
import { deleteManualPrice, editManualPrice, insertManualPrice, restoreDailyPrice } from "@stock-market/pipeline/db/manual-prices.server";
import { upsertPipelineBars } from "@stock-market/pipeline/db/pipeline-upserts.server";
import { withDataWrite } from "@stock-market/pipeline/db/data-version.server";
import { beforeEach, describe, expect, it } from "vitest";
import { markAuditUndone, recordAudit } from "@stock-market/pipeline/db/audit.server";
import { loadAdjustedHistory } from "~/models/adjusted-history.server";
import { auditPage } from "~/models/audit.server";
import { symbolsInDb } from "~/models/symbols.server";
import { cachedRead, clearReadCache, MAX_ENTRIES, readCacheSize } from "~/read-cache.server";
import { clearSymbolRecords } from "~/symbol-records.server";

const c = useTwoClients("read_cache");

beforeEach(() => {
  clearReadCache();
  clearSymbolRecords();
  c.commands.length = 0;
});

const names = () => c.commands.map((x) => x.name);
const v = (close: number) => ({ open: close, high: close + 1, low: close - 1, close, volume: 100 });
const load = (symbol: string, dates: string[], close = 10) =>
  upsertPipelineBars(
    c.writeDb,
    dates.map((date) => ({ symbol, date, ...v(close) })),
    { feed: "synthetic", runId: "r", lakeObjectOf: () => "k" },
  );
const closes = async (symbol: string) => (await loadAdjustedHistory(c.readDb, symbol, "raw"))?.bars.map((b) => `${b.date}:${b.close}`) ?? [];

describe("the read cache", () => {
  it("a warm read of a price history issues two _id reads: the symbol's generation and the data version (for its actions)", async () => {
    await load("WARM", ["2024-01-02", "2024-01-03"]);
    await closes("WARM");
    c.commands.length = 0;
    expect(await closes("WARM")).toEqual(["2024-01-02:10", "2024-01-03:10"]);
    expect(names().sort()).toEqual(["find meta", "find symbol_summaries"]);
  });

  it("reads a request starts together share one version read", async () => {
    await load("SHARE", ["2024-01-02"]);
    await Promise.all([closes("SHARE"), symbolsInDb(c.readDb)]);
    c.commands.length = 0;
    await Promise.all([closes("SHARE"), symbolsInDb(c.readDb)]);
    expect(names().sort()).toEqual(["find meta", "find symbol_summaries"]);
  });

  it("a write through each write path from another client is visible on the very next read", async () => {
    await load("VIS", ["2024-02-01"]);
    expect(await closes("VIS")).toEqual(["2024-02-01:10"]);
    await load("VIS", ["2024-02-02"]);
    expect(await closes("VIS")).toEqual(["2024-02-01:10", "2024-02-02:10"]);
    await insertManualPrice(c.writeDb, { symbol: "VIS", date: "2024-02-05", values: v(20), by: "p" });
    expect(await closes("VIS")).toContain("2024-02-05:20");
    const seen = (await getDailyPrice(c.writeDb, "VIS", "2024-02-05"))!.updatedAt;
    const edit = await editManualPrice(c.writeDb, { symbol: "VIS", date: "2024-02-05", values: v(30), by: "p", seenUpdatedAt: seen });
    expect(await closes("VIS")).toContain("2024-02-05:30");
    const del = await deleteManualPrice(c.writeDb, { symbol: "VIS", date: "2024-02-05", by: "p", seenUpdatedAt: edit.ok ? edit.after!.updatedAt : seen });
    expect(await closes("VIS")).toEqual(["2024-02-01:10", "2024-02-02:10"]);
    expect(del.ok).toBe(true);
    if (del.ok) await restoreDailyPrice(c.writeDb, { symbol: "VIS", date: "2024-02-05", state: del.before, seenUpdatedAt: del.after!.updatedAt });
    expect(await closes("VIS")).toContain("2024-02-05:30");
    const split = { kind: "split" as const, id: "S-VIS", symbol: "VIS", date: "2024-02-05", splitFrom: 1, splitTo: 2, adjustmentType: "forward_split" as const };
    await upsertCorporateActions(c.writeDb, [split], { feed: "synthetic", runId: "r", lakeObjectOf: () => "k" });
    expect((await loadAdjustedHistory(c.readDb, "VIS", "split"))?.actions.map((a) => a.id)).toEqual(["S-VIS"]);
  });

  it("a new audit entry and an undo mark are on the very next audit page", async () => {
    const page = async () => (await auditPage(c.readDb, { page: 1 })).rows.map((r) => `${r.symbol} ${r.action}${r.undoneBy ? " undone" : ""}`);
    const before = await page();
    const entry = await recordAudit(c.writeDb, { at: new Date(), by: "p", action: "update", symbol: "AUD", date: "2024-02-01", before: null, after: null });
    expect(await page()).toEqual(["AUD update", ...before]);
    const undo = await recordAudit(c.writeDb, { at: new Date(), by: "p", action: "undo", symbol: "AUD", date: "2024-02-01", before: null, after: null, undoOf: entry._id });
    await markAuditUndone(c.writeDb, entry._id, undo._id);
    expect((await page()).slice(0, 2)).toEqual(["AUD undo", "AUD update undone"]);
  });

  it("a result read while a write is in flight is not kept", async () => {
    await load("FLY", ["2024-03-01"]);
    await withDataWrite(c.writeDb, async () => {
      await symbolsInDb(c.readDb);
      c.commands.length = 0;
      // Same version, but the first read was not kept: the writer may change the data before its second bump.
      await symbolsInDb(c.readDb);
      expect(c.commands.length).toBeGreaterThan(1);
    });
    await symbolsInDb(c.readDb);
    c.commands.length = 0;
    await symbolsInDb(c.readDb);
    expect(names()).toEqual(["find meta"]);
  });

  it("keeps at most MAX_ENTRIES results, dropping the least recently used", async () => {
    for (let i = 0; i <= MAX_ENTRIES; i++) await cachedRead(c.readDb, `k${i}`, async () => i);
    expect(readCacheSize()).toBe(MAX_ENTRIES);
    c.commands.length = 0;
    let loaded = false;
    await cachedRead(c.readDb, "k0", async () => (loaded = true));
    expect(loaded).toBe(true);
  });
});
