/**
 * Checks shared by both lake backends: what a key may look like, which file
 * names are bookkeeping (metadata sidecars, temp files) rather than data, and
 * the wrapper that refuses secrets in metadata before any backend sees them.
 */
import { LakeError } from "../errors.js";
import type { Lake, ObjectMeta } from "./lake.js";

/** Suffix of the local backend's metadata sidecar: `{key}.meta.json`. */
export const META_SUFFIX = ".meta.json";
/** Marker in temp-file names: `{final}.tmp-{pid}-{random}`. */
export const TMP_MARKER = ".tmp-";

/** True for a file name that is bookkeeping, never a data object. */
export function isAuxiliaryName(baseName: string): boolean {
  return baseName.endsWith(META_SUFFIX) || baseName.includes(TMP_MARKER);
}

function badSegment(segment: string): boolean {
  return segment === "" || segment === "." || segment === "..";
}

/** A key is relative, "/"-separated, without empty/"."/".." segments, and not a bookkeeping name. */
export function checkKey(key: string): void {
  const segments = key.split("/");
  const base = segments[segments.length - 1] ?? "";
  if (key.length === 0 || /[\\\0]/.test(key) || segments.some(badSegment) || isAuxiliaryName(base)) {
    throw new LakeError(`"${key}" is not a valid lake key (relative, "/"-separated, no "..", not *${META_SUFFIX} or *${TMP_MARKER}*)`, key);
  }
}

/** A list prefix is "" or a key prefix: same rules as keys, but the last segment may be partial or empty. */
export function checkPrefix(prefix: string): void {
  const segments = prefix.split("/");
  segments.pop();
  if (/[\\\0]/.test(prefix) || segments.some(badSegment) || prefix.split("/").some((s) => s === "." || s === "..")) {
    throw new LakeError(`"${prefix}" is not a valid lake prefix`, prefix);
  }
}

/** GCS's limit on an object's custom metadata (names + values); enforced for both backends alike. */
export const MAX_META_BYTES = 8 * 1024;

function checkMeta(key: string, meta: ObjectMeta, forbidden: readonly string[]): void {
  if (forbidden.some((f) => key.includes(f))) {
    throw new LakeError(`refusing to store ${key}: the key contains a forbidden value (a secret such as the API key)`, key);
  }
  for (const [name, value] of Object.entries(meta)) {
    if (typeof value !== "string") {
      throw new LakeError(`refusing to store ${key}: metadata field "${name}" is not a string`, key);
    }
    if (forbidden.some((f) => value.includes(f) || name.includes(f))) {
      // Never echo the value: it contains the secret.
      throw new LakeError(`refusing to store ${key}: metadata field "${name}" contains a forbidden value (a secret such as the API key)`, key);
    }
  }
  const size = Object.entries(meta).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (size > MAX_META_BYTES) {
    throw new LakeError(`refusing to store ${key}: its metadata is ${size} bytes, over the ${MAX_META_BYTES}-byte limit of GCS`, key);
  }
}

/** Wraps a backend with key checks and the forbidden-value guard. */
export class GuardedLake implements Lake {
  private readonly forbidden: readonly string[];

  constructor(
    private readonly inner: Lake,
    forbiddenValues: readonly string[] = [],
  ) {
    // An empty string is a substring of everything; it would forbid every put.
    this.forbidden = forbiddenValues.filter((v) => v.length > 0);
  }

  get description(): string {
    return this.inner.description;
  }

  async put(key: string, body: Uint8Array, meta: ObjectMeta): Promise<void> {
    checkKey(key);
    checkMeta(key, meta, this.forbidden);
    await this.inner.put(key, body, { ...meta });
  }

  async get(key: string): Promise<{ body: Buffer; meta: ObjectMeta }> {
    checkKey(key);
    return this.inner.get(key);
  }

  async exists(key: string): Promise<boolean> {
    checkKey(key);
    return this.inner.exists(key);
  }

  async list(prefix: string): Promise<string[]> {
    checkPrefix(prefix);
    return this.inner.list(prefix);
  }

  async versions(prefix: string): Promise<Map<string, string>> {
    checkPrefix(prefix);
    return this.inner.versions(prefix);
  }
}

/** Sort order of `Lake.list`: plain code-unit order (keys are ASCII, so this is also GCS's byte order). */
export function sortKeys(keys: string[]): string[] {
  return keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
