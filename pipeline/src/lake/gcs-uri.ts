import { ConfigError } from "../errors.js";

const BUCKET_RE = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

/** Splits gs://bucket[/prefix] (prefix without leading/trailing "/"). */
export function parseGsUri(uri: string): { bucket: string; prefix: string } {
  const m = /^gs:\/\/([^/]+)\/?(.*)$/i.exec(uri);
  const bucket = m?.[1] ?? "";
  const prefix = (m?.[2] ?? "").replace(/^\/+|\/+$/g, "");
  if (!BUCKET_RE.test(bucket)) throw new ConfigError(`"${uri}" does not name a GCS bucket (expected gs://bucket[/prefix])`);
  if (prefix !== "" && prefix.split("/").some((s) => s === "" || s === "." || s === "..")) {
    throw new ConfigError(`"${uri}" has an invalid object prefix`);
  }
  return { bucket, prefix };
}
