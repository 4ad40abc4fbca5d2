import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "tests/**/*.test.ts"],
    // Real servers (FerretDB, fake-gcs-server) are started once for the whole run.
    globalSetup: ["./src/test-support/global-setup.ts"],
    setupFiles: ["./src/test-support/setup-each.ts"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
