import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { upsertCorporateActions } from "@stock-market/pipeline/db/corporate-actions.server";
import { ensureDailyPriceIndexes, getDailyPrice } from "@stock-market/pipeline/db/daily-prices.server";
import { deleteManualPrice, editManualPrice, insertManualPrice, restoreDailyPrice } from "@stock-market/pipeline/db/manual-prices.server";
import { upsertPipelineBars } from "@stock-market/pipeline/db/pipeline-upserts.server";
import { withDataWrite } from "@stock-market/pipeline/db/data-version.server";
import { startFerretDb } from "@stock-market/pipeline/services/ferretdb.server";
import { MongoClient, type Db } from "mongodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { markAuditUndone, recordAudit } from "@stock-market/pipeline/db/audit.server";
import { loadAdjustedHistory } from "~/models/adjusted-history.server";
import { auditPage } from "~/models/audit.server";
import { symbolsInDb } from "~/models/symbols.server";
import { cachedRead, clearReadCache, MAX_ENTRIES, readCacheSize } from "~/read-cache.server";
import { clearSymbolRecords } from "~/symbol-records.server";

// Two clients stand for two processes: the web app reading (its commands counted) and a CLI or another web app writing.
let reader: MongoClient;
let writer: MongoClient;
let readDb: Db;
let writeDb: Db;
let commands: string[] = [];
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  let uri = process.env.TEST_MONGODB_URI;
  if (!uri) {
    const dataDir = await mkdtemp(join(tmpdir(), "webapp-read-cache-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const server = await startFerretDb({ dataDir });
    cleanups.push(() => server.stop());
    uri = server.uri;
  }
  reader = new MongoClient(uri, { monitorCommands: true });
  writer = new MongoClient(uri);
  cleanups.push(
    () => reader.close(),
    () => writer.close(),
  );
  reader.on("commandStarted", (e) => commands.push(`${e.commandName} ${String(e.command[e.commandName])}`));
  const name = `read_cache_${process.pid}`;
  readDb = reader.db(name);
  writeDb = writer.db(name);
  cleanups.push(() => writeDb.dropDatabase());
  await ensureDailyPriceIndexes(writeDb);
}, 120_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

beforeEach(() => {
  clearReadCache();
  clearSymbolRecords();
  commands = [];
});

const v = (close: number) => ({ open: close, high: close + 1, low: close - 1, close, volume: 100 });
const load = (symbol: string, dates: string[], close = 10) =>
  upsertPipelineBars(
    writeDb,
    dates.map((date) => ({ symbol, date, ...v(close) })),
    { feed: "synthetic", runId: "r", lakeObjectOf: () => "k" },
  );
const closes = async (symbol: string) => (await loadAdjustedHistory(readDb, symbol, "raw"))?.bars.map((b) => `${b.date}:${b.close}`) ?? [];

describe("the read cache", () => {
  it("a warm read of a price history issues two _id reads: the symbol's generation and the data version (for its actions)", async () => {
    await load("WARM", ["2024-01-02", "2024-01-03"]);
    await closes("WARM");
    commands = [];
    expect(await closes("WARM")).toEqual(["2024-01-02:10", "2024-01-03:10"]);
    expect(commands.sort()).toEqual(["find meta", "find symbol_summaries"]);
  });

  it("reads a request starts together share one version read", async () => {
    await load("SHARE", ["2024-01-02"]);
    await Promise.all([closes("SHARE"), symbolsInDb(readDb)]);
    commands = [];
    await Promise.all([closes("SHARE"), symbolsInDb(readDb)]);
    expect(commands.sort()).toEqual(["find meta", "find symbol_summaries"]);
  });

  it("a write through each write path from another client is visible on the very next read", async () => {
    await load("VIS", ["2024-02-01"]);
    expect(await closes("VIS")).toEqual(["2024-02-01:10"]);
    await load("VIS", ["2024-02-02"]);
    expect(await closes("VIS")).toEqual(["2024-02-01:10", "2024-02-02:10"]);
    await insertManualPrice(writeDb, { symbol: "VIS", date: "2024-02-05", values: v(20), by: "p" });
    expect(await closes("VIS")).toContain("2024-02-05:20");
    const seen = (await getDailyPrice(writeDb, "VIS", "2024-02-05"))!.updatedAt;
    const edit = await editManualPrice(writeDb, { symbol: "VIS", date: "2024-02-05", values: v(30), by: "p", seenUpdatedAt: seen });
    expect(await closes("VIS")).toContain("2024-02-05:30");
    const del = await deleteManualPrice(writeDb, { symbol: "VIS", date: "2024-02-05", by: "p", seenUpdatedAt: edit.ok ? edit.after!.updatedAt : seen });
    expect(await closes("VIS")).toEqual(["2024-02-01:10", "2024-02-02:10"]);
    expect(del.ok).toBe(true);
    if (del.ok) await restoreDailyPrice(writeDb, { symbol: "VIS", date: "2024-02-05", state: del.before, seenUpdatedAt: del.after!.updatedAt });
    expect(await closes("VIS")).toContain("2024-02-05:30");
    const split = { kind: "split" as const, id: "S-VIS", symbol: "VIS", date: "2024-02-05", splitFrom: 1, splitTo: 2, adjustmentType: "forward_split" as const };
    await upsertCorporateActions(writeDb, [split], { feed: "synthetic", runId: "r", lakeObjectOf: () => "k" });
    expect((await loadAdjustedHistory(readDb, "VIS", "split"))?.actions.map((a) => a.id)).toEqual(["S-VIS"]);
  });

  it("a new audit entry and an undo mark are on the very next audit page", async () => {
    const page = async () => (await auditPage(readDb, { page: 1 })).rows.map((r) => `${r.symbol} ${r.action}${r.undoneBy ? " undone" : ""}`);
    const before = await page();
    const entry = await recordAudit(writeDb, { at: new Date(), by: "p", action: "update", symbol: "AUD", date: "2024-02-01", before: null, after: null });
    expect(await page()).toEqual(["AUD update", ...before]);
    const undo = await recordAudit(writeDb, { at: new Date(), by: "p", action: "undo", symbol: "AUD", date: "2024-02-01", before: null, after: null, undoOf: entry._id });
    await markAuditUndone(writeDb, entry._id, undo._id);
    expect((await page()).slice(0, 2)).toEqual(["AUD undo", "AUD update undone"]);
  });

  it("a result read while a write is in flight is not kept", async () => {
    await load("FLY", ["2024-03-01"]);
    await withDataWrite(writeDb, async () => {
      await symbolsInDb(readDb);
      commands = [];
      // Same version, but the first read was not kept: the writer may change the data before its second bump.
      await symbolsInDb(readDb);
      expect(commands.length).toBeGreaterThan(1);
    });
    await symbolsInDb(readDb);
    commands = [];
    await symbolsInDb(readDb);
    expect(commands).toEqual(["find meta"]);
  });

  it("keeps at most MAX_ENTRIES results, dropping the least recently used", async () => {
    for (let i = 0; i <= MAX_ENTRIES; i++) await cachedRead(readDb, `k${i}`, async () => i);
    expect(readCacheSize()).toBe(MAX_ENTRIES);
    commands = [];
    let loaded = false;
    await cachedRead(readDb, "k0", async () => (loaded = true));
    expect(loaded).toBe(true);
  });
});
