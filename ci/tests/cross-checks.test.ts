/**
 * Facts other parts of the project rely on, checked where they are written:
 * the image tag and entrypoint (the DAG), the versions pinned in
 * more than one place, and what the Dagger runtime needs from ci/ (it sees
 * only this folder, installs no dependency but TypeScript, and loads every
 * file of ci/src).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DEPENDENCY_MANIFESTS, ENTRYPOINT, IMAGE_TAG, NODE_IMAGE } from "../src/image-files.js";
import { FAKE_GCS_IMAGE, SETUP_STAMP_COMMAND, workspaceManifests } from "../src/test-env.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const read = (p: string) => readFileSync(path.join(REPO, p), "utf8");
const json = <T>(p: string) => JSON.parse(read(p)) as T;

/** Bare image names (no registry or user in front), e.g. stock-pipeline:latest. */
const bareTags = (text: string) => [...text.matchAll(/(?<![\w./-])stock-pipeline:[\w][\w.-]*/g)].map((m) => m[0]);

const DAG = "dags/stock_market_data_pipeline.py";
const dagMissing = !existsSync(path.join(REPO, DAG));
if (dagMissing) process.stderr.write(`cross-checks: skipping the DAG checks: ${DAG} does not exist (yet)\n`);

function pythonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return name === "tests" || name === "__pycache__" ? [] : pythonFiles(p);
    return p.endsWith(".py") ? [p] : [];
  });
}

describe("the image tag and entrypoint", () => {
  it.skipIf(dagMissing)(`the DAG runs the image tag the module exports, relying on its entrypoint (skipped while ${DAG} is missing)`, () => {
    const sources = pythonFiles(path.join(REPO, "dags")).map((f) => [path.relative(REPO, f), readFileSync(f, "utf8")] as const);
    const tags = sources.flatMap(([, text]) => bareTags(text));
    expect(tags, "the DAG names the image").toContain(IMAGE_TAG);
    expect(new Set(tags)).toEqual(new Set([IMAGE_TAG]));
    for (const [file, text] of sources) {
      // The image's entrypoint is the CLI: a command that starts with it again, or an entrypoint override, breaks every task.
      expect(text, `${file} starts a command with ${ENTRYPOINT}`).not.toMatch(new RegExp(`\\[\\s*["']${ENTRYPOINT}["']\\s*,`));
      expect(text, `${file} overrides the image's entrypoint`).not.toMatch(/\bentrypoint\s*=/);
    }
  });
});

describe("versions pinned in two places", () => {
  it("the GCS emulator image is the fake-gcs-server version scripts/ensure-tools.sh builds", () => {
    const version = /^FAKE_GCS_VERSION="v([\d.]+)"/m.exec(read("scripts/ensure-tools.sh"))?.[1];
    expect(version).toBeDefined();
    expect(FAKE_GCS_IMAGE).toBe(`fsouza/fake-gcs-server:${version}`);
  });

  it("dagger.json's engine is the version of the SDK the module is type-checked with, pinned exactly", () => {
    const installed = json<{ version: string }>("node_modules/@dagger.io/dagger/package.json").version;
    const ci = json<{ devDependencies: Record<string, string>; dependencies: Record<string, string> }>("ci/package.json");
    expect(ci.devDependencies["@dagger.io/dagger"]).toBe(installed);
    expect(json<{ engineVersion: string }>("ci/dagger.json").engineVersion).toBe(`v${installed}`);
  });

  it("the base image's Node satisfies the project's engines field", () => {
    const [major, minor] = /^node:(\d+)\.(\d+)\.\d+-/.exec(NODE_IMAGE)!.slice(1).map(Number) as [number, number];
    const [, wantMajor, wantMinor] = /^>=(\d+)\.(\d+)/.exec(json<{ engines: { node: string } }>("package.json").engines.node)!.map(Number) as [number, number, number];
    expect(major).toBe(wantMajor);
    expect(minor).toBeGreaterThanOrEqual(wantMinor);
  });

  it("scripts/setup.sh still skips npm ci on the stamp the test container writes", () => {
    const setup = read("scripts/setup.sh");
    expect(setup).toContain("lock_hash=\"$(sha256sum package-lock.json | cut -d' ' -f1)\"");
    expect(setup).toContain('stamp="node_modules/.setup-lock-hash"');
    expect(SETUP_STAMP_COMMAND).toBe("sha256sum package-lock.json | cut -d' ' -f1 > node_modules/.setup-lock-hash");
  });
});

describe("what the Dagger runtime needs from ci/", () => {
  it("a self-contained tsconfig.json with legacy decorators (the runtime mounts ci/ alone and runs tsx with it)", () => {
    const tsconfig = json<{ extends?: string; compilerOptions: Record<string, unknown> }>("ci/tsconfig.json");
    expect(tsconfig.extends).toBeUndefined();
    expect(tsconfig.compilerOptions.experimentalDecorators).toBe(true);
  });

  it("no runtime dependency but TypeScript at the version the runtime bundles (so it installs nothing)", () => {
    const ci = json<{ dependencies: Record<string, string> }>("ci/package.json");
    expect(ci.dependencies).toEqual({ typescript: "5.9.3" });
  });

  it("module files only in ci/src, importing nothing but the SDK, Node built-ins and each other", () => {
    const files = readdirSync(path.join(REPO, "ci/src"));
    expect(files.filter((f) => !f.endsWith(".ts") || f.endsWith(".test.ts"))).toEqual([]);
    for (const file of files) {
      const imports = [...read(`ci/src/${file}`).matchAll(/^\s*(?:import|export)\b[^"';]*?from\s+["']([^"']+)["']/gm)].map((m) => m[1]!);
      for (const spec of imports) expect(spec, `${file} imports ${spec}`).toMatch(/^(@dagger\.io\/dagger|node:[\w/]+|\.\/[\w-]+\.js)$/);
    }
  });

  it("no workspace runs install scripts (dependencies are installed before the source is copied)", () => {
    const manifests = new Set([...DEPENDENCY_MANIFESTS, ...workspaceManifests(read("package.json"))].filter((m) => m.endsWith("package.json")));
    for (const manifest of manifests) {
      const scripts = json<{ scripts?: Record<string, string> }>(manifest).scripts ?? {};
      for (const hook of ["preinstall", "install", "postinstall", "prepare"]) expect(scripts[hook], `${manifest} ${hook}`).toBeUndefined();
    }
  });
});
