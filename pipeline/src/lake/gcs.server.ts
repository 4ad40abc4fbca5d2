/**
 * Google Cloud Storage lake backend. Key "raw/a/b.json" in lake
 * gs://bucket/prefix is the object "prefix/raw/a/b.json"; the request
 * metadata is the object's custom metadata (no sidecar), so body and metadata
 * are written in one request and appear together.
 */
import { IdempotencyStrategy, Storage, type StorageOptions } from "@google-cloud/storage";
import { LakeError } from "../errors.js";
export { parseGsUri } from "./gcs-uri.js";
import { isAuxiliaryName, sortKeys } from "./guard.js";
import type { Lake, ObjectMeta } from "./lake.js";

/** Project id used with an emulator when none is given: any non-empty id works there. */
const EMULATOR_PROJECT_ID = "local-emulator";

/**
 * The storage client. With an emulator endpoint the client must never reach
 * Google: a custom `apiEndpoint` plus `useAuthWithCustomEndpoint: false` skips
 * google-auth-library when authorizing requests, and an explicit `projectId`
 * stops it from asking the credentials for one (createBucket/list buckets need
 * a project). Without an endpoint: Application Default Credentials
 * (GOOGLE_APPLICATION_CREDENTIALS, gcloud, metadata server).
 *
 * Retries: `IdempotencyStrategy.RetryAlways`. Under the default
 * (RetryConditional) an upload without `ifGenerationMatch` is not retried,
 * and `File#save` then sets `storage.retryOptions.autoRetry = false` on the
 * shared client, silently disabling retries for every later call. Re-sending
 * a put is safe here: each attempt writes the same bytes and metadata to the
 * same name (last writer wins either way), so the upload is idempotent.
 */
export function createStorage(opts: { apiEndpoint?: string | undefined; projectId?: string | undefined; retryOptions?: StorageOptions["retryOptions"] }): Storage {
  const retryOptions = { idempotencyStrategy: IdempotencyStrategy.RetryAlways, ...opts.retryOptions };
  if (opts.apiEndpoint) {
    return new Storage({
      apiEndpoint: opts.apiEndpoint,
      useAuthWithCustomEndpoint: false,
      projectId: opts.projectId || EMULATOR_PROJECT_ID,
      retryOptions,
    });
  }
  return new Storage({ ...(opts.projectId ? { projectId: opts.projectId } : {}), retryOptions });
}

function httpStatus(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "number") return code;
  return typeof code === "string" && /^\d{3}$/.test(code) ? Number(code) : undefined;
}

function failure(verb: string, key: string, where: string, err: unknown): LakeError {
  const status = httpStatus(err);
  const rawCode = (err as { code?: unknown } | null)?.code;
  const code = status !== undefined ? `HTTP ${status}` : typeof rawCode === "string" ? rawCode : "error";
  const detail = err instanceof Error ? err.message.split("\n")[0] : String(err);
  return new LakeError(`could not ${verb} lake object ${key} in ${where}: ${code} (${detail})`, key, { cause: err });
}

function toMeta(custom: Record<string, string | number | boolean | null> | undefined): ObjectMeta {
  const meta: ObjectMeta = {};
  for (const [k, v] of Object.entries(custom ?? {})) {
    if (v !== null && v !== undefined) meta[k] = String(v);
  }
  return meta;
}

export class GcsLake implements Lake {
  readonly description: string;

  constructor(
    private readonly storage: Storage,
    readonly bucketName: string,
    readonly prefix: string,
    emulatorEndpoint?: string,
  ) {
    const uri = `gs://${bucketName}${prefix ? `/${prefix}` : ""}`;
    this.description = emulatorEndpoint ? `${uri} (emulator ${emulatorEndpoint})` : uri;
  }

  private objectName(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  private file(key: string, generation?: string | number) {
    const bucket = this.storage.bucket(this.bucketName);
    return generation === undefined ? bucket.file(this.objectName(key)) : bucket.file(this.objectName(key), { generation });
  }

  async put(key: string, body: Uint8Array, meta: ObjectMeta): Promise<void> {
    try {
      // One multipart request: GCS makes the object visible whole or not at
      // all. The client checks the stored CRC32C and rejects on mismatch.
      await this.file(key).save(body, {
        resumable: false,
        gzip: false,
        metadata: { contentType: "application/json", metadata: meta },
      });
    } catch (err) {
      throw failure("write", key, this.description, err);
    }
  }

  async get(key: string): Promise<{ body: Buffer; meta: ObjectMeta }> {
    // Metadata first, then the body of exactly that generation, so the pair
    // always belongs together. A 404 on the body means an overwrite slipped
    // in between: try again with the new generation.
    for (let attempt = 1; ; attempt++) {
      let generation: string | number | undefined;
      let meta: ObjectMeta;
      try {
        const [md] = await this.file(key).getMetadata();
        generation = md.generation;
        meta = toMeta(md.metadata);
      } catch (err) {
        if (httpStatus(err) === 404) {
          throw new LakeError(`no lake object at ${key} in ${this.description}`, key, { cause: err });
        }
        throw failure("read the metadata of", key, this.description, err);
      }
      try {
        const [body] = await this.file(key, generation).download();
        return { body, meta };
      } catch (err) {
        if (httpStatus(err) === 404 && attempt < 3) continue;
        throw failure("read", key, this.description, err);
      }
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      const [found] = await this.file(key).exists();
      return found;
    } catch (err) {
      throw failure("check", key, this.description, err);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const root = this.prefix ? `${this.prefix}/` : "";
    try {
      const [files] = await this.storage.bucket(this.bucketName).getFiles({ prefix: `${root}${prefix}`, autoPaginate: true });
      const keys = files
        .map((f) => f.name.slice(root.length))
        // Skip folder placeholders and any sidecar/temp files copied in from a local lake.
        .filter((k) => !k.endsWith("/") && !isAuxiliaryName(k.slice(k.lastIndexOf("/") + 1)));
      return sortKeys(keys);
    } catch (err) {
      throw failure("list", prefix, this.description, err);
    }
  }

  async versions(prefix: string): Promise<Map<string, string>> {
    const root = this.prefix ? `${this.prefix}/` : "";
    try {
      // One listing carries every object's generation: no request per object.
      const [files] = await this.storage.bucket(this.bucketName).getFiles({ prefix: `${root}${prefix}`, autoPaginate: true });
      const out = new Map<string, string>();
      for (const f of files) {
        const key = f.name.slice(root.length);
        if (key.endsWith("/") || isAuxiliaryName(key.slice(key.lastIndexOf("/") + 1))) continue;
        out.set(key, String(f.metadata.generation ?? f.metadata.etag ?? ""));
      }
      return new Map(sortKeys([...out.keys()]).map((k) => [k, out.get(k)!]));
    } catch (err) {
      throw failure("list", prefix, this.description, err);
    }
  }
}
