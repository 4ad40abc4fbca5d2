/**
 * Moves a data directory of the former embedded default (FerretDB on SQLite
 * files, `<dataDir>/<database>.sqlite`) to the PostgreSQL backend: the old
 * server and the new one run side by side as children, every collection of
 * every database is copied as it is (BSON types kept), its indexes re-created,
 * its counts compared; only then are the SQLite files moved aside to
 * `<dataDir>/sqlite-migrated-<timestamp>/`. They are never deleted. A failure
 * leaves them where they were, so the next command tries again from scratch.
 */
import { mkdir, readdir, rename } from "node:fs/promises";
import { join } from "node:path";
import { MongoClient, type Document } from "mongodb";
import { DatabaseError } from "../errors.js";

type Backend = "postgresql" | "sqlite";
interface Server {
  uri: string;
  stop(): Promise<void>;
}

const BATCH = 1_000;
const SYSTEM_DATABASES = new Set(["admin", "local", "config"]);

/** The SQLite files (with their -wal / -shm companions) directly in `dataDir`. */
export async function sqliteFiles(dataDir: string): Promise<string[]> {
  const names = await readdir(dataDir).catch(() => [] as string[]);
  return names.filter((n) => /\.sqlite(-wal|-shm|-journal)?$/.test(n)).sort();
}

async function copyCollection(from: MongoClient, to: MongoClient, db: string, name: string, log: (line: string) => void): Promise<void> {
  const source = from.db(db).collection(name);
  const target = to.db(db).collection(name);
  await target.drop().catch(() => undefined); // a half-copied collection of a failed attempt
  await to.db(db).createCollection(name);
  let copied = 0;
  let batch: Document[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await target.insertMany(batch, { ordered: false });
    copied += batch.length;
    batch = [];
  };
  // promoteValues false: an int32 stays int32 and a double 5.0 stays a double on the way back.
  for await (const doc of source.find({}, { promoteValues: false, promoteLongs: false, bsonRegExp: true })) {
    batch.push(doc);
    if (batch.length === BATCH) await flush();
  }
  await flush();
  for (const index of await source.listIndexes().toArray()) {
    if (index.name === "_id_") continue;
    const { key, name: indexName, unique, sparse, partialFilterExpression, expireAfterSeconds } = index as Document;
    await target.createIndex(key as Document, {
      name: indexName as string,
      ...(unique !== undefined && { unique: unique as boolean }),
      ...(sparse !== undefined && { sparse: sparse as boolean }),
      ...(partialFilterExpression !== undefined && { partialFilterExpression: partialFilterExpression as Document }),
      ...(expireAfterSeconds !== undefined && { expireAfterSeconds: expireAfterSeconds as number }),
    });
  }
  const [want, got] = await Promise.all([source.countDocuments(), target.countDocuments()]);
  if (want !== got) throw new Error(`${db}.${name} holds ${want} documents on SQLite but ${got} after the copy`);
  log(`migrated ${db}.${name}: ${copied} documents`);
}

/**
 * Copies the SQLite data of `dataDir` into its PostgreSQL cluster, then moves
 * the SQLite files aside. `start` starts a FerretDB child on `dataDir` with the
 * given backend. Throws a DatabaseError saying what to do if anything fails.
 */
export async function migrateSqliteData(opts: { dataDir: string; log: (line: string) => void; start: (backend: Backend) => Promise<Server> }): Promise<void> {
  const { dataDir, log } = opts;
  log(`${dataDir} holds data of the former SQLite default: copying it to PostgreSQL (the SQLite files are kept)`);
  const servers: Server[] = [];
  const clients: MongoClient[] = [];
  try {
    const [oldServer, newServer] = [await opts.start("sqlite"), await opts.start("postgresql")];
    servers.push(oldServer, newServer);
    const [from, to] = [new MongoClient(oldServer.uri), new MongoClient(newServer.uri)];
    clients.push(from, to);
    const { databases } = await from.db("admin").admin().listDatabases({ nameOnly: true });
    for (const { name: db } of databases.filter((d) => !SYSTEM_DATABASES.has(d.name))) {
      const collections = await from.db(db).listCollections({ type: "collection" }, { nameOnly: true }).toArray();
      for (const { name } of collections) await copyCollection(from, to, db, name, log);
    }
  } catch (error) {
    throw new DatabaseError(
      `migrating the SQLite data of ${dataDir} to PostgreSQL failed (${(error as Error).message}); nothing was lost: the SQLite files are still in ${dataDir}. ` +
        `Fix the cause and run the command again (it starts the copy afresh), or keep using the old data with MONGODB_URI pointing at a FerretDB on SQLite.`,
      { cause: error },
    );
  } finally {
    for (const client of clients) await client.close().catch(() => undefined);
    for (const server of servers.reverse()) await server.stop().catch(() => undefined);
  }
  const aside = join(dataDir, `sqlite-migrated-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  await mkdir(aside);
  for (const name of await sqliteFiles(dataDir)) await rename(join(dataDir, name), join(aside, name));
  log(`the SQLite data is now in PostgreSQL; the old files were moved to ${aside} (delete that folder once you no longer need it)`);
}
