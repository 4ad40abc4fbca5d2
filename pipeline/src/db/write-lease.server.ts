import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import type { Db } from "mongodb";
import { DatabaseError } from "../errors.js";
import { isDuplicateKey } from "./duplicate-key.js";

/**
 * A short exclusive lease on the guarded writes to `daily_prices`: the
 * pipeline's "only while it is still the pipeline's record" updates and a
 * person's "only if unchanged since I looked" edits, deletes and restores.
 *
 * Why: on MongoDB a single-document update is atomic, so the condition in its
 * filter and the change are one step. On the embedded FerretDB 1.24 (SQLite)
 * they are not: an update reads the matching document, applies the change in
 * memory and writes the whole document back by _id. A person's edit that
 * committed between that read and that write was silently overwritten by the
 * pipeline's values (tests/reliability/manual-race.test.ts found it). An
 * insert into a unique index is atomic on both servers, so the lease is one
 * document in `write_leases` with a unique `name`. Plain inserts of new
 * records need no lease: the unique (symbol, date) index settles those races.
 *
 * A holder that dies leaves its lease behind until `expiresAt`; the next
 * writer then removes that lease (by its own random _id, so never a newer
 * one) and takes its place. Holds are short (one edit, or up to
 * MAX_HELD_UPDATES pipeline updates), far below LEASE_MS.
 */
export const WRITE_LEASES = "write_leases";

/** What a lease guards: the records, or the per-symbol summaries (taken after the records' lease, never before it). */
export type LeaseName = "daily_prices" | "symbol_summaries";
const LEASE_MS = 30_000;
const WAIT_MS = 30_000;
/**
 * The most pipeline updates sent under one hold, so a person's edit never waits long.
 * Also below 50 because FerretDB 1.24 on PostgreSQL holds one pooled connection (of 50)
 * per matching statement until an `update` command ends, and hangs at 50 (decision 070).
 */
export const MAX_HELD_UPDATES = 40;

interface Lease {
  _id: string;
  name: string;
  holder: string;
  takenAt: Date;
  expiresAt: Date;
}

// One index creation per database per process (createIndex is idempotent, but costs a round trip).
const indexed = new WeakMap<Db, Promise<unknown>>();

function ensureLeaseIndex(db: Db): Promise<unknown> {
  let done = indexed.get(db);
  if (!done) {
    done = db.collection<Lease>(WRITE_LEASES).createIndex({ name: 1 }, { name: "name_unique", unique: true });
    done.catch(() => indexed.delete(db));
    indexed.set(db, done);
  }
  return done;
}

/**
 * Whether the server needs the lease: FerretDB (it says so in buildInfo) runs a
 * conditional update as a read, then a write by _id, so the condition can be
 * stale by the time it writes; on PostgreSQL too (decision 070). MongoDB applies
 * a single-document update atomically, so there the lease would only cost round
 * trips. Detected once per database handle, never configured.
 */
const needsLease = new WeakMap<Db, Promise<boolean>>();

export function serverNeedsLease(db: Db): Promise<boolean> {
  let known = needsLease.get(db);
  if (!known) {
    known = db.command({ buildInfo: 1 }).then((info) => "ferretdbVersion" in info);
    known.catch(() => needsLease.delete(db));
    needsLease.set(db, known);
  }
  return known;
}

/**
 * Runs `fn` while holding the `daily_prices` write lease; waits up to WAIT_MS
 * for it. The lease is renewed while `fn` runs: a slow bulk update (on a big
 * FerretDB collection each update scans) must not look like a dead holder.
 */
export async function withWriteLease<T>(db: Db, fn: () => Promise<T>, opts: { leaseMs?: number; name?: LeaseName } = {}): Promise<T> {
  if (!(await serverNeedsLease(db))) return fn();
  const name = opts.name ?? "daily_prices";
  const leaseMs = opts.leaseMs ?? LEASE_MS;
  await ensureLeaseIndex(db);
  const leases = db.collection<Lease>(WRITE_LEASES);
  const id = randomUUID();
  const deadline = Date.now() + WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    const now = new Date();
    try {
      await leases.insertOne({ _id: id, name, holder: `${hostname()}:${process.pid}`, takenAt: now, expiresAt: new Date(now.getTime() + leaseMs) });
      break;
    } catch (e) {
      if (!isDuplicateKey(e)) throw e;
    }
    const current = await leases.findOne({ name });
    if (current && current.expiresAt.getTime() < Date.now()) {
      await leases.deleteOne({ _id: current._id }); // its holder died while holding it
      continue;
    }
    if (Date.now() > deadline) {
      throw new DatabaseError(
        `the ${name} ${name === "daily_prices" ? "records" : "documents"} stayed locked for over ${WAIT_MS / 1000} s by ${current?.holder ?? "another writer"}; try again`,
      );
    }
    await sleep(Math.min(5 * 2 ** attempt, 100));
  }
  const renew = setInterval(() => {
    // A failed renewal (the database went away) is not this writer's error to report: fn's own writes fail too.
    leases.updateOne({ _id: id }, { $set: { expiresAt: new Date(Date.now() + leaseMs) } }).catch(() => undefined);
  }, leaseMs / 3);
  try {
    return await fn();
  } finally {
    clearInterval(renew);
    // If this fails (the database went away), the lease simply expires.
    await leases.deleteOne({ _id: id }).catch(() => undefined);
  }
}
