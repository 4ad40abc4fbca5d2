/**
 * The bounds of a gs:// lake's local partition cache (decision 081). A copy
 * is a body (`<key>`) and a label (`<key>.version`: the object's generation
 * when it was fetched). Unbounded, the folder would grow with every session
 * anyone looks at, so:
 * - a copy whose object was rewritten or deleted in the lake is dropped (it
 *   would be fetched again before being read anyway);
 * - past `maxBytes`, the least recently used copies go first.
 * A copy the current request needs, or used within `graceMs` (a query queued
 * behind others may be about to read it), is never removed: the folder can
 * exceed the cap by what recent requests read, until a later pass.
 *
 * The index is kept in memory, one per folder per process, filled on first
 * use from the folder itself (a copy's last use is then its label's mtime).
 * One process per folder: another process's removals are not seen here.
 */
import { readdir, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";

/** 1 GiB: about seven years of a ~11,000-ticker market at ~500 KB a session; the page reads at most ~15 months. */
export const DEFAULT_CACHE_MAX_BYTES = 1024 ** 3;
/** Longer than a query waits in the DuckDB queue behind others, by a wide margin. */
export const DEFAULT_CACHE_GRACE_MS = 5 * 60_000;

export interface CacheLimits {
  maxBytes: number;
  graceMs: number;
}

interface Copy {
  version: string;
  bytes: number;
  usedAt: number;
}

const LABEL = ".version";
const caches = new Map<string, PartitionCache>();

export class PartitionCache {
  private readonly copies = new Map<string, Copy>();
  private readonly removing = new Map<string, Promise<void>>();
  private loaded: Promise<void> | undefined;
  private pruning: Promise<void> = Promise.resolve();

  private constructor(
    readonly dir: string,
    public limits: CacheLimits,
  ) {}

  /** The one index of `dir` in this process (sources over the same folder share it; the latest limits apply). */
  static of(dir: string, limits: CacheLimits): PartitionCache {
    const key = path.resolve(dir);
    let cache = caches.get(key);
    if (!cache) caches.set(key, (cache = new PartitionCache(key, limits)));
    cache.limits = limits;
    return cache;
  }

  /** Reads the folder into the index once; removes leftovers of interrupted downloads. */
  load(): Promise<void> {
    if (!this.loaded) {
      this.loaded = this.scan();
      this.loaded.catch(() => (this.loaded = undefined));
    }
    return this.loaded;
  }

  /** Marks `key` as used now, then waits for a removal of it already under way (the caller fetches it again). */
  async use(key: string): Promise<void> {
    const copy = this.copies.get(key);
    if (copy) copy.usedAt = Date.now();
    await this.removing.get(key);
  }

  has(key: string): boolean {
    return this.copies.has(key);
  }

  /** A copy now on disk, labelled `version`. */
  record(key: string, version: string, bytes: number): void {
    this.copies.set(key, { version, bytes, usedAt: Date.now() });
  }

  /** Bytes of the copies in the index. */
  get bytes(): number {
    let total = 0;
    for (const c of this.copies.values()) total += c.bytes;
    return total;
  }

  /**
   * Drops copies whose lake object is gone or has another generation in
   * `versions`, then the least recently used ones while over the cap; never
   * one in `keep` or used within the grace period. One pass at a time.
   */
  prune(versions: ReadonlyMap<string, string>, keep: ReadonlySet<string>): Promise<void> {
    const run = this.pruning.then(() => this.pruneNow(versions, keep));
    // The caller gets this pass's failure; the next pass does not inherit it.
    this.pruning = run.catch(() => undefined);
    return run;
  }

  private async pruneNow(versions: ReadonlyMap<string, string>, keep: ReadonlySet<string>): Promise<void> {
    const removable = (key: string, since: number) => {
      const c = this.copies.get(key);
      return c !== undefined && !keep.has(key) && Date.now() - c.usedAt >= this.limits.graceMs && c.usedAt <= since;
    };
    const start = Date.now();
    for (const [key, c] of [...this.copies]) {
      if (versions.get(key) !== c.version && removable(key, start)) await this.remove(key);
    }
    let total = this.bytes;
    if (total <= this.limits.maxBytes) return;
    const oldestFirst = [...this.copies].sort((a, b) => a[1].usedAt - b[1].usedAt);
    for (const [key, c] of oldestFirst) {
      if (total <= this.limits.maxBytes) break;
      // Checked again right before removing: a request may have used it since the pass began.
      if (!removable(key, start)) continue;
      total -= c.bytes;
      await this.remove(key);
    }
  }

  private async remove(key: string): Promise<void> {
    this.copies.delete(key);
    const local = path.join(this.dir, key);
    // Label first: a crash between the two leaves an unlabelled body, which is fetched again, never served as current.
    const done = (async () => {
      await rm(`${local}${LABEL}`, { force: true });
      await rm(local, { force: true });
    })();
    this.removing.set(key, done);
    try {
      await done;
    } finally {
      this.removing.delete(key);
    }
  }

  private async scan(): Promise<void> {
    const entries = await readdir(this.dir, { withFileTypes: true, recursive: true }).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return [];
      throw e;
    });
    const files = new Set(entries.filter((e) => e.isFile()).map((e) => path.relative(this.dir, path.join(e.parentPath, e.name))));
    const now = Date.now();
    const old = async (file: string) => now - (await stat(path.join(this.dir, file))).mtimeMs >= this.limits.graceMs;
    for (const file of files) {
      const label = file.endsWith(LABEL);
      const key = label ? file.slice(0, -LABEL.length) : file;
      if (key.endsWith(".tmp")) {
        // An interrupted download's temporary file (`<key>.<pid>.tmp`); a recent one may still be written.
        if (await old(file)) await rm(path.join(this.dir, file), { force: true });
      } else if (label) {
        if (!files.has(key)) await rm(path.join(this.dir, file), { force: true });
        else {
          const [version, body, labelStat] = await Promise.all([readFile(path.join(this.dir, file), "utf8"), stat(path.join(this.dir, key)), stat(path.join(this.dir, file))]);
          if (!this.copies.has(key)) this.copies.set(key, { version, bytes: body.size, usedAt: labelStat.mtimeMs });
        }
      } else if (!files.has(`${file}${LABEL}`) && (await old(file))) {
        // A body whose label was never written or already removed: it is fetched again before any read.
        await rm(path.join(this.dir, file), { force: true });
      }
    }
  }
}
