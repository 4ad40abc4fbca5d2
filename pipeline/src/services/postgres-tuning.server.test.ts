import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import { afterAll, describe, expect, it } from "vitest";
import { startFerretDb, stopEmbeddedMongo } from "./ferretdb.server.js";
import { queryPostgres } from "./postgres.server.js";
import { TWIN_TRIGGER } from "./postgres-tuning.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) {
    await stopEmbeddedMongo(dir);
    await rm(dir, { recursive: true, force: true });
  }
});

/** Indexes of the collection's table in `schema`, by name, with their access method. */
async function indexesOf(dir: string, schema: string): Promise<Map<string, string>> {
  const rows = await queryPostgres(
    dir,
    `SELECT c.relname, a.amname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam JOIN pg_class t ON t.oid = i.indrelid
     JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = '${schema}' AND t.relname LIKE 'prices%' ORDER BY 1`,
  );
  return new Map(
    rows
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split("|") as [string, string]),
  );
}

/**
 * The plan of FerretDB's own pushed-down equality (the SQL it logs: the field
 * name is a bound parameter), at the 7th execution of the prepared statement,
 * when PostgreSQL would otherwise have switched to a generic plan. Sequential
 * scans are priced out, so the plan shows whether an index CAN serve it.
 */
async function planOfEquality(dir: string, schema: string, field: string, value: string): Promise<string> {
  const table = (
    await queryPostgres(
      dir,
      `SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '${schema}' AND relname LIKE 'prices%' AND relkind = 'r'`,
    )
  ).trim();
  const explain = `EXPLAIN EXECUTE eq('${field}', '${value}');`;
  const out = await queryPostgres(
    dir,
    `SET enable_seqscan = off; PREPARE eq(text, jsonb) AS SELECT _jsonb FROM "${schema}"."${table}" WHERE _jsonb->$1 @> $2; ${explain.repeat(7)}`,
  );
  return out
    .split(/\n(?=\S)/)
    .slice(-3)
    .join("\n");
}

/** Starts the embedded server on `dir`, hands `use` a client, and stops both. */
async function withServer(dir: string, use: (client: MongoClient) => Promise<void>): Promise<void> {
  const server = await startFerretDb({ dataDir: dir });
  const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    await use(client);
  } finally {
    await client.close();
    await server.stop();
  }
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "pg-tuning-test-"));
  dirs.push(dir);
  return dir;
}

describe("the embedded PostgreSQL under FerretDB", () => {
  it("serves FerretDB's equality filters from an index: each indexed top-level field gets a GIN twin that the queries use", async () => {
    const dir = await tempDir();
    await withServer(dir, async (client) => {
      const prices = client.db("tuning_test").collection("prices");
      await prices.createIndex({ symbol: 1, date: 1 }, { unique: true });
      await prices.createIndex({ "nested.field": 1 });
      const docs = Array.from({ length: 2_000 }, (_, i) => ({ symbol: `S${i % 40}`, date: new Date(Date.UTC(2024, 0, 1 + Math.floor(i / 40))), close: i }));
      await prices.insertMany(docs);
      // What the application asked for is all that MongoDB's side shows.
      expect((await prices.listIndexes().toArray()).map((i) => i.name).sort()).toEqual(["_id_", "nested.field_1", "symbol_1_date_1"]);

      const gin = [...(await indexesOf(dir, "tuning_test"))].filter(([, method]) => method === "gin").map(([name]) => name);
      // _id, symbol and date; not the nested path, which FerretDB never pushes down.
      expect(gin).toHaveLength(3);
      expect(await planOfEquality(dir, "tuning_test", "symbol", '"S7"')).toMatch(/Bitmap Index Scan on \S+_eq_/);
      expect(await planOfEquality(dir, "tuning_test", "date", String(Date.UTC(2024, 0, 3)))).toMatch(/Bitmap Index Scan on \S+_eq_/);

      // The answers are the same as without the twins.
      const found = await prices.find({ symbol: "S7" }).toArray();
      expect(found.map((d) => d.close).sort((a, b) => a - b)).toEqual(docs.filter((d) => d.symbol === "S7").map((d) => d.close));
      expect(await prices.findOne({ symbol: "S7", date: new Date(Date.UTC(2024, 0, 3)) })).toMatchObject({ close: 87 });
      expect(await prices.findOne({ _id: found[0]!._id })).toMatchObject({ symbol: "S7" });
    });
  });

  it("gives indexes made before the tuning their twins at the next start", async () => {
    const dir = await tempDir();
    await withServer(dir, async (client) => {
      await queryPostgres(dir, `ALTER EVENT TRIGGER ${TWIN_TRIGGER} DISABLE`);
      await client.db("tuning_test").collection("prices").createIndex({ symbol: 1 });
      await queryPostgres(dir, `ALTER EVENT TRIGGER ${TWIN_TRIGGER} ENABLE`);
      expect([...(await indexesOf(dir, "tuning_test")).values()].filter((m) => m === "gin")).toHaveLength(0);
    });
    await withServer(dir, async (client) => {
      expect([...(await indexesOf(dir, "tuning_test")).values()].filter((m) => m === "gin")).toHaveLength(2);
      expect(await client.db("tuning_test").collection("prices").countDocuments({})).toBe(0);
    });
  });
});
