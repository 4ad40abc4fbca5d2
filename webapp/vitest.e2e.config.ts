import { defineConfig } from "vitest/config";

/**
 * Browser tests against the production build: scripts/test-webapp.sh starts
 * FerretDB and the server and passes WEBAPP_URL (and the editor's credentials).
 * One file at a time: they share one server and one database.
 */
export default defineConfig({
  test: {
    include: ["tests/e2e/**/*.test.ts"],
    globalSetup: ["./tests/e2e/global-setup.ts"],
    setupFiles: ["./tests/setup-each.ts"],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
