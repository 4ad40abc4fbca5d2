import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Double, Int32, MongoClient, MongoServerError } from "mongodb";
import { afterAll, describe, expect, it } from "vitest";
import { ensureEmbeddedMongo, startFerretDb, stopEmbeddedMongo } from "./ferretdb.server.js";
import { MAX_HELD_UPDATES } from "../db/write-lease.server.js";
import { isPostgresRunning, postgresPid } from "./postgres.server.js";
import { isPidAlive } from "./process.server.js";

const dirs: string[] = [];
const servers = new Map<number, string>();
const dataDirOf = (server: { pid: number }) => servers.get(server.pid)!;
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "ferretdb-test-"));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) {
    await stopEmbeddedMongo(dir); // in case a test failed half-way
    await rm(dir, { recursive: true, force: true });
  }
});

describe("FerretDB, the embedded MongoDB", () => {
  it("the embedded server accepts a unique index and rejects a duplicate key", async () => {
    const dataDir = await tempDir();
    const server = await startFerretDb({ dataDir });
    servers.set(server.pid, dataDir);
    const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5_000 });
    try {
      const prices = client.db("unique_index_test").collection("daily_prices");
      await prices.createIndex({ ticker: 1, date: 1 }, { unique: true, name: "ticker_date" });
      await prices.insertOne({ ticker: "AAPL", date: "2024-01-02", close: 185.64 });
      await prices.insertOne({ ticker: "AAPL", date: "2024-01-03", close: 184.25 });

      const duplicate = prices.insertOne({ ticker: "AAPL", date: "2024-01-02", close: 1 });
      await expect(duplicate).rejects.toBeInstanceOf(MongoServerError);
      await expect(duplicate).rejects.toMatchObject({ code: 11000 });
      expect(await prices.countDocuments()).toBe(2);
      expect((await prices.indexes()).map((index) => index.name)).toContain("ticker_date");
    } finally {
      await client.close();
      await server.stop();
    }
    expect(isPidAlive(server.pid)).toBe(false);
    expect(isPostgresRunning(dataDirOf(server))).toBe(false); // its PostgreSQL is stopped with it
  });

  it("on PostgreSQL, an update command of MAX_HELD_UPDATES statements that all match completes (FerretDB 1.24 hangs from 50 on)", async () => {
    expect(MAX_HELD_UPDATES).toBeLessThan(50);
    const dataDir = await tempDir();
    const server = await startFerretDb({ dataDir });
    const client = new MongoClient(server.uri, { socketTimeoutMS: 20_000 });
    try {
      const c = client.db("bulk_test").collection("c");
      await c.insertMany(Array.from({ length: MAX_HELD_UPDATES }, (_, k) => ({ k, v: 0 })));
      const ops = Array.from({ length: MAX_HELD_UPDATES }, (_, k) => ({ updateOne: { filter: { k }, update: { $inc: { v: 1 } } } }));
      expect((await c.bulkWrite(ops, { ordered: false })).modifiedCount).toBe(MAX_HELD_UPDATES);
    } finally {
      await client.close();
      await server.stop();
    }
  });

  it("ensureEmbeddedMongo restarts a killed PostgreSQL (and the FerretDB left on it) and finds the data again", async () => {
    const dataDir = await tempDir();
    const first = await ensureEmbeddedMongo({ dataDir });
    try {
      const write = new MongoClient(first.uri);
      await write
        .db("crash_test")
        .collection("c")
        .insertMany([{ n: 1 }, { n: 2 }]);
      await write.close();
      const { pid: ferretPid } = JSON.parse(await readFile(join(dataDir, "server.json"), "utf8")) as { pid: number };
      process.kill(postgresPid(dataDir)!, "SIGKILL");
      while (isPostgresRunning(dataDir)) await new Promise((done) => setTimeout(done, 20));

      const lines: string[] = [];
      const second = await ensureEmbeddedMongo({ dataDir, log: (line) => lines.push(line) });
      expect(second.startedHere).toBe(true);
      expect(lines.join("\n")).toMatch(/running without its PostgreSQL: restarting it/);
      expect(isPidAlive(ferretPid)).toBe(false);
      const read = new MongoClient(second.uri);
      expect(await read.db("crash_test").collection("c").countDocuments({ n: 2 })).toBe(1);
      await read.close();
    } finally {
      expect(await stopEmbeddedMongo(dataDir)).toBe(true);
    }
    expect(isPostgresRunning(dataDir)).toBe(false);
  });

  it("ensureEmbeddedMongo migrates a data directory of the former SQLite default, keeping every document, type and index, and the old files aside", async () => {
    const dataDir = await tempDir();
    const old = await startFerretDb({ dataDir, backend: "sqlite" });
    const docs = Array.from({ length: 2_500 }, (_, i) => ({ symbol: `S${i % 7}`, i: new Int32(i), close: new Double(5), at: new Date(Date.UTC(2024, 0, 1 + i)) }));
    const writer = new MongoClient(old.uri);
    await writer.db("stock_market").collection("daily_prices").insertMany(docs);
    await writer.db("stock_market").collection("daily_prices").createIndex({ symbol: 1, i: 1 }, { unique: true, name: "symbol_i" });
    await writer.db("other").collection("notes").insertOne({ text: "kept" });
    await writer.close();
    await old.stop();
    expect((await readdir(dataDir)).filter((f) => f.endsWith(".sqlite")).sort()).toEqual(["other.sqlite", "stock_market.sqlite"]);

    const lines: string[] = [];
    const server = await ensureEmbeddedMongo({ dataDir, log: (line) => lines.push(line) });
    try {
      expect(lines.join("\n")).toMatch(/migrated stock_market\.daily_prices: 2500 documents/);
      const aside = lines.join("\n").match(/old files were moved to (\S+sqlite-migrated-\S+)/)?.[1];
      expect(aside).toBeDefined();
      expect((await readdir(aside!)).filter((f) => f.endsWith(".sqlite")).sort()).toEqual(["other.sqlite", "stock_market.sqlite"]);
      expect((await readdir(dataDir)).filter((f) => f.endsWith(".sqlite"))).toEqual([]);

      const client = new MongoClient(server.uri);
      const prices = client.db("stock_market").collection("daily_prices");
      expect(await prices.countDocuments()).toBe(2_500);
      const one = await prices.findOne({ i: 42 }, { promoteValues: false });
      expect(one?.close).toBeInstanceOf(Double); // 5.0 stays a double
      expect((await prices.indexes()).find((x) => x.name === "symbol_i")).toMatchObject({ key: { symbol: 1, i: 1 }, unique: true });
      expect(await client.db("other").collection("notes").countDocuments({ text: "kept" })).toBe(1);
      await client.close();
    } finally {
      await stopEmbeddedMongo(dataDir);
    }
  });

  it("ensureEmbeddedMongo reuses a running server instead of starting a second one", async () => {
    const dataDir = await tempDir();
    const lines: string[] = [];
    // Two callers at once: the start lock lets only one of them start a server.
    const [a, b] = await Promise.all([ensureEmbeddedMongo({ dataDir, log: (line) => lines.push(line) }), ensureEmbeddedMongo({ dataDir, log: (line) => lines.push(line) })]);
    try {
      expect([a.startedHere, b.startedHere].sort()).toEqual([false, true]);
      expect(a.uri).toBe(b.uri);
      const state = JSON.parse(await readFile(join(dataDir, "server.json"), "utf8")) as { uri: string; pid: number };
      expect(state.uri).toBe(a.uri);
      expect(isPidAlive(state.pid)).toBe(true);
      // Both processes are recorded: FerretDB here, with the socket of its PostgreSQL, whose pid is in the cluster's postmaster.pid.
      expect(state).toMatchObject({ handler: "postgresql", postgresql: `postgres://postgres@/ferretdb?host=${encodeURIComponent(join(dataDir, "pg-socket"))}` });
      expect(isPidAlive(postgresPid(dataDir)!)).toBe(true);
      expect(existsSync(join(dataDir, "start.lock"))).toBe(false);

      const again = await ensureEmbeddedMongo({ dataDir });
      expect(again).toMatchObject({ uri: a.uri, startedHere: false });
      await again.stop(); // a no-op for a reused server
      expect(isPidAlive(state.pid)).toBe(true);
      expect(lines.filter((line) => line.startsWith("starting"))).toHaveLength(1);

      await (a.startedHere ? a : b).stop();
      expect(isPidAlive(state.pid)).toBe(false);
      expect(existsSync(join(dataDir, "server.json"))).toBe(false);
      expect(await stopEmbeddedMongo(dataDir)).toBe(false);
    } finally {
      await stopEmbeddedMongo(dataDir);
    }
  });

  it("ensureEmbeddedMongo starts afresh after a stale lock and a stale server.json, and stopEmbeddedMongo stops it", async () => {
    const dataDir = await tempDir();
    const first = await ensureEmbeddedMongo({ dataDir });
    const { pid } = JSON.parse(await readFile(join(dataDir, "server.json"), "utf8")) as { pid: number };
    process.kill(pid, "SIGKILL"); // leaves server.json behind
    while (isPidAlive(pid)) await new Promise((done) => setTimeout(done, 20));
    await writeFile(join(dataDir, "start.lock"), "999999999"); // a crashed starter

    const second = await ensureEmbeddedMongo({ dataDir });
    expect(second.startedHere).toBe(true);
    expect(second.uri).not.toBe(first.uri);
    const client = new MongoClient(second.uri, { serverSelectionTimeoutMS: 5_000 });
    await client.db("stale_test").collection("c").insertOne({ ok: 1 });
    await client.close();

    expect(await stopEmbeddedMongo(dataDir)).toBe(true);
    expect(existsSync(join(dataDir, "server.json"))).toBe(false);
  });

  it("a missing binary gives a sentence naming the fix", async () => {
    const dataDir = await tempDir();
    const attempt = startFerretDb({ dataDir, binPath: join(dataDir, "no-such-ferretdb") });
    await expect(attempt).rejects.toThrow(
      /^the embedded MongoDB \(FerretDB\) is not built: run scripts\/ensure-tools\.sh, or set MONGODB_URI \(there is no executable at .*no-such-ferretdb\)$/,
    );

    const previous = process.env.FERRETDB_BIN;
    process.env.FERRETDB_BIN = join(dataDir, "also-missing");
    try {
      await expect(ensureEmbeddedMongo({ dataDir })).rejects.toThrow(/run scripts\/ensure-tools\.sh.*also-missing/);
    } finally {
      if (previous === undefined) delete process.env.FERRETDB_BIN;
      else process.env.FERRETDB_BIN = previous;
    }
    expect(existsSync(join(dataDir, "start.lock"))).toBe(false);
  });

  it("a server that exits at once is reported with its stderr", async () => {
    const attempt = startFerretDb({ dataDir: await tempDir(), logLevel: "chatty" });
    await expect(attempt).rejects.toThrow(/exited \(code 1\) before it was ready:\n.*bad -log-level "chatty"/);
  });
});
