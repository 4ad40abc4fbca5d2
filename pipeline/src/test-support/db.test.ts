import { MongoClient } from "mongodb";
import { afterAll, describe, expect, inject, it } from "vitest";
import { testDatabase, useTestDatabase } from "./db.js";
import { allowConsoleError } from "./setup-each.js";

async function databaseNames(): Promise<string[]> {
  const client = new MongoClient(inject("mongoUri"), { serverSelectionTimeoutMS: 5_000 });
  try {
    const { databases } = await client.db("admin").admin().listDatabases();
    return databases.map((database) => database.name);
  } finally {
    await client.close();
  }
}

// Top-level await: connected while the file is collected, dropped after the file.
const shared = await useTestDatabase();

describe("testDatabase()", () => {
  const seen: string[] = [];
  // Registered before testDatabase(), so it runs after its afterAll (hooks run as a stack).
  afterAll(async () => {
    expect(seen).toHaveLength(1);
    expect(await databaseNames()).not.toContain(seen[0]);
  });
  const t = testDatabase();

  it("gives this file a private database that tests can write to", async () => {
    expect(t.dbName).toMatch(/^test_\d+_[0-9a-f]{10}$/);
    expect(t.db.databaseName).toBe(t.dbName);
    expect(t.uri).toBe(inject("mongoUri"));
    await t.db.collection("tickers").insertMany([{ ticker: "AAPL" }, { ticker: "MSFT" }]);
    expect(await t.client.db(t.dbName).collection("tickers").countDocuments()).toBe(2);
    expect(await databaseNames()).toContain(t.dbName);
    seen.push(t.dbName);
  });

  it("keeps databases of different calls apart", async () => {
    expect(shared.dbName).not.toBe(t.dbName);
    await shared.db.collection("tickers").insertOne({ ticker: "NVDA" });
    expect(await shared.db.collection("tickers").countDocuments()).toBe(1);
    expect(await t.db.collection("tickers").countDocuments()).toBe(2);
  });
});

describe("the console.error guard", () => {
  it("lets a test that opts out write to console.error", () => {
    allowConsoleError();
    console.error("expected: this test called allowConsoleError()");
  });
});
