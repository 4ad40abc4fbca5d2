/** What a chart page downloads: gzip sizes from the production build's client manifest. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const BUILD = join(dirname(fileURLToPath(import.meta.url)), "..", "build");

export interface ChartPageJs {
  routeKb: number;
  plotlyKb: number;
  totalKb: number;
}

/** Remix's entry, the root and chart routes with their imports, and the lazily loaded Plotly chunk; null without a build. */
export function chartPageJs(): ChartPageJs | null {
  const assets = join(BUILD, "client", "assets");
  if (!existsSync(assets)) return null;
  const files = readdirSync(assets);
  const manifestFile = files.find((f) => /^manifest-.*\.js$/.test(f));
  const plotFile = files.find((f) => /^plot\.client-.*\.js$/.test(f));
  if (!manifestFile || !plotFile) return null;
  type Entry = { module: string; imports?: string[] };
  const m = JSON.parse(
    readFileSync(join(assets, manifestFile), "utf8")
      .replace(/^window\.__remixManifest=/, "")
      .replace(/;\s*$/, ""),
  ) as { entry: Entry; routes: Record<string, Entry> };
  const gz = (path: string) => gzipSync(readFileSync(join(BUILD, "client", path))).length / 1024;
  const all = new Set<string>([`/assets/${plotFile}`]);
  for (const e of [m.entry, m.routes.root!, m.routes["routes/chart.$symbol"]!]) for (const f of [e.module, ...(e.imports ?? [])]) all.add(f);
  const r1 = (n: number) => Math.round(n * 10) / 10;
  return { routeKb: r1(gz(m.routes["routes/chart.$symbol"]!.module)), plotlyKb: r1(gz(`/assets/${plotFile}`)), totalKb: r1([...all].reduce((sum, f) => sum + gz(f), 0)) };
}
