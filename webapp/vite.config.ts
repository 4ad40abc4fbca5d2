import { fileURLToPath } from "node:url";
import { vitePlugin as remix } from "@remix-run/dev";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [
    remix({
      future: {
        v3_fetcherPersist: true,
        v3_relativeSplatPath: true,
        v3_throwAbortReason: true,
        v3_lazyRouteDiscovery: true,
      },
    }),
  ],
  resolve: {
    alias: { "~": fileURLToPath(new URL("./app", import.meta.url)) },
  },
  // Pre-bundled up front: otherwise the dev server discovers Plotly on the first
  // chart visit, re-optimises, reloads the page and can load React twice.
  optimizeDeps: { include: ["plotly.js-finance-dist-min"] },
  // DuckDB (the market screener, through the pipeline package) is a native
  // module: the server build must import it at run time, never bundle it.
  ssr: { external: ["@duckdb/node-api"] },
  build: {
    // The Plotly finance bundle is one ~1.3 MB chunk by itself, loaded only by chart pages.
    chunkSizeWarningLimit: 1500,
  },
});
