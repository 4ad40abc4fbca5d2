import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDailyPriceIndexes } from "@stock-market/pipeline/db/daily-prices.server";
import { startFerretDb } from "@stock-market/pipeline/services/ferretdb.server";
import { MongoClient, type Db } from "mongodb";
import { afterAll, beforeAll } from "vitest";

/** A command the reading client sent: `find daily_prices` and its filter. */
export interface SeenCommand {
  name: string;
  filter: unknown;
}

export interface TwoClients {
  readDb: Db;
  writeDb: Db;
  /** What the reader sent since the last reset (`commands.length = 0`). */
  commands: SeenCommand[];
}

/**
 * Two clients of one database stand for two processes: the web app reading
 * (its commands recorded) and a CLI or another web app writing. A FerretDB on
 * a temporary folder unless TEST_MONGODB_URI names a server; all of it is
 * stopped and removed after the file's tests.
 */
export function useTwoClients(name: string): TwoClients {
  const clients = { commands: [] } as unknown as TwoClients;
  const cleanups: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    let uri = process.env.TEST_MONGODB_URI;
    if (!uri) {
      const dataDir = await mkdtemp(join(tmpdir(), `webapp-${name}-`));
      cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
      const server = await startFerretDb({ dataDir });
      cleanups.push(() => server.stop());
      uri = server.uri;
    }
    const reader = new MongoClient(uri, { monitorCommands: true });
    const writer = new MongoClient(uri);
    cleanups.push(
      () => reader.close(),
      () => writer.close(),
    );
    reader.on("commandStarted", (e) => clients.commands.push({ name: `${e.commandName} ${String(e.command[e.commandName])}`, filter: e.command.filter }));
    const db = `${name}_${process.pid}`;
    clients.readDb = reader.db(db);
    clients.writeDb = writer.db(db);
    cleanups.push(() => clients.writeDb.dropDatabase());
    await ensureDailyPriceIndexes(clients.writeDb);
  }, 120_000);
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });
  return clients;
}
