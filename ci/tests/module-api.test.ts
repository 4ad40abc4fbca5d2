/**
 * What `dagger call` will see, without an engine: the constructor, functions,
 * arguments and help texts the TypeScript SDK's introspector registers for the
 * module (the code the runtime runs), and every `dagger -m ./ci call` line of
 * the docs checked against them and, past the module's function, against the
 * engine's own schema (the fixture the engine printed).
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildSchema, getNamedType, isNonNullType, isObjectType, type GraphQLObjectType } from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { IMAGE_TAG } from "../src/image-files.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const read = (p: string) => readFileSync(`${REPO}/${p}`, "utf8");

interface Arg {
  type?: { kind: string; name?: string };
  description?: string;
  isOptional: boolean;
  defaultValue?: unknown;
  defaultPath?: string;
  ignore?: string[];
}
interface Fn {
  description?: string;
  arguments: Record<string, Arg>;
  returnType?: { kind: string; name?: string };
}
interface Scan {
  name: string;
  objects: Record<string, { constructor?: { arguments: Record<string, Arg> }; methods: Record<string, Fn>; properties: Record<string, { type?: { name?: string } }> }>;
}

let scanned: Scan["objects"][string];
beforeAll(() => {
  const out = execFileSync("npx", ["tsx", "--tsconfig", "ci/tsconfig.json", "ci/tests/support/introspect.ts"], { cwd: REPO, encoding: "utf8" });
  const scan = JSON.parse(out) as Scan;
  scanned = scan.objects[scan.name]!;
});

const camel = (s: string) => s.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
const required = (args: Record<string, Arg>) =>
  Object.entries(args)
    .filter(([, a]) => !a.isOptional && a.defaultValue === undefined && a.defaultPath === undefined)
    .map(([n]) => n);

describe("the module as the Dagger runtime registers it", () => {
  it("takes the repository once, in the constructor, as a Directory defaulting to the git root", () => {
    const source = scanned.constructor?.arguments.source;
    expect(Object.keys(scanned.constructor?.arguments ?? {})).toEqual(["source"]);
    expect(source).toMatchObject({ type: { kind: "OBJECT_KIND", name: "Directory" }, defaultPath: "/" });
    for (const [name, fn] of Object.entries(scanned.methods)) expect(fn.arguments.source, `${name} takes source again`).toBeUndefined();
  });

  it("keeps source as a declared property, the only state the SDK carries from the constructor to a function", () => {
    expect(scanned.properties.source?.type?.name).toBe("Directory");
  });

  it("leaves out of the source everything .gitignore keeps out of git (secrets in .env, local data, installs)", () => {
    const bare = (p: string) => p.replace(/^\*\*\//, "").replace(/\/$/, "");
    const ignored = new Set((scanned.constructor?.arguments.source?.ignore ?? []).map(bare));
    const gitignore = read(".gitignore")
      .split("\n")
      .map((l) => l.trim());
    for (const line of gitignore.filter((l) => l && !l.startsWith("#") && !l.startsWith("!"))) expect(ignored, line).toContain(bare(line));
  });

  it("gives every function and argument a help text, and takes the registry password as a Secret", () => {
    expect(Object.keys(scanned.methods).sort()).toEqual(["build", "ci", "publish", "test"]);
    for (const [name, fn] of Object.entries(scanned.methods)) {
      expect(fn.description, name).toMatch(/\w{3,}/);
      for (const [arg, a] of Object.entries(fn.arguments)) expect(a.description, `${name}(${arg})`).toMatch(/\w{3,}/);
    }
    expect(scanned.methods.publish?.arguments.password?.type).toEqual({ kind: "OBJECT_KIND", name: "Secret" });
  });
});

/** One `dagger -m ./ci call …` of the page: the module's flags, then each function with its flags. */
interface Call {
  line: string;
  moduleFlags: string[];
  steps: Array<{ name: string; flags: string[] }>;
}

function documentedCalls(markdown: string): Call[] {
  const lines = markdown.replace(/\\\n\s*/g, " ").split("\n");
  return lines.flatMap((line) =>
    [...line.matchAll(/dagger -m \.\/ci call\b([^`#|;&]*)/g)].map((m) => {
      const tokens = m[1]!.match(/--[\w-]+(?:=(?:"[^"]*"|\S+))?|\S+/g) ?? [];
      const call: Call = { line: m[0].trim(), moduleFlags: [], steps: [] };
      for (const t of tokens) {
        if (!t.startsWith("--")) call.steps.push({ name: t, flags: [] });
        else (call.steps.at(-1)?.flags ?? call.moduleFlags).push(camel(t.slice(2).split("=")[0]!));
      }
      return call;
    }),
  );
}

describe("the calls docs/dagger.md shows", () => {
  const calls = documentedCalls(read("docs/dagger.md"));
  const elsewhere = [
    "README.md",
    ...readdirSync(`${REPO}/docs`)
      .filter((f) => f.endsWith(".md") && f !== "dagger.md")
      .map((f) => `docs/${f}`),
  ];
  const everyCall = [...calls, ...elsewhere.flatMap((f) => documentedCalls(read(f)))];
  const schema = buildSchema(read("ci/tests/fixtures/dagger-v0.21.8.graphqls"));

  it("cover every function of the module", () => {
    const called = new Set(calls.map((c) => c.steps[0]?.name));
    for (const fn of ["build", "test", "publish", "ci"]) expect(called, fn).toContain(fn);
  });

  it("pass only arguments the module and the engine have, and every required one (here, in the README and in docs/)", () => {
    expect(calls.length).toBeGreaterThan(5);
    for (const call of everyCall) {
      const at = (what: string) => `${call.line}: ${what}`;
      expect(
        call.moduleFlags.filter((f) => f !== "help" && !scanned.constructor?.arguments[f]),
        at("module flags"),
      ).toEqual([]);
      const [first, ...chain] = call.steps;
      if (!first) continue;
      const fn = scanned.methods[camel(first.name)];
      expect(fn, at(`the module has no function ${first.name}`)).toBeDefined();
      const flags = first.flags.filter((f) => f !== "help");
      expect(
        flags.filter((f) => !fn!.arguments[f]),
        at(`${first.name}'s flags`),
      ).toEqual([]);
      if (!first.flags.includes("help"))
        expect(
          required(fn!.arguments).filter((r) => !flags.includes(r)),
          at(`${first.name} misses`),
        ).toEqual([]);
      let type = fn!.returnType?.name ? schema.getType(fn!.returnType.name) : undefined;
      for (const step of chain) {
        expect(isObjectType(type), at(`${step.name} chained on a value without functions`)).toBe(true);
        const field = (type as GraphQLObjectType).getFields()[camel(step.name)];
        expect(field, at(`${type!.name} has no ${step.name} in the engine's schema`)).toBeDefined();
        expect(
          step.flags.filter((f) => !field!.args.some((a) => a.name === f)),
          at(`${step.name}'s flags`),
        ).toEqual([]);
        const missing = field!.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined && !step.flags.includes(a.name));
        expect(
          missing.map((a) => a.name),
          at(`${step.name} misses`),
        ).toEqual([]);
        type = getNamedType(field!.type);
      }
    }
  });

  it("load the image into Docker under the tag the DAG runs", () => {
    const loads = calls.filter((c) => c.steps[0]?.name === "build" && c.steps[1]?.name === "export-image");
    expect(loads.map((c) => c.line)).toContainEqual(expect.stringContaining(`export-image --name=${IMAGE_TAG}`));
  });
});
