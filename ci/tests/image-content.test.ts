/**
 * The image's content, without an engine: the file selection `build` puts in
 * the image (image-files.ts, the same constants the module uses) is rebuilt in
 * a temporary folder: the dependency manifests, the production-only install
 * from the lockfile, the freshly compiled output, the CLI script and the
 * `stock-pipeline` link. The entrypoint then runs from there, `--help` and a
 * full `run --date 2025-01-03` against the fake Polygon server, a MongoDB
 * (FerretDB here; the bound mongo service inside `dagger call test`) and a
 * local lake: production dependencies suffice, and nothing the CLI needs is a
 * dev dependency.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  APP_DIR,
  BUILD_COMMAND,
  BUILD_OUTPUTS,
  COMPILED_OUTPUT,
  DEPENDENCY_MANIFESTS,
  ENTRYPOINT,
  ENTRYPOINT_LINK,
  ENTRYPOINT_TARGET,
  IMAGE_ENV,
  PRODUCTION_INSTALL,
  WRITABLE_DIRS,
} from "../src/image-files.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const DATE = "2025-01-03";
const WATCHLIST = ["AAPL", "GOOGL", "MSFT", "TSLA", "NVDA"]; // the CLI's default TICKERS

/** The image's root filesystem, as far as the pipeline is concerned. */
let root: string;
const inImage = (p: string) => path.join(root, p);
const app = (p = "") => path.join(root, APP_DIR, p);
const children: ChildProcess[] = [];

/** This process's environment without what an outer `npm run` adds (it would steer the inner npm). */
function npmEnv(): NodeJS.ProcessEnv {
  const keep = new Set(["npm_config_cache", "npm_config_registry", "npm_config_userconfig", "npm_config_globalconfig"]);
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || keep.has(k.toLowerCase())));
}

function run(cmd: readonly string[], cwd: string, extraArgs: string[] = []): void {
  execFileSync(cmd[0]!, [...cmd.slice(1), ...extraArgs], { cwd, env: { ...npmEnv(), ...IMAGE_ENV }, stdio: ["ignore", "pipe", "pipe"] });
}

/** Starts a server that prints one JSON line with its address; resolves with that object. */
async function startServer(cmd: string, args: string[], cwd: string): Promise<Record<string, unknown>> {
  const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let stderr = "";
  child.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd} printed nothing in 30 s: ${stderr}`)), 30_000);
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`${cmd} exited (${code}) before printing its address: ${stderr}`)));
    createInterface({ input: child.stdout! }).once("line", (l) => {
      clearTimeout(timer);
      resolve(l);
    });
  });
  return JSON.parse(line) as Record<string, unknown>;
}

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `stock-pipeline ARGS` as the image does: by name, through the link on PATH, in APP_DIR, with only `env`. */
function stockPipeline(args: string[], env: Record<string, string>): Promise<CliResult> {
  const PATH = [path.dirname(inImage(ENTRYPOINT_LINK)), path.dirname(process.execPath), "/usr/bin", "/bin"].join(path.delimiter);
  const child = spawn(ENTRYPOINT, args, { cwd: app(), env: { PATH, HOME: app(), ...IMAGE_ENV, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (b: Buffer) => (stdout += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "stock-pipeline-image-"));
  // Nothing above the copy may provide modules, or the proof proves nothing.
  for (let dir = path.dirname(root); ; dir = path.dirname(dir)) {
    expect(existsSync(path.join(dir, "node_modules")), `${dir}/node_modules exists`).toBe(false);
    if (dir === path.dirname(dir)) break;
  }
  for (const file of DEPENDENCY_MANIFESTS) {
    mkdirSync(path.dirname(app(file)), { recursive: true });
    copyFileSync(path.join(REPO, file), app(file));
  }
  // The two stages of `build`, here: the production install, and the project's build command
  // (into the copy instead of pipeline/dist, so neither the repository's output nor its age matters).
  run(PRODUCTION_INSTALL, app());
  run(BUILD_COMMAND, REPO, ["--", "--outDir", app(COMPILED_OUTPUT)]);
  for (const output of BUILD_OUTPUTS) if (output !== COMPILED_OUTPUT) cpSync(path.join(REPO, output), app(output), { recursive: true });
  for (const dir of WRITABLE_DIRS) mkdirSync(app(dir), { recursive: true });
  chmodSync(app(ENTRYPOINT_TARGET), 0o755);
  mkdirSync(path.dirname(inImage(ENTRYPOINT_LINK)), { recursive: true });
  symlinkSync(app(ENTRYPOINT_TARGET), inImage(ENTRYPOINT_LINK));
}, 300_000);

afterAll(async () => {
  const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
  for (const child of running) child.kill("SIGTERM");
  await Promise.all(running.map((c) => new Promise((r) => c.once("close", r))));
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("the image's files", () => {
  it("hold the pipeline's production dependencies and none of its build or test tools", () => {
    const pipelinePkg = JSON.parse(readFileSync(path.join(REPO, "pipeline/package.json"), "utf8")) as { dependencies: Record<string, string> };
    for (const dep of Object.keys(pipelinePkg.dependencies)) expect(existsSync(app(`node_modules/${dep}/package.json`)), dep).toBe(true);
    for (const tool of ["typescript", "tsx", "vitest", "@dagger.io/dagger"]) expect(existsSync(app(`node_modules/${tool}`)), tool).toBe(false);
    expect(readdirSync(app())).toEqual(expect.arrayContaining(["node_modules", "package.json", "package-lock.json", "pipeline"]));
  });

  it("answer stock-pipeline --help through the entrypoint on PATH", async () => {
    const r = await stockPipeline(["--help"], {});
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    for (const command of ["extract", "load", "run", "backfill", "reprocess", "status"]) expect(r.stdout).toContain(command);
  });

  it("run a full day (extract, then load) into MongoDB and the lake, with production dependencies only", async () => {
    const apiKey = `image_${randomBytes(8).toString("hex")}`;
    const fake = await startServer(
      process.execPath,
      ["--import", "tsx", "src/fake-polygon/main.ts", "--port", "0", "--api-key", apiKey, "--universe-size", "60"],
      path.join(REPO, "pipeline"),
    );
    let mongoUri = process.env.TEST_MONGODB_URI ?? "";
    if (!mongoUri) {
      // Any MongoDB will do for the image's proof; SQLite needs no PostgreSQL cluster.
      const ferret = await startServer(
        path.join(REPO, ".tools/bin/ferretdb-embedded"),
        ["-listen", "127.0.0.1:0", "-handler", "sqlite", "-data", inImage("ferretdb"), "-log-level", "error"],
        REPO,
      );
      mongoUri = String(ferret.uri);
    }
    const dbName = `image_content_${randomBytes(4).toString("hex")}`;
    const lake = inImage("lake");
    const client = new MongoClient(mongoUri, { serverSelectionTimeoutMS: 20_000 });
    try {
      const r = await stockPipeline(["run", "--date", DATE, "--json"], {
        POLYGON_API_KEY: apiKey,
        POLYGON_BASE_URL: String(fake.url),
        POLYGON_MAX_REQUESTS_PER_MINUTE: "6000",
        MONGODB_URI: mongoUri,
        MONGODB_DB: dbName,
        LAKE_URI: lake,
      });
      expect(r.code, r.stderr).toBe(0);
      const prices = await client
        .db(dbName)
        .collection("daily_prices")
        .find({ date: new Date(`${DATE}T00:00:00Z`) })
        .toArray();
      expect(prices.map((p) => p.symbol as string).sort()).toEqual([...WATCHLIST].sort());
      const lakeFiles = execFileSync("find", [lake, "-type", "f"], { encoding: "utf8" });
      expect(lakeFiles).toContain(`date=${DATE}`);
      // The load curates the session with DuckDB: its native binding came with the production install.
      expect(lakeFiles).toContain(`curated/daily_bars/date=${DATE}/part-0.parquet`);
    } finally {
      await client
        .db(dbName)
        .dropDatabase()
        .catch(() => undefined);
      await client.close();
    }
  });
});
