/**
 * What `dagger call` will see: the functions, arguments, defaults and help
 * texts the TypeScript SDK's introspector registers for the module (the same
 * code the runtime runs), and the README's calls against them.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { IMAGE_TAG } from "../src/image-files.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

interface Arg {
  name: string;
  description?: string;
  type?: { kind: string; name?: string };
  isOptional: boolean;
  defaultValue?: unknown;
  defaultPath?: string;
  ignore?: string[];
}
interface Fn {
  name: string;
  description?: string;
  arguments: Record<string, Arg>;
  returnType?: { kind: string; name?: string };
}
interface Scan {
  name: string;
  description?: string;
  objects: Record<string, { methods: Record<string, Fn> }>;
}

const EXPECTED_FUNCTIONS = ["build", "test", "tarball", "publish", "ci"];

let scanned: Scan;
let fns: Record<string, Fn>;
beforeAll(() => {
  const out = execFileSync("npx", ["tsx", "--tsconfig", "ci/tsconfig.json", "ci/tests/support/introspect.ts"], { cwd: REPO, encoding: "utf8" });
  scanned = JSON.parse(out) as Scan;
  fns = scanned.objects[scanned.name]?.methods ?? {};
});

/** kebab-case CLI name (as `dagger call` spells it) -> the function's camelCase name. */
const camel = (s: string) => s.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

describe("the module as the Dagger runtime registers it", () => {
  it("has one object, named after dagger.json's module name, with a description", () => {
    expect(scanned.name).toBe("StockPipelineCi");
    expect(Object.keys(scanned.objects)).toEqual(["StockPipelineCi"]);
    expect(scanned.description).toMatch(/stock-pipeline image/);
  });

  it("exposes build, test, tarball, publish and ci, each with a help text and documented arguments", () => {
    expect(Object.keys(fns).sort()).toEqual([...EXPECTED_FUNCTIONS].sort());
    for (const fn of Object.values(fns)) {
      expect(fn.description, fn.name).toMatch(/\w{3,}/);
      for (const arg of Object.values(fn.arguments)) expect(arg.description, `${fn.name}(${arg.name})`).toMatch(/\w{3,}/);
    }
  });

  it("takes the repository as source by default, without node_modules, local data, tools, caches or build output", () => {
    const sources = Object.values(fns).map((fn) => fn.arguments.source);
    for (const source of sources) {
      expect(source?.type).toEqual({ kind: "OBJECT_KIND", name: "Directory" });
      expect(source?.defaultPath).toBe("/");
      expect(source?.ignore).toEqual(sources[0]?.ignore);
    }
    expect(sources[0]?.ignore).toEqual(expect.arrayContaining(["**/node_modules", "**/.data", ".tools", "**/.cache", "**/dist", ".git", "**/.env"]));
  });

  it("leaves out of the source everything .gitignore keeps out of git (secrets in .env, local data, installs)", () => {
    const bare = (p: string) => p.replace(/^\*\*\//, "").replace(/\/$/, "");
    const ignored = new Set((fns.build?.arguments.source?.ignore ?? []).map(bare));
    const gitignore = readFileSync(`${REPO}/.gitignore`, "utf8")
      .split("\n")
      .map((l) => l.trim());
    for (const line of gitignore.filter((l) => l && !l.startsWith("#") && !l.startsWith("!"))) expect(ignored, line).toContain(bare(line));
  });

  it("tags the tarball with the image tag the DAG runs unless told otherwise", () => {
    expect(fns.tarball?.arguments.tag).toMatchObject({ type: { kind: "STRING_KIND" }, defaultValue: IMAGE_TAG });
    expect(fns.tarball?.returnType).toEqual({ kind: "OBJECT_KIND", name: "File" });
  });

  it("returns the image from build and takes the registry password of publish as a Secret", () => {
    expect(fns.build?.returnType).toEqual({ kind: "OBJECT_KIND", name: "Container" });
    expect(fns.publish?.arguments.password?.type).toEqual({ kind: "OBJECT_KIND", name: "Secret" });
    for (const name of ["address", "username"]) expect(fns.publish?.arguments[name]).toMatchObject({ type: { kind: "STRING_KIND" }, isOptional: false });
    for (const name of ["test", "publish", "ci"]) expect(fns[name]?.returnType, name).toEqual({ kind: "STRING_KIND" });
  });

  it("makes the label arguments optional (version from pipeline/package.json, the others 'unknown')", () => {
    for (const name of ["build", "tarball", "publish"]) {
      expect(fns[name]?.arguments.version?.isOptional, name).toBe(true);
      expect(fns[name]?.arguments.revision?.defaultValue, name).toBe("unknown");
      expect(fns[name]?.arguments.sourceUrl?.defaultValue, name).toBe("unknown");
    }
  });
});

describe("the README's Dagger section", () => {
  const readme = readFileSync(`${REPO}/README.md`, "utf8");
  const calls = [...readme.matchAll(/dagger(?:\s+-m\s+\S+)?\s+call(?:\s+-m\s+\S+)?\s+([a-z][a-z-]*)/g)].map((m) => m[1]!);

  it("documents calls of build, test, tarball and publish", () => {
    for (const fn of ["build", "test", "tarball", "publish"]) expect(calls, fn).toContain(fn);
  });

  it("documents only functions the module has", () => {
    for (const call of calls) expect(Object.keys(fns), `README calls ${call}`).toContain(camel(call));
  });
});
