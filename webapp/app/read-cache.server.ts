import { readDataVersion, type DataVersion } from "@stock-market/pipeline/db/data-version.server";
import type { Db } from "mongodb";

/**
 * Expensive reads kept in process memory, keyed by (data version, query):
 * a warm request costs one `_id` read of the version document, and any write
 * from any process moves the version, so the next request reads afresh
 * (docs/decisions/071-symbol-summaries-and-read-cache.md). Bounded: at most
 * MAX_ENTRIES results and MAX_WEIGHT weight units (about one row each),
 * least recently used first out. Cached values are shared between requests:
 * callers must treat them as read-only.
 */
export const MAX_ENTRIES = 500;
export const MAX_WEIGHT = 2_000_000;

interface Entry {
  value: unknown;
  weight: number;
}

class ReadCache {
  private version: string | undefined;
  private entries = new Map<string, Entry>();
  private weight = 0;

  get(version: string, key: string): Entry | undefined {
    if (version !== this.version) return undefined;
    const e = this.entries.get(key);
    if (e) {
      // Map order is the LRU order: re-insert to mark it recently used.
      this.entries.delete(key);
      this.entries.set(key, e);
    }
    return e;
  }

  set(version: string, key: string, value: unknown, weight: number): void {
    if (version !== this.version) {
      // Entries of another version are never read again (versions are fresh ids, never reused).
      this.clear();
      this.version = version;
    }
    if (weight > MAX_WEIGHT) return;
    const old = this.entries.get(key);
    if (old) this.weight -= old.weight;
    this.entries.delete(key);
    this.entries.set(key, { value, weight });
    this.weight += weight;
    for (const [k, e] of this.entries) {
      if (this.entries.size <= MAX_ENTRIES && this.weight <= MAX_WEIGHT) break;
      this.entries.delete(k);
      this.weight -= e.weight;
    }
  }

  clear(): void {
    this.entries.clear();
    this.weight = 0;
    this.version = undefined;
  }

  get size(): number {
    return this.entries.size;
  }
}

const globalCache = globalThis as unknown as { __webappReadCache?: ReadCache };
// On globalThis for the same reason as the database: the dev server re-imports modules.
const cache = (globalCache.__webappReadCache ??= new ReadCache());

let shared: { db: Db; version: Promise<DataVersion> } | undefined;

/**
 * The version, read once for the reads a request starts together (one
 * synchronous run, e.g. a loader's Promise.all). Only those share it: the
 * next request is another task, after the microtask that forgets it, so it
 * reads the version afresh and sees every write finished before it.
 */
function versionOf(db: Db): Promise<DataVersion> {
  if (shared?.db === db) return shared.version;
  const version = readDataVersion(db);
  shared = { db, version };
  queueMicrotask(() => {
    shared = undefined;
  });
  return version;
}

/**
 * `load()`'s result for `key`, from memory when the data version has not
 * moved since it was read. The version is read BEFORE the load, and the
 * result is kept only when no write was in flight then (data-version.server.ts).
 */
export async function cachedRead<T>(db: Db, key: string, load: () => Promise<T>, weight: (value: T) => number = () => 1): Promise<T> {
  const { v, cacheable } = await versionOf(db);
  const fullKey = `${db.databaseName}\u0000${key}`;
  const hit = cache.get(v, fullKey);
  if (hit) return hit.value as T;
  const value = await load();
  if (cacheable) cache.set(v, fullKey, value, Math.max(1, weight(value)));
  return value;
}

/** Drops everything (tests). */
export function clearReadCache(): void {
  cache.clear();
}

export function readCacheSize(): number {
  return cache.size;
}
