/**
 * The data lake: raw API responses stored byte for byte, one object per HTTP
 * response, with request metadata beside each object. Two backends behind one
 * interface: a local folder and Google Cloud Storage (ARCHITECTURE.md "Data
 * lake"; key scheme in ./layout.ts and docs/decisions/003-lake-layout.md).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../errors.js";
import { parseGsUri } from "./gcs-uri.js";
import { GuardedLake } from "./guard.js";
import { LocalLake } from "./local.server.js";

/**
 * Request metadata stored beside an object, e.g. `url` (path + query WITHOUT
 * the API key), `status`, `requestedAt`, `contentType`, `sha256`, `bytes`,
 * `feed`. Values are strings.
 */
export interface ObjectMeta {
  [k: string]: string;
}

export interface Lake {
  /** Where the lake lives, e.g. "local folder /abs/path" or "gs://bucket/prefix"; safe to print. */
  readonly description: string;
  /** Atomic: readers never see a partial object under its final name; `meta` is saved beside it. */
  put(key: string, body: Uint8Array, meta: ObjectMeta): Promise<void>;
  /** The object's bytes and metadata; LakeError ("no lake object at …") if missing. */
  get(key: string): Promise<{ body: Buffer; meta: ObjectMeta }>;
  exists(key: string): Promise<boolean>;
  /** Keys of data objects under `prefix` (never metadata sidecars or temp files), sorted ascending. */
  list(prefix: string): Promise<string[]>;
  /**
   * `list`, each key with a token that changes whenever the object is
   * rewritten (GCS generation; local mtime and size): what a local cache of
   * lake objects compares to know a copy is stale (decision 081).
   */
  versions(prefix: string): Promise<Map<string, string>>;
}

export interface OpenLakeOptions {
  /** GCS emulator endpoint, e.g. "http://127.0.0.1:4443" (GCS_API_ENDPOINT). No Google auth is used with it. */
  gcsApiEndpoint?: string;
  /** GCS project id (defaults to the credentials' project; a dummy id with an emulator). */
  projectId?: string;
  /** Secrets (the API key) that must never appear in a key or in metadata; put throws if they do. */
  forbiddenValues?: readonly string[];
}

/**
 * Opens the lake named by `uri` (LAKE_URI): `gs://bucket[/prefix]` is GCS,
 * `file:///abs/path` or any other string is a local folder (relative paths
 * resolve against process.cwd()). Other URI schemes (s3://, http://) are
 * refused rather than silently becoming odd folder names. Nothing is touched
 * until the first operation.
 */
export function openLake(uri: string, opts: OpenLakeOptions = {}): Lake {
  const trimmed = uri.trim();
  if (trimmed === "") throw new ConfigError("lake URI is empty (set LAKE_URI to a folder or gs://bucket/prefix)");
  let backend: Lake;
  if (/^gs:\/\//i.test(trimmed)) {
    const { bucket, prefix } = parseGsUri(trimmed);
    backend = new LazyLake(`gs://${bucket}${prefix ? `/${prefix}` : ""}${opts.gcsApiEndpoint ? ` (emulator ${opts.gcsApiEndpoint})` : ""}`, async () => {
      const { GcsLake, createStorage } = await import("./gcs.server.js");
      return new GcsLake(createStorage({ apiEndpoint: opts.gcsApiEndpoint, projectId: opts.projectId }), bucket, prefix, opts.gcsApiEndpoint);
    });
  } else if (/^file:\/\//i.test(trimmed)) {
    let root: string;
    try {
      root = fileURLToPath(trimmed);
    } catch (e) {
      // e.g. file://relative/path: "relative" would be a host name.
      throw new ConfigError(`"${trimmed}" is not a file URL of a local folder (${(e as Error).message}): write file:///absolute/path or a plain path`);
    }
    backend = new LocalLake(root);
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    throw new ConfigError(`"${trimmed}" is not a supported lake URI: use a local path, file:///path or gs://bucket[/prefix]`);
  } else {
    backend = new LocalLake(path.resolve(process.cwd(), trimmed));
  }
  return new GuardedLake(backend, opts.forbiddenValues);
}

/**
 * Loads a backend on first use. The GCS client library takes about 40% of the
 * CLI's start-up CPU, and most runs (local lake, status) never need it.
 */
class LazyLake implements Lake {
  private backend: Promise<Lake> | undefined;
  constructor(
    readonly description: string,
    private readonly load: () => Promise<Lake>,
  ) {}
  private resolve(): Promise<Lake> {
    return (this.backend ??= this.load());
  }
  async put(key: string, body: Uint8Array, meta: ObjectMeta): Promise<void> {
    return (await this.resolve()).put(key, body, meta);
  }
  async get(key: string): Promise<{ body: Buffer; meta: ObjectMeta }> {
    return (await this.resolve()).get(key);
  }
  async exists(key: string): Promise<boolean> {
    return (await this.resolve()).exists(key);
  }
  async list(prefix: string): Promise<string[]> {
    return (await this.resolve()).list(prefix);
  }
  async versions(prefix: string): Promise<Map<string, string>> {
    return (await this.resolve()).versions(prefix);
  }
}
