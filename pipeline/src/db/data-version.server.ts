import { randomUUID } from "node:crypto";
import type { Collection, Db } from "mongodb";
import { isDuplicateKey } from "./duplicate-key.js";

/**
 * The data version: one document of `meta` that every write path bumps, so a
 * reader in any process can tell whether what it cached is still what is
 * stored at the cost of one `_id` read (docs/decisions/071-symbol-summaries-and-read-cache.md).
 *
 * A write sets a new `v` (phase "writing") before touching data and another
 * new `v` (phase "written") after, even when it failed. `v` is a fresh random
 * id, not a counter: FerretDB's updates are read-modify-write, so two
 * concurrent `$inc`s may count once, but two concurrent `$set`s of fresh ids
 * still leave an id nobody cached under. A reader caches a result under the
 * version it read BEFORE its query, and only in phase "written": no entry can
 * hold data older than its version, and one read while a writer was between
 * its two bumps is never kept. A writer that crashed between them leaves
 * "writing": caching stays off until no bump has come for PENDING_STALE_MS
 * (the dead writer changes nothing more, so what is read then stays true).
 */
export const META = "meta";
const ID = "data_version";
export const PENDING_STALE_MS = 60_000;

interface VersionDoc {
  _id: string;
  v: string;
  phase: "writing" | "written";
  at: Date;
}

function meta(db: Db): Collection<VersionDoc> {
  return db.collection<VersionDoc>(META);
}

export interface DataVersion {
  v: string;
  /** False while a write is in flight: a result read now must not be cached. */
  cacheable: boolean;
}

/** The current version; "0" (cacheable) before any write recorded one. */
export async function readDataVersion(db: Db, now = new Date()): Promise<DataVersion> {
  const doc = await meta(db).findOne({ _id: ID });
  if (!doc) return { v: "0", cacheable: true };
  return { v: doc.v, cacheable: doc.phase === "written" || now.getTime() - doc.at.getTime() > PENDING_STALE_MS };
}

async function bump(db: Db, phase: VersionDoc["phase"]): Promise<void> {
  const set = () => meta(db).updateOne({ _id: ID }, { $set: { v: randomUUID(), phase, at: new Date() } }, { upsert: true });
  try {
    await set();
  } catch (e) {
    // Two first-ever bumps may both try to insert the document: the loser sets it once it exists.
    if (!isDuplicateKey(e)) throw e;
    await set();
  }
}

/** Runs a write between the two bumps (the second one even when the write fails). */
export async function withDataWrite<T>(db: Db, write: () => Promise<T>): Promise<T> {
  await bump(db, "writing");
  try {
    return await write();
  } finally {
    await bump(db, "written");
  }
}
