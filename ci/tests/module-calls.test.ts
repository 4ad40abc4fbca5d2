/**
 * Each function of the module, called as the Dagger runtime calls it, against
 * a fake engine that validates every query with the engine's real schema and
 * records what would be built: the image is assembled from image-files.ts and
 * nothing else, the tests get their services, independent steps overlap.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dag } from "@dagger.io/dagger";
import { afterEach, describe, expect, it } from "vitest";
import { imageNames, NAME_ARCHIVE_JS, NAME_ARCHIVE_SH } from "../src/archive.js";
import {
  APP_DIR,
  BUILD_COMMAND,
  BUILD_INSTALL,
  BUILD_OUTPUTS,
  DEPENDENCY_MANIFESTS,
  ENTRYPOINT,
  ENTRYPOINT_LINK,
  ENTRYPOINT_TARGET,
  IMAGE_ENV,
  IMAGE_TAG,
  NODE_IMAGE,
  PRODUCTION_INSTALL,
  RUN_AS,
} from "../src/image-files.js";
import { StockPipelineCi } from "../src/index.js";
import {
  FAKE_GCS_ARGS,
  FAKE_GCS_IMAGE,
  GCS_PORT,
  GO_IMAGE,
  MONGO_ARGS,
  MONGO_IMAGE,
  MONGO_PORT,
  SETUP_STAMP_COMMAND,
  TEST_APT_PACKAGES,
  TEST_COMMAND,
  TEST_INSTALL,
  TEST_SERVICE_ENV,
  workspaceManifests,
} from "../src/test-env.js";
import { type Call, type FakeEngine, type FakeEngineOptions, type Op, startFakeEngine } from "./support/fake-engine.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const PIPELINE_VERSION = (JSON.parse(readFileSync(`${REPO}/pipeline/package.json`, "utf8")) as { version: string }).version;

let engine: FakeEngine | undefined;
afterEach(async () => {
  await engine?.stop();
  engine = undefined;
});

async function withEngine(opts: Partial<FakeEngineOptions>, fn: (e: FakeEngine, ci: StockPipelineCi) => Promise<void>): Promise<FakeEngine> {
  engine = await startFakeEngine({ sourceDir: REPO, ...opts });
  const e = engine;
  await e.session(() => fn(e, new StockPipelineCi()));
  expect(e.errors, "queries the engine's schema rejects").toEqual([]);
  return e;
}

const fields = (ops: Op[]) => ops.map((o) => o.field);
const execs = (ops: Op[]) => ops.filter((o) => o.field === "withExec").map((o) => o.args.args as string[]);
const indexOf = (ops: Op[], pred: (o: Op) => boolean) => {
  const i = ops.findIndex(pred);
  expect(i, "operation not found").toBeGreaterThanOrEqual(0);
  return i;
};
const isExec = (args: readonly string[]) => (o: Op) => o.field === "withExec" && JSON.stringify(o.args.args) === JSON.stringify(args);

/** Where an ID argument comes from: "host:<path>" for the host source (or a file of it), else its chain. */
function origin(e: FakeEngine, id: unknown): string | Op[] {
  const ops = e.chain(id);
  if (ops[0]?.field !== "(host source)") return ops;
  const rest = ops.slice(1);
  if (rest.length === 0) return "host:.";
  if (rest.length === 1 && rest[0]!.field === "file") return `host:${String(rest[0]!.args.path)}`;
  return ops;
}

describe("build", () => {
  it("assembles the image from the files image-files.ts lists, and only from them", async () => {
    let image: Op[] = [];
    const e = await withEngine({}, async (e, ci) => {
      image = e.chain(await (await ci.build(e.source())).id());
    });

    expect(image[1]).toEqual({ field: "from", args: { address: NODE_IMAGE } });
    const copied = image.filter((o) => o.field === "withFile").map((o) => [o.args.path, origin(e, o.args.source)]);
    expect(copied).toEqual(DEPENDENCY_MANIFESTS.map((p) => [`${APP_DIR}/${p}`, `host:${p}`]));
    // Nothing else of the source reaches the image directly: every other input is built.
    for (const op of image) {
      for (const value of Object.values(op.args)) {
        if (typeof value !== "string" || !/#\d+$/.test(value) || op.field === "withFile") continue;
        const from = origin(e, value);
        expect(typeof from === "string" ? from : "(built)", `${op.field} ${String(op.args.path)}`).not.toMatch(/^host:/);
      }
    }
    const install = indexOf(image, isExec(PRODUCTION_INSTALL));
    const outputs = BUILD_OUTPUTS.map((p) => indexOf(image, (o) => o.field === "withDirectory" && o.args.path === `${APP_DIR}/${p}`));
    expect(Math.min(...outputs), "compiled output copied after the dependency layer").toBeGreaterThan(install);
    expect(
      execs(image).filter((a) => a[0] === "npm"),
      "one install, production only",
    ).toEqual([[...PRODUCTION_INSTALL]]);
  });

  it("copies the compiled output of the project's build command, run after installing from the lockfile and copying the source", async () => {
    let image: Op[] = [];
    const e = await withEngine({}, async (e, ci) => {
      image = e.chain(await (await ci.build(e.source())).id());
    });
    for (const p of BUILD_OUTPUTS) {
      const copy = image.find((o) => o.field === "withDirectory" && o.args.path === `${APP_DIR}/${p}`)!;
      const built = e.chain(copy.args.source);
      expect(built.at(-1)).toEqual({ field: "directory", args: { path: `/src/${p}`, expand: false } });
      expect(built[1]).toEqual({ field: "from", args: { address: NODE_IMAGE } });
      const install = indexOf(built, isExec(BUILD_INSTALL));
      const sourceCopy = indexOf(built, (o) => o.field === "withDirectory" && origin(e, o.args.source) === "host:.");
      const build = indexOf(built, isExec(BUILD_COMMAND));
      expect(install).toBeLessThan(sourceCopy);
      expect(sourceCopy).toBeLessThan(build);
      const manifests = built
        .slice(0, install)
        .filter((o) => o.field === "withFile")
        .map((o) => origin(e, o.args.source));
      expect(manifests).toEqual(DEPENDENCY_MANIFESTS.map((m) => `host:${m}`));
      expect(fields(built.slice(0, install))).toContain("withMountedCache");
    }
  });

  it("runs stock-pipeline as the non-root node user, in production mode, with OCI labels", async () => {
    let image: Op[] = [];
    await withEngine({}, async (e, ci) => {
      image = e.chain(await (await ci.build(e.source(), undefined, "abc123", "https://example.test/repo.git")).id());
    });
    const last = <T>(field: string, pick: (o: Op) => T) => pick(image.filter((o) => o.field === field).at(-1)!);
    expect(last("withUser", (o) => o.args.name)).toBe(RUN_AS.user);
    expect(last("withEntrypoint", (o) => o.args.args)).toEqual([ENTRYPOINT]);
    expect(last("withWorkdir", (o) => o.args.path)).toBe(APP_DIR);
    const env = Object.fromEntries(image.filter((o) => o.field === "withEnvVariable").map((o) => [o.args.name, o.args.value]));
    expect(env).toMatchObject(IMAGE_ENV);
    const labels = Object.fromEntries(image.filter((o) => o.field === "withLabel").map((o) => [o.args.name, o.args.value]));
    expect(labels).toMatchObject({
      "org.opencontainers.image.version": PIPELINE_VERSION,
      "org.opencontainers.image.revision": "abc123",
      "org.opencontainers.image.source": "https://example.test/repo.git",
    });
    expect(execs(image)).toContainEqual(["ln", "-sf", `${APP_DIR}/${ENTRYPOINT_TARGET}`, ENTRYPOINT_LINK]);
    const user = indexOf(image, (o) => o.field === "withUser");
    expect(
      image.slice(user).some((o) => o.field === "withExec"),
      "nothing runs as root after the switch",
    ).toBe(false);
    const mount = indexOf(image, (o) => o.field === "withMountedCache" && o.args.path === "/root/.npm");
    const unmount = indexOf(image, (o) => o.field === "withoutMount" && o.args.path === "/root/.npm");
    expect(mount).toBeLessThan(indexOf(image, isExec(PRODUCTION_INSTALL)));
    expect(unmount).toBeGreaterThan(indexOf(image, isExec(PRODUCTION_INSTALL)));
  });
});

describe("test", () => {
  it("runs scripts/test.sh with a real mongod and the GCS emulator bound as services", async () => {
    let out = "";
    const e = await withEngine({}, async (e, ci) => {
      out = await ci.test(e.source());
    });
    expect(out).toBe("(combinedOutput)");
    const run = e.chain(e.leaves("combinedOutput")[0]!.parent!);
    expect(run.at(-1)).toMatchObject({ field: "withExec", args: { args: TEST_COMMAND } });

    const bindings = Object.fromEntries(run.filter((o) => o.field === "withServiceBinding").map((o) => [o.args.alias, e.chain(o.args.service)]));
    expect(Object.keys(bindings).sort()).toEqual(["gcs", "mongo"]);
    expect(bindings.mongo).toEqual([
      { field: "container", args: {} },
      { field: "from", args: { address: MONGO_IMAGE } },
      { field: "withExposedPort", args: expect.objectContaining({ port: MONGO_PORT }) },
      { field: "asService", args: expect.objectContaining({ args: MONGO_ARGS }) },
    ]);
    expect(bindings.gcs).toEqual([
      { field: "container", args: {} },
      { field: "from", args: { address: FAKE_GCS_IMAGE } },
      { field: "withExposedPort", args: expect.objectContaining({ port: GCS_PORT }) },
      { field: "asService", args: expect.objectContaining({ args: FAKE_GCS_ARGS }) },
    ]);
    const env = Object.fromEntries(run.filter((o) => o.field === "withEnvVariable").map((o) => [o.args.name, o.args.value]));
    expect(env).toMatchObject({ ...TEST_SERVICE_ENV, CI: "true", CGO_ENABLED: "0" });
  });

  it("installs every workspace from the lockfile before copying the source, with Go for scripts/ensure-tools.sh", async () => {
    const e = await withEngine({}, async (e, ci) => {
      await ci.test(e.source());
    });
    const run = e.chain(e.leaves("combinedOutput")[0]!.parent!);
    const install = indexOf(run, isExec(TEST_INSTALL));
    const stamp = indexOf(run, isExec(["sh", "-c", SETUP_STAMP_COMMAND]));
    const sourceCopy = indexOf(run, (o) => o.field === "withDirectory" && origin(e, o.args.source) === "host:.");
    expect(install).toBeLessThan(stamp);
    expect(stamp).toBeLessThan(sourceCopy);
    const manifests = run
      .slice(0, install)
      .filter((o) => o.field === "withFile")
      .map((o) => origin(e, o.args.source));
    expect(manifests).toEqual(workspaceManifests(readFileSync(`${REPO}/package.json`, "utf8")).map((m) => `host:${m}`));
    const go = run.find((o) => o.field === "withDirectory" && o.args.path === "/usr/local/go")!;
    expect(e.chain(go.args.source).slice(0, 2)).toEqual([
      { field: "container", args: {} },
      { field: "from", args: { address: GO_IMAGE } },
    ]);
    const caches = run.filter((o) => o.field === "withMountedCache").map((o) => o.args.path);
    expect(caches).toEqual(expect.arrayContaining(["/root/.npm", "/root/go/pkg/mod", "/root/.cache/go-build", "/src/.tools", "/src/.cache"]));
    for (const dir of ["/src/.tools", "/src/.cache"]) expect(indexOf(run, (o) => o.field === "withMountedCache" && o.args.path === dir)).toBeGreaterThan(sourceCopy);
    const apt = execs(run).find((a) => a[0] === "sh" && a[2]?.includes("apt-get install"));
    for (const pkg of TEST_APT_PACKAGES) expect(apt?.[2], pkg).toContain(` ${pkg}`);
  });
});

describe("tarball", () => {
  it("names the image's OCI tarball with the DAG's tag, for docker load", async () => {
    let ops: Op[] = [];
    const e = await withEngine({}, async (e, ci) => {
      ops = e.chain(await (await ci.tarball(e.source())).id());
    });
    expect(ops.at(-1)).toEqual({ field: "file", args: { path: "/work/out.tar", expand: false } });
    const names = imageNames(IMAGE_TAG);
    expect(execs(ops)).toEqual([["sh", "-c", NAME_ARCHIVE_SH, "sh", "/work/in.tar", "/work/out.tar", "/work/name-archive.cjs", names.full, names.familiar, names.ref]]);
    expect(ops.find((o) => o.field === "withNewFile")?.args).toMatchObject({ path: "/work/name-archive.cjs", contents: NAME_ARCHIVE_JS });
    const tarball = e.chain(ops.find((o) => o.field === "withMountedFile")!.args.source);
    expect(tarball.at(-1)?.field).toBe("asTarball");
    expect(tarball.at(-2)).toEqual({ field: "withDefaultArgs", args: { args: ["--help"] } });
    expect(tarball).toContainEqual({ field: "withEntrypoint", args: expect.objectContaining({ args: [ENTRYPOINT] }) });
  });

  it("uses the tag it is given", async () => {
    const e = await withEngine({}, async (e, ci) => {
      await (await ci.tarball(e.source(), "ghcr.io/acme/stock-pipeline:1.2.3")).id();
    });
    const sh = e.calls.find((c) => c.field === "withExec" && (c.args.args as string[])[0] === "sh")!;
    expect((sh.args.args as string[]).slice(-3)).toEqual(["ghcr.io/acme/stock-pipeline:1.2.3", "ghcr.io/acme/stock-pipeline:1.2.3", "1.2.3"]);
  });
});

describe("publish", () => {
  it("checks that the image starts, then pushes it with the registry credentials as a secret", async () => {
    let ref = "";
    const e = await withEngine({}, async (e, ci) => {
      ref = await ci.publish(e.source(), "ghcr.io/acme/stock-pipeline:1.2.3", "acme-bot", dag.setSecret("registry-token", "not-a-real-token"));
    });
    expect(ref).toBe("(publish)");
    const [publish] = e.leaves("publish");
    expect(publish?.args).toMatchObject({ address: "ghcr.io/acme/stock-pipeline:1.2.3" });
    const pushed = e.chain(publish!.parent!);
    const auth = pushed.at(-1)!;
    expect(auth).toMatchObject({ field: "withRegistryAuth", args: { address: "ghcr.io/acme/stock-pipeline:1.2.3", username: "acme-bot" } });
    expect(e.chain(auth.args.secret)).toEqual([{ field: "setSecret", args: expect.objectContaining({ name: "registry-token" }) }]);
    const smoke = e.leaves("sync").find((c) => c.parent?.field === "withExec" && JSON.stringify(c.parent.args.args) === JSON.stringify([ENTRYPOINT, "--help"]));
    expect(smoke, "stock-pipeline --help ran").toBeDefined();
    expect(smoke!.seq).toBeLessThan(publish!.seq);
    expect(e.chain(smoke!.parent!).slice(0, -1)).toEqual(pushed.slice(0, -1));
  });
});

describe("ci", () => {
  it("runs the tests and the image check at the same time", async () => {
    const arrived: Record<string, () => void> = {};
    const both = {
      combinedOutput: new Promise<void>((r) => (arrived.combinedOutput = r)),
      stdout: new Promise<void>((r) => (arrived.stdout = r)),
    };
    // A slow engine: neither answer comes before both questions were asked.
    const barrier = async (call: Call) => {
      if (call.field !== "combinedOutput" && call.field !== "stdout") return undefined;
      arrived[call.field]!();
      const timeout = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 5_000));
      const other = call.field === "stdout" ? both.combinedOutput : both.stdout;
      if ((await Promise.race([other, timeout])) === "timeout") throw new Error(`${call.field} was asked alone: the steps ran one after the other`);
      return `(${call.field})`;
    };
    let out = "";
    await withEngine({ leaf: barrier }, async (e, ci) => {
      out = await ci.ci(e.source());
    });
    expect(out).toContain("(combinedOutput)");
    expect(out).toContain(`${ENTRYPOINT} --help\n(stdout)`);
  });
});
