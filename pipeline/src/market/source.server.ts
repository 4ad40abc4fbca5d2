/**
 * Where the screener's Parquet files come from (decision 081): a LOCAL
 * directory laid out like the lake. A local lake is read in place; a GCS lake
 * is copied, partition by partition and only for the sessions a query needs,
 * into a local cache through the lake abstraction, each copy labelled with
 * the object's generation and fetched again when the generation changes.
 * The cache is bounded (partition-cache.server.ts): copies of rewritten or
 * deleted objects are dropped, and the least recently used ones past a size cap.
 * Every file handed to DuckDB has passed a footer check (PAR1 magic at both
 * ends), remembered per (path, mtime, size), so a truncated object is named
 * instead of half-read.
 */
import { createHash } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  CURATED_ACTIONS_PREFIX as ACTIONS_PREFIX,
  CURATED_BARS_PREFIX as BARS_PREFIX,
  curatedActionsKey as actionsKey,
  curatedBarsKey as barsKey,
  sessionOfBarsKey,
  yearOfActionsKey,
} from "../curated/layout.js";
import { openLake, type Lake, type OpenLakeOptions } from "../lake/lake.js";
import { corruptPartitionError } from "./errors.js";
import { DEFAULT_CACHE_GRACE_MS, DEFAULT_CACHE_MAX_BYTES, PartitionCache } from "./partition-cache.server.js";

// The fixed curated layout is pipeline/src/curated/layout.ts's (ARCHITECTURE.md "Data lake").
export { actionsKey, barsKey };

export interface CuratedFile {
  key: string;
  /** Local path DuckDB reads. */
  path: string;
  /** mtime and size when its footer was checked: what a cached result depends on. */
  stamp?: string;
}

export interface CuratedSource {
  readonly description: string;
  /** Curated sessions, ascending. */
  sessions(): Promise<string[]>;
  /** Local, footer-checked files of these sessions' bars (each must be in sessions()). */
  barFiles(dates: readonly string[]): Promise<CuratedFile[]>;
  /** Local, footer-checked files of every year of corporate actions. */
  actionFiles(): Promise<CuratedFile[]>;
}

export interface CuratedSourceOptions extends OpenLakeOptions {
  /** Where a gs:// lake's partitions are copied (default: a folder per lake under the OS temp dir). */
  cacheDir?: string;
  /** The cache's size cap in bytes (default DEFAULT_CACHE_MAX_BYTES). */
  cacheMaxBytes?: number;
  /** A copy used this recently is never removed (default DEFAULT_CACHE_GRACE_MS). */
  cacheGraceMs?: number;
}

/** The source for LAKE_URI: the folder itself, or a cache of a gs:// lake. */
export function curatedSourceFor(uri: string, opts: CuratedSourceOptions = {}): CuratedSource {
  const trimmed = uri.trim();
  if (/^gs:\/\//i.test(trimmed)) {
    const cacheDir = opts.cacheDir ?? path.join(tmpdir(), "stock-pipeline-curated-cache", createHash("sha256").update(trimmed).digest("hex").slice(0, 16));
    const cache = PartitionCache.of(cacheDir, { maxBytes: opts.cacheMaxBytes ?? DEFAULT_CACHE_MAX_BYTES, graceMs: opts.cacheGraceMs ?? DEFAULT_CACHE_GRACE_MS });
    return new CachedLakeSource(openLake(trimmed, opts), cacheDir, cache);
  }
  const root = /^file:\/\//i.test(trimmed) ? fileURLToPath(trimmed) : path.resolve(process.cwd(), trimmed);
  return new LocalDirSource(root);
}

/** The sessions `curate` must rebuild to repair `key`. */
export function rangeOfKey(key: string): [string, string] {
  const session = sessionOfBarsKey(key);
  if (session) return [session, session];
  const year = yearOfActionsKey(key) ?? "0000";
  return [`${year}-01-01`, `${year}-12-31`];
}

const checked = new Map<string, string>();

/** Throws CuratedLayerError unless `file` starts and ends with the Parquet magic. */
export async function checkFooter(file: CuratedFile): Promise<void> {
  const [from, to] = rangeOfKey(file.key);
  let s;
  try {
    s = await stat(file.path);
  } catch (e) {
    throw corruptPartitionError(file.key, from, to, "it is missing", e);
  }
  const stamp = `${s.mtimeMs}:${s.size}`;
  file.stamp = stamp;
  if (checked.get(file.path) === stamp) return;
  const handle = await open(file.path, "r");
  try {
    const head = Buffer.alloc(4);
    const tail = Buffer.alloc(4);
    if (s.size >= 12) {
      await handle.read(head, 0, 4, 0);
      await handle.read(tail, 0, 4, s.size - 4);
    }
    if (head.toString("latin1") !== "PAR1" || tail.toString("latin1") !== "PAR1") {
      throw corruptPartitionError(file.key, from, to, `it is not a whole Parquet file: ${s.size} bytes without the PAR1 footer, probably truncated`);
    }
  } finally {
    await handle.close();
  }
  if (checked.size > 10_000) checked.clear();
  checked.set(file.path, stamp);
}

class LocalDirSource implements CuratedSource {
  readonly description: string;
  constructor(private readonly root: string) {
    this.description = `local folder ${root}`;
  }
  private async listDates(prefix: string, pattern: RegExp): Promise<string[]> {
    const entries = await readdir(path.join(this.root, prefix)).catch(() => [] as string[]);
    return entries
      .map((e) => pattern.exec(e)?.[1])
      .filter((d): d is string => d !== undefined)
      .sort();
  }
  async sessions(): Promise<string[]> {
    const dates = await this.listDates(BARS_PREFIX, /^date=(\d{4}-\d{2}-\d{2})$/);
    // A folder whose part file is not there yet (a first curate mid-write) is no session.
    const present = await Promise.all(
      dates.map((d) =>
        stat(path.join(this.root, barsKey(d))).then(
          () => true,
          () => false,
        ),
      ),
    );
    return dates.filter((_, i) => present[i]);
  }
  async barFiles(dates: readonly string[]): Promise<CuratedFile[]> {
    return this.checked(dates.map(barsKey));
  }
  async actionFiles(): Promise<CuratedFile[]> {
    const years = await this.listDates(ACTIONS_PREFIX, /^year=(\d{4})$/);
    const files = years.map((y) => ({ key: actionsKey(y), path: path.join(this.root, actionsKey(y)) }));
    // A year folder without its part file (a curate in progress) has nothing to read yet.
    const present = await Promise.all(
      files.map((f) =>
        stat(f.path).then(
          () => f,
          () => undefined,
        ),
      ),
    );
    return this.checked(present.filter((f): f is CuratedFile => f !== undefined).map((f) => f.key));
  }
  private async checked(keys: string[]): Promise<CuratedFile[]> {
    const files = keys.map((key) => ({ key, path: path.join(this.root, key) }));
    await Promise.all(files.map(checkFooter));
    return files;
  }
}

/** How long one listing of a GCS lake's generations serves (concurrent page and API requests share it). */
const LISTING_TTL_MS = 2_000;

class CachedLakeSource implements CuratedSource {
  readonly description: string;
  private listing: { at: number; versions: Promise<Map<string, string>> } | undefined;
  private readonly downloads = new Map<string, Promise<void>>();
  /** The listing the cache was last pruned against: a new one may show rewritten objects. */
  private prunedAgainst: Map<string, string> | undefined;
  constructor(
    private readonly lake: Lake,
    private readonly cacheDir: string,
    private readonly cache: PartitionCache,
  ) {
    this.description = `${lake.description}, cached in ${cacheDir}`;
  }
  private versions(): Promise<Map<string, string>> {
    const now = Date.now();
    if (!this.listing || now - this.listing.at > LISTING_TTL_MS) {
      const versions = (async () => new Map([...(await this.lake.versions(BARS_PREFIX)), ...(await this.lake.versions(ACTIONS_PREFIX))]))();
      this.listing = { at: now, versions };
      versions.catch(() => (this.listing = undefined));
    }
    return this.listing.versions;
  }
  async sessions(): Promise<string[]> {
    const keys = [...(await this.versions()).keys()];
    return keys
      .map(sessionOfBarsKey)
      .filter((d): d is string => d !== null)
      .sort();
  }
  async barFiles(dates: readonly string[]): Promise<CuratedFile[]> {
    return this.fetch(dates.map(barsKey));
  }
  async actionFiles(): Promise<CuratedFile[]> {
    return this.fetch([...(await this.versions()).keys()].filter((k) => yearOfActionsKey(k) !== null));
  }
  /**
   * Local copies of `keys`, downloaded again where the lake's generation
   * differs from the copy's label; then the cache is pruned if a download or
   * a new listing may have changed what it should hold.
   */
  private async fetch(keys: string[]): Promise<CuratedFile[]> {
    const versions = await this.versions();
    await this.cache.load();
    const files: CuratedFile[] = [];
    let downloaded = false;
    for (const key of keys) {
      const local = path.join(this.cacheDir, key);
      const want = versions.get(key);
      if (want === undefined) {
        const [from, to] = rangeOfKey(key);
        throw corruptPartitionError(key, from, to, `it is not in ${this.lake.description}`);
      }
      await this.cache.use(key);
      let have = await readFile(`${local}.version`, "utf8").catch(() => undefined);
      if (have === want && !this.cache.has(key)) {
        // Labelled by another process: counted here, or fetched again if its body is gone.
        const size = await stat(local).then(
          (st) => st.size,
          () => undefined,
        );
        if (size === undefined) have = undefined;
        else this.cache.record(key, want, size);
      }
      if (have !== want) {
        downloaded = true;
        // Concurrent requests for the same copy share one download.
        const id = `${key}@${want}`;
        let pending = this.downloads.get(id);
        if (!pending) {
          pending = this.download(key, local, want).finally(() => this.downloads.delete(id));
          this.downloads.set(id, pending);
        }
        await pending;
      }
      files.push({ key, path: local });
    }
    await Promise.all(files.map(checkFooter));
    if (downloaded || this.prunedAgainst !== versions) {
      this.prunedAgainst = versions;
      await this.cache.prune(versions, new Set(keys));
    }
    return files;
  }

  private async download(key: string, local: string, version: string): Promise<void> {
    const { body } = await this.lake.get(key);
    await mkdir(path.dirname(local), { recursive: true });
    // Body first, label last, each renamed into place: a crash leaves at worst
    // an old label on a new body (fetched again next time), never a wrong pair.
    const tmp = `${local}.${process.pid}.tmp`;
    await writeFile(tmp, body);
    await rename(tmp, local);
    await writeFile(`${tmp}.version`, version);
    await rename(`${tmp}.version`, `${local}.version`);
    this.cache.record(key, version, body.length);
  }
}
