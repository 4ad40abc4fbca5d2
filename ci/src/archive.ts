/**
 * Naming an image tarball so that `docker load -i` tags it.
 *
 * The engine writes `Container.asTarball()` with containerd's archive exporter
 * and no name: an OCI layout (`oci-layout`, `index.json`, `blobs/`) plus a
 * Docker `manifest.json` whose `RepoTags` is empty, so `docker load` would
 * print an image ID and tag nothing. Docker's classic image store reads the
 * tag from `manifest.json` (`RepoTags`), its containerd image store from the
 * `index.json` annotations: both are set.
 */

export interface ImageNames {
  /** Normalised name, e.g. `docker.io/library/stock-pipeline:latest` (containerd's `io.containerd.image.name`). */
  full: string;
  /** Familiar name, e.g. `stock-pipeline:latest` (Docker's `RepoTags`). */
  familiar: string;
  /** The tag alone, e.g. `latest` (OCI's `org.opencontainers.image.ref.name`). */
  ref: string;
}

const NAME_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;

/** Docker's reference normalisation (distribution/reference) for `name[:tag]`; digests are not accepted. */
export function imageNames(tag: string): ImageNames {
  if (tag.includes("@")) throw new Error(`an image tag is needed, not a digest reference: ${tag}`);
  const slash = tag.indexOf("/");
  const first = slash === -1 ? "" : tag.slice(0, slash);
  const hasDomain = first !== "" && (first.includes(".") || first.includes(":") || first === "localhost" || first !== first.toLowerCase());
  const domain = hasDomain ? first : "docker.io";
  let rest = hasDomain ? tag.slice(slash + 1) : tag;
  let version = "latest";
  const colon = rest.lastIndexOf(":");
  if (colon !== -1) {
    version = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  if (domain === "docker.io" && !rest.includes("/")) rest = `library/${rest}`;
  if (!NAME_RE.test(rest) || !TAG_RE.test(version)) throw new Error(`not a valid image reference: ${tag}`);
  const full = `${domain}/${rest}:${version}`;
  const familiar = domain === "docker.io" ? `${rest.replace(/^library\//, "")}:${version}` : full;
  return { full, familiar, ref: version };
}

/**
 * Node script (no dependencies) run in the image-naming container:
 * `node name-archive.cjs DIR FULL FAMILIAR REF` edits the unpacked archive in DIR.
 */
export const NAME_ARCHIVE_JS = `"use strict";
const fs = require("node:fs");
const path = require("node:path");
const [dir, full, familiar, ref] = process.argv.slice(2);
if (!dir || !full || !familiar || !ref) throw new Error("usage: name-archive DIR FULL FAMILIAR REF");
const indexPath = path.join(dir, "index.json");
const index = JSON.parse(fs.readFileSync(indexPath, "utf8"));
if (!Array.isArray(index.manifests) || index.manifests.length === 0) throw new Error("index.json lists no image");
for (const m of index.manifests) {
  m.annotations = { ...(m.annotations || {}), "io.containerd.image.name": full, "org.opencontainers.image.ref.name": ref };
}
fs.writeFileSync(indexPath, JSON.stringify(index));
const manifestPath = path.join(dir, "manifest.json");
if (fs.existsSync(manifestPath)) {
  const manifests = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
  for (const m of manifests) m.RepoTags = [familiar];
  fs.writeFileSync(manifestPath, JSON.stringify(manifests));
}
`;

/**
 * Shell script run in the image-naming container (POSIX sh, GNU tar, node):
 * `sh -c NAME_ARCHIVE_SH sh IN_TAR OUT_TAR SCRIPT FULL FAMILIAR REF`.
 * Entries are re-packed by name (no `./` prefix), as the exporter wrote them.
 */
export const NAME_ARCHIVE_SH = `set -eu
in="$1"; out="$2"; script="$3"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar -xf "$in" -C "$work"
node "$script" "$work" "$4" "$5" "$6"
cd "$work"
tar -cf "$out" $(ls -A)
`;
