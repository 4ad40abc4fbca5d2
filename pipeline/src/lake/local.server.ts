/**
 * Local-folder lake backend. Key "raw/a/b.json" is the file {root}/raw/a/b.json
 * and its metadata is the sidecar {root}/raw/a/b.json.meta.json.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { LakeError } from "../errors.js";
import { META_SUFFIX, TMP_MARKER, isAuxiliaryName, sortKeys } from "./guard.js";
import type { Lake, ObjectMeta } from "./lake.js";

function errCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function failure(verb: string, key: string, where: string, err: unknown): LakeError {
  const code = errCode(err) ?? "error";
  const detail = err instanceof Error ? err.message : String(err);
  return new LakeError(`could not ${verb} lake object ${key} in ${where}: ${code} (${detail})`, key, { cause: err });
}

/**
 * Writes `data` to a new temp file beside `target` (same directory, so the
 * later rename is atomic on POSIX) and fsyncs it. Returns the temp file's
 * path; on failure nothing is left behind.
 */
async function writeTemp(target: string, data: Uint8Array): Promise<string> {
  const tmp = `${target}${TMP_MARKER}${process.pid}-${randomBytes(6).toString("hex")}`;
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(tmp, "wx", 0o644);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    return tmp;
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

async function isFile(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isFile() ?? false;
}

/** Makes the renames themselves durable. Best effort: not every platform can fsync a directory. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r").catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // EINVAL/EISDIR/EPERM on some filesystems: the data itself is already fsync'd.
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function parseMeta(text: string): ObjectMeta | null {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
    const entries = Object.entries(value as Record<string, unknown>);
    if (!entries.every(([, v]) => typeof v === "string")) return null;
    return Object.fromEntries(entries) as ObjectMeta;
  } catch {
    return null;
  }
}

export class LocalLake implements Lake {
  readonly description: string;

  /** `root` must be absolute; it is created on the first put. */
  constructor(readonly root: string) {
    this.description = `local folder ${root}`;
  }

  private fileOf(key: string): string {
    return path.join(this.root, ...key.split("/"));
  }

  async put(key: string, body: Uint8Array, meta: ObjectMeta): Promise<void> {
    const final = this.fileOf(key);
    const metaFinal = `${final}${META_SUFFIX}`;
    const dir = path.dirname(final);
    const temps: string[] = [];
    try {
      await mkdir(dir, { recursive: true });
      // Both temp files are written and fsync'd before either is renamed, so
      // a full disk, a quota or a permission error fails while nothing is
      // visible under a final name.
      const metaTmp = await writeTemp(metaFinal, Buffer.from(`${JSON.stringify(meta, null, 2)}\n`, "utf8"));
      temps.push(metaTmp);
      const bodyTmp = await writeTemp(final, body);
      temps.push(bodyTmp);
      // Order matters. The sidecar is renamed into place BEFORE the body, so
      // whenever a body exists under its final name its metadata exists too.
      // A crash between the two renames leaves at worst a sidecar without a
      // body: invisible (list and exists look at bodies only) and overwritten
      // by the next put of the same key. The reverse order could leave a body
      // without metadata, which readers would have to treat as corrupt.
      // (On an overwrite, that same window pairs the new sidecar with the old
      // body; the caller's sha256 field in the metadata exposes it.)
      await rename(metaTmp, metaFinal);
      temps.shift();
      try {
        await rename(bodyTmp, final);
        temps.shift();
      } catch (err) {
        // The body could not take its place (e.g. a directory in the way):
        // take back the sidecar just placed, unless it describes an older
        // body, so that a failed put leaves no orphaned metadata.
        if (!(await isFile(final))) await rm(metaFinal, { force: true }).catch(() => undefined);
        throw err;
      }
      await syncDir(dir);
    } catch (err) {
      for (const tmp of temps) await rm(tmp, { force: true }).catch(() => undefined);
      throw failure("write", key, this.description, err);
    }
  }

  async get(key: string): Promise<{ body: Buffer; meta: ObjectMeta }> {
    const final = this.fileOf(key);
    let body: Buffer;
    try {
      body = await readFile(final);
    } catch (err) {
      const code = errCode(err);
      if (code === "ENOENT" || code === "ENOTDIR") {
        throw new LakeError(`no lake object at ${key} in ${this.description}`, key, { cause: err });
      }
      throw failure("read", key, this.description, err);
    }
    let text: string;
    try {
      text = await readFile(`${final}${META_SUFFIX}`, "utf8");
    } catch (err) {
      throw failure("read the metadata of", key, this.description, err);
    }
    const meta = parseMeta(text);
    if (!meta) {
      throw new LakeError(`the metadata of lake object ${key} in ${this.description} is not a JSON object of strings`, key);
    }
    return { body, meta };
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.fileOf(key))).isFile();
    } catch (err) {
      const code = errCode(err);
      if (code === "ENOENT" || code === "ENOTDIR") return false;
      throw failure("check", key, this.description, err);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    const walk = async (relDir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(relDir === "" ? this.root : this.fileOf(relDir), { withFileTypes: true });
      } catch (err) {
        const code = errCode(err);
        if (code === "ENOENT" || code === "ENOTDIR") return;
        throw failure("list", prefix, this.description, err);
      }
      for (const entry of entries) {
        const rel = relDir === "" ? entry.name : `${relDir}/${entry.name}`;
        if (entry.isDirectory()) {
          // Descend only where keys with the prefix can live.
          if (`${rel}/`.startsWith(prefix) || prefix.startsWith(`${rel}/`)) await walk(rel);
        } else if (entry.isFile() && !isAuxiliaryName(entry.name) && rel.startsWith(prefix)) {
          keys.push(rel);
        }
      }
    };
    const slash = prefix.lastIndexOf("/");
    await walk(slash < 0 ? "" : prefix.slice(0, slash));
    return sortKeys(keys);
  }

  async versions(prefix: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const key of await this.list(prefix)) {
      // A rename-over (put) gives a new mtime, and usually a new size too.
      const s = await stat(this.fileOf(key)).catch(() => undefined);
      if (s) out.set(key, `${s.mtimeMs}:${s.size}`);
    }
    return out;
  }
}
