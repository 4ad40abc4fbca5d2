/**
 * Vitest global setup: starts one real FerretDB (embedded MongoDB, on a private
 * PostgreSQL in a temp directory) and one fake-gcs-server for the whole run,
 * shared by every worker (each test file uses its own database), and hands their
 * addresses to the tests: `inject("mongoUri")`, `inject("gcsEndpoint")`
 * (and, for child processes, TEST_MONGODB_URI / TEST_GCS_ENDPOINT).
 * If TEST_MONGODB_URI or TEST_GCS_ENDPOINT is already set, that server is used instead.
 * The binaries come from scripts/ensure-tools.sh.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startFakeGcs } from "../services/fake-gcs.server.js";
import { startFerretDb } from "../services/ferretdb.server.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** MongoDB connection string of the test server, e.g. `mongodb://127.0.0.1:PORT/` */
    mongoUri: string;
    /** Base URL of the Cloud Storage emulator, e.g. `http://127.0.0.1:PORT` (use as `apiEndpoint`) */
    gcsEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const teardown = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => console.warn("test teardown:", error));
  };
  const previousEnv = { TEST_MONGODB_URI: process.env.TEST_MONGODB_URI, TEST_GCS_ENDPOINT: process.env.TEST_GCS_ENDPOINT };
  try {
    const startedAt = Date.now();
    const [mongo, gcs] = await Promise.allSettled([
      (async () => {
        if (process.env.TEST_MONGODB_URI) return process.env.TEST_MONGODB_URI;
        const dataDir = await mkdtemp(join(tmpdir(), "stock-pipeline-ferretdb-"));
        cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
        const ferret = await startFerretDb({ dataDir });
        cleanups.push(() => ferret.stop());
        return ferret.uri;
      })(),
      (async () => {
        if (process.env.TEST_GCS_ENDPOINT) return process.env.TEST_GCS_ENDPOINT;
        const emulator = await startFakeGcs();
        cleanups.push(() => emulator.stop());
        return emulator.endpoint;
      })(),
    ]);
    // Wait for both, so that a failure of one never leaves the other running.
    if (mongo.status === "rejected") throw mongo.reason;
    if (gcs.status === "rejected") throw gcs.reason;
    const [mongoUri, gcsEndpoint] = [mongo.value, gcs.value];
    if (process.env.DEBUG_TEST_SERVICES) {
      process.stderr.write(`test services up in ${Date.now() - startedAt} ms: ${mongoUri} ${gcsEndpoint}\n`);
    }
    project.provide("mongoUri", mongoUri);
    project.provide("gcsEndpoint", gcsEndpoint);
    process.env.TEST_MONGODB_URI = mongoUri;
    process.env.TEST_GCS_ENDPOINT = gcsEndpoint;
    return async () => {
      await teardown();
      for (const [name, value] of Object.entries(previousEnv)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    };
  } catch (error) {
    await teardown();
    throw error;
  }
}
