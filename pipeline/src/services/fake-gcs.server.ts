/**
 * The local Google Cloud Storage emulator: fsouza/fake-gcs-server (built by
 * scripts/ensure-tools.sh into .tools/bin/fake-gcs-server), in-memory backend,
 * plain HTTP on loopback. Point @google-cloud/storage at it with
 * `new Storage({ apiEndpoint: endpoint, projectId: "any", useAuthWithCustomEndpoint: false })`.
 */
import { spawn } from "node:child_process";
import { ConfigError } from "../errors.js";
import { captureTail, freePort, isExecutable, killOnExit, stopChild, tailLines, toolPath, waitUntil } from "./process.server.js";

export interface FakeGcsServer {
  /** e.g. `http://127.0.0.1:41234` (no trailing slash) */
  endpoint: string;
  stop(): Promise<void>;
}

const NAME = "the Cloud Storage emulator (fake-gcs-server)";
const START_TIMEOUT_MS = 30_000;

/** `.tools/bin/fake-gcs-server` of the repository, or `$FAKE_GCS_BIN`. */
export function fakeGcsBinPath(): string {
  return toolPath("fake-gcs-server", "FAKE_GCS_BIN");
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/storage/v1/b`, { signal: AbortSignal.timeout(1_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

async function startOnce(bin: string, port: number): Promise<FakeGcsServer | "port-taken"> {
  const endpoint = `http://127.0.0.1:${port}`;
  const args = ["-scheme", "http", "-host", "127.0.0.1", "-port", String(port), "-backend", "memory"];
  args.push("-public-host", `127.0.0.1:${port}`, "-external-url", endpoint, "-log-level", "error");
  const child = spawn(bin, args, { stdio: ["ignore", "ignore", "pipe"] });
  const unregister = killOnExit(child);
  const stderr = captureTail(child.stderr);
  let failure: Error | undefined;
  child.on("error", (error) => (failure ??= new Error(`${NAME} could not be started from ${bin}: ${error.message}`)));
  child.on("close", (code, signal) => {
    failure ??= new Error(`${NAME} exited (${signal ?? `code ${code}`}) before it was ready${tailLines(stderr())}`);
  });
  const stop = async () => {
    unregister();
    await stopChild(child);
  };
  try {
    await waitUntil(() => answers(endpoint), { timeoutMs: START_TIMEOUT_MS, what: `${NAME} to answer at ${endpoint}`, failed: () => failure });
    return { endpoint, stop };
  } catch (error) {
    await stop();
    if (/address already in use/i.test(stderr())) return "port-taken";
    throw error;
  }
}

/** Starts fake-gcs-server on a free loopback port; resolves once it answers HTTP. */
export async function startFakeGcs(opts: { binPath?: string } = {}): Promise<FakeGcsServer> {
  const bin = opts.binPath ?? fakeGcsBinPath();
  if (!isExecutable(bin)) {
    throw new ConfigError(`${NAME} is not built: run scripts/ensure-tools.sh, or set FAKE_GCS_BIN (there is no executable at ${bin})`);
  }
  for (let attempt = 1; ; attempt++) {
    const server = await startOnce(bin, await freePort());
    if (server !== "port-taken") return server;
    if (attempt === 5) throw new Error(`${NAME} found its port taken 5 times in a row`);
  }
}
