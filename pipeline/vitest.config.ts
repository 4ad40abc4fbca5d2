import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "tests/**/*.test.ts"],
    // Real servers (FerretDB, fake-gcs-server) are started once for the whole run.
    globalSetup: ["./src/test-support/global-setup.ts"],
    setupFiles: ["./src/test-support/setup-each.ts"],
    pool: "forks",
    // Most tests wait on child processes (the CLI, servers), so two workers
    // nearly halve the wall time on 2 cores, where the default is one. Not
    // more: at three, CLI children starved of CPU hit their timeouts, and the
    // shared FerretDB's PostgreSQL pool ran dry and deadlocked under a
    // dropDatabase. `--maxWorkers` on the command line still overrides this.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
