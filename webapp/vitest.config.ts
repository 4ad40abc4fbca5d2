import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/** Unit tests next to the code (app/**\/*.test.ts); browser tests have their own config. */
export default defineConfig({
  resolve: { alias: { "~": fileURLToPath(new URL("./app", import.meta.url)) } },
  test: {
    include: ["app/**/*.test.ts"],
    setupFiles: ["./tests/setup-each.ts"],
  },
});
