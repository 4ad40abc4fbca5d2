import { MongoClient, MongoError, type Db, type MongoClientOptions } from "mongodb";
import { redactMongoUri } from "../config.server.js";
import { DatabaseError } from "../errors.js";

/**
 * Opens a MongoDB connection and proves it with a ping, so a down database is
 * one clear sentence at start-up instead of a stack trace mid-run.
 */
export async function connectMongo(uri: string, dbName: string, appName = "stock-pipeline"): Promise<{ client: MongoClient; db: Db }> {
  // Defaults only: the driver lets constructor options override the URI's, so
  // a timeout written in MONGODB_URI (?serverSelectionTimeoutMS=…) would be ignored.
  const options: MongoClientOptions = { appName };
  for (const name of ["serverSelectionTimeoutMS", "connectTimeoutMS"] as const) {
    if (!new RegExp(`[?&]${name}=`, "i").test(uri)) options[name] = 10_000;
  }
  const client = new MongoClient(uri, options);
  try {
    await client.connect();
    await client.db(dbName).command({ ping: 1 });
  } catch (e) {
    await client.close().catch(() => undefined);
    throw new DatabaseError(`cannot reach MongoDB at ${redactMongoUri(uri)}: ${mongoReason(e)}`, { cause: e });
  }
  return { client, db: client.db(dbName) };
}

/** A short, secret-free reason from a driver error. */
export function mongoReason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return redactMongoUri(msg).split("\n")[0]!.slice(0, 300);
}

/**
 * A driver error raised in the middle of a command (the server went away, a
 * write was refused) as a DatabaseError: one sentence saying what failed,
 * instead of an "unexpected error" with a stack trace. Other errors pass through.
 */
export function asDatabaseError(e: unknown, doing: string): unknown {
  if (!(e instanceof MongoError)) return e;
  return new DatabaseError(`the database failed while ${doing}: ${mongoReason(e)} (${e.name})`, { cause: e });
}

const globalCache = globalThis as unknown as { __stockMongo?: Map<string, Promise<{ client: MongoClient; db: Db }>> };

/**
 * One cached client per process and URI. Cached on globalThis because Remix's
 * dev server re-imports modules on every change, which would otherwise leak a
 * connection pool per edit.
 */
export function getCachedMongo(uri: string, dbName: string, appName?: string): Promise<{ client: MongoClient; db: Db }> {
  const cache = (globalCache.__stockMongo ??= new Map());
  const key = `${uri}\u0000${dbName}`;
  let entry = cache.get(key);
  if (!entry) {
    entry = connectMongo(uri, dbName, appName);
    entry.catch(() => cache.delete(key));
    cache.set(key, entry);
  }
  return entry;
}
