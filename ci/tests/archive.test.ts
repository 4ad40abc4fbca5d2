/**
 * The tarball naming step, run here exactly as `tarball` runs it in its
 * container (sh, GNU tar, node), on an archive laid out like the one the
 * engine writes (containerd's archive exporter: oci-layout, index.json,
 * manifest.json with no RepoTags, blobs/sha256/…).
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { imageNames, NAME_ARCHIVE_JS, NAME_ARCHIVE_SH } from "../src/archive.js";
import { IMAGE_TAG } from "../src/image-files.js";

describe("imageNames", () => {
  it("normalises a short name the way Docker does", () => {
    expect(imageNames(IMAGE_TAG)).toEqual({ full: "docker.io/library/stock-pipeline:latest", familiar: "stock-pipeline:latest", ref: "latest" });
    expect(imageNames("stock-pipeline")).toEqual({ full: "docker.io/library/stock-pipeline:latest", familiar: "stock-pipeline:latest", ref: "latest" });
    expect(imageNames("acme/stock-pipeline:2025.01")).toEqual({ full: "docker.io/acme/stock-pipeline:2025.01", familiar: "acme/stock-pipeline:2025.01", ref: "2025.01" });
  });

  it("keeps a registry host (with or without a port) as it is", () => {
    expect(imageNames("ghcr.io/acme/stock-pipeline:1.2.3").familiar).toBe("ghcr.io/acme/stock-pipeline:1.2.3");
    expect(imageNames("localhost:5000/stock-pipeline")).toEqual({ full: "localhost:5000/stock-pipeline:latest", familiar: "localhost:5000/stock-pipeline:latest", ref: "latest" });
  });

  it("refuses digests and malformed names", () => {
    expect(() => imageNames("stock-pipeline@sha256:abc")).toThrow(/digest/);
    expect(() => imageNames("Stock Pipeline:latest")).toThrow(/not a valid image reference/);
    expect(() => imageNames("stock-pipeline:")).toThrow(/not a valid image reference/);
  });
});

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

/** An unnamed image archive as containerd's exporter writes it for Container.asTarball(). */
function engineArchive(dir: string): { tar: string; blobs: Record<string, string> } {
  const root = path.join(dir, "layout");
  mkdirSync(path.join(root, "blobs", "sha256"), { recursive: true });
  const blobs: Record<string, string> = {};
  const blob = (content: string) => {
    const digest = sha(content);
    writeFileSync(path.join(root, "blobs", "sha256", digest), content);
    blobs[digest] = content;
    return { digest: `sha256:${digest}`, size: Buffer.byteLength(content) };
  };
  const layer = blob("pretend this is a gzipped layer");
  const config = blob(JSON.stringify({ architecture: "amd64", os: "linux", config: { Entrypoint: ["stock-pipeline"] } }));
  const manifest = blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...layer }],
    }),
  );
  writeFileSync(path.join(root, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    path.join(root, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", ...manifest }],
    }),
  );
  const blobPath = (d: string) => `blobs/sha256/${d.replace("sha256:", "")}`;
  writeFileSync(path.join(root, "manifest.json"), JSON.stringify([{ Config: blobPath(config.digest), RepoTags: null, Layers: [blobPath(layer.digest)] }]));
  const tar = path.join(dir, "in.tar");
  execFileSync("tar", ["-cf", tar, "-C", root, "oci-layout", "index.json", "manifest.json", "blobs"]);
  return { tar, blobs };
}

/** Runs the naming step as the tarball function's container does. */
function nameArchive(dir: string, inTar: string, tag: string): string {
  const script = path.join(dir, "name-archive.cjs");
  writeFileSync(script, NAME_ARCHIVE_JS);
  const out = path.join(dir, "out.tar");
  const { full, familiar, ref } = imageNames(tag);
  execFileSync("sh", ["-c", NAME_ARCHIVE_SH, "sh", inTar, out, script, full, familiar, ref], { stdio: "pipe" });
  return out;
}

function unpack(tar: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "ci-archive-out-"));
  dirs.push(dir);
  execFileSync("tar", ["-xf", tar, "-C", dir]);
  return dir;
}

describe("the tarball naming step", () => {
  it("tags the image for both of Docker's image stores and leaves the blobs untouched", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ci-archive-"));
    dirs.push(dir);
    const { tar, blobs } = engineArchive(dir);
    const out = unpack(nameArchive(dir, tar, IMAGE_TAG));

    const index = JSON.parse(readFileSync(path.join(out, "index.json"), "utf8")) as { manifests: Array<{ annotations?: Record<string, string> }> };
    expect(index.manifests[0]?.annotations).toEqual({
      "io.containerd.image.name": "docker.io/library/stock-pipeline:latest",
      "org.opencontainers.image.ref.name": "latest",
    });
    const manifests = JSON.parse(readFileSync(path.join(out, "manifest.json"), "utf8")) as Array<{ RepoTags: string[] }>;
    expect(manifests.map((m) => m.RepoTags)).toEqual([["stock-pipeline:latest"]]);
    for (const [digest, content] of Object.entries(blobs)) expect(readFileSync(path.join(out, "blobs", "sha256", digest), "utf8")).toBe(content);
    expect(JSON.parse(readFileSync(path.join(out, "oci-layout"), "utf8"))).toEqual({ imageLayoutVersion: "1.0.0" });
  });

  it("writes entries by name, without a ./ prefix, as the exporter does", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ci-archive-"));
    dirs.push(dir);
    const listing = execFileSync("tar", ["-tf", nameArchive(dir, engineArchive(dir).tar, IMAGE_TAG)], { encoding: "utf8" })
      .trim()
      .split("\n");
    expect(listing).toEqual(expect.arrayContaining(["oci-layout", "index.json", "manifest.json", "blobs/"]));
    expect(listing.filter((e) => e.startsWith("./"))).toEqual([]);
  });

  it("fails, rather than writing an unnamed archive, when the index lists no image", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ci-archive-"));
    dirs.push(dir);
    const layout = path.join(dir, "empty");
    mkdirSync(layout);
    writeFileSync(path.join(layout, "index.json"), JSON.stringify({ schemaVersion: 2, manifests: [] }));
    const tar = path.join(dir, "in.tar");
    execFileSync("tar", ["-cf", tar, "-C", layout, "index.json"]);
    expect(() => nameArchive(dir, tar, IMAGE_TAG)).toThrow();
  });
});
