import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MongoClient, MongoServerError } from "mongodb";
import { afterAll, describe, expect, it } from "vitest";
import { ensureEmbeddedMongo, startFerretDb, stopEmbeddedMongo } from "./ferretdb.server.js";
import { isPidAlive } from "./process.server.js";

const dirs: string[] = [];
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
    const server = await startFerretDb({ dataDir: await tempDir() });
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
  });

  it("ensureEmbeddedMongo reuses a running server instead of starting a second one", async () => {
    const dataDir = await tempDir();
    const lines: string[] = [];
    // Two callers at once: the start lock lets only one of them start a server.
    const [a, b] = await Promise.all([
      ensureEmbeddedMongo({ dataDir, log: (line) => lines.push(line) }),
      ensureEmbeddedMongo({ dataDir, log: (line) => lines.push(line) }),
    ]);
    try {
      expect([a.startedHere, b.startedHere].sort()).toEqual([false, true]);
      expect(a.uri).toBe(b.uri);
      const state = JSON.parse(await readFile(join(dataDir, "server.json"), "utf8")) as { uri: string; pid: number };
      expect(state.uri).toBe(a.uri);
      expect(isPidAlive(state.pid)).toBe(true);
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
