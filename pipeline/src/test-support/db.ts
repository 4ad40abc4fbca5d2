/**
 * A private database per test file (or per describe) on the run's shared test
 * server (see global-setup.ts), dropped afterwards.
 *
 *   describe("daily prices", () => {
 *     const t = testDatabase();          // connects in beforeAll, drops in afterAll
 *     it("…", async () => { await t.db.collection("x").insertOne({}); });
 *   });
 *
 * or, at the top level of a test file: `const { db } = await useTestDatabase();`
 */
import { randomBytes } from "node:crypto";
import { type Db, MongoClient } from "mongodb";
import { afterAll, beforeAll, inject } from "vitest";

export interface TestDatabase {
  client: MongoClient;
  db: Db;
  /** `test_<pool id>_<random>`, unique per call */
  dbName: string;
  /** The test server's connection string (without the database name). */
  uri: string;
}

function testDbName(): string {
  return `test_${process.env.VITEST_POOL_ID ?? "0"}_${randomBytes(5).toString("hex")}`;
}

async function connect(dbName: string): Promise<TestDatabase> {
  const uri = inject("mongoUri");
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  return { client, db: client.db(dbName), dbName, uri };
}

async function dropAndClose(t: TestDatabase): Promise<void> {
  try {
    await t.db.dropDatabase();
  } finally {
    await t.client.close();
  }
}

/**
 * Call at describe (or file) level. Returns an object whose `client`, `db`,
 * `dbName` and `uri` can be read inside tests and hooks declared after it
 * (beforeAll connects; afterAll drops the database and closes the client).
 * `dbName` is known at once, e.g. for building a config before the tests run.
 */
export function testDatabase(): TestDatabase {
  const dbName = testDbName();
  let current: TestDatabase | undefined;
  beforeAll(async () => {
    current = await connect(dbName);
  });
  afterAll(async () => {
    if (current) await dropAndClose(current);
    current = undefined;
  });
  const get = (): TestDatabase => {
    if (!current) throw new Error("the test database is not connected yet: use it inside a test or a hook, not while the file is collected");
    return current;
  };
  return {
    get client() {
      return get().client;
    },
    get db() {
      return get().db;
    },
    dbName,
    get uri() {
      return inject("mongoUri");
    },
  };
}

/**
 * Connects at once (use with top-level await in a test file) and registers an
 * afterAll that drops the database and closes the client.
 */
export async function useTestDatabase(): Promise<TestDatabase> {
  const t = await connect(testDbName());
  afterAll(() => dropAndClose(t));
  return t;
}
