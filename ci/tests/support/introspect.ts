/**
 * Prints, as JSON, what the Dagger runtime registers for this module: the
 * TypeScript SDK's own introspector (`scan`), run with tsx and ci/tsconfig.json
 * over every .ts file of ci/src, as the runtime's entrypoint does
 * (`tsx --tsconfig tsconfig.json src/__dagger.entrypoint.ts`), with the module
 * name from dagger.json. The engine generates `sdk/client.gen.ts` (the core
 * types the introspector looks up by name); here the npm package's
 * declarations of the same API stand in for it.
 *
 * Usage: tsx --tsconfig ci/tsconfig.json ci/tests/support/introspect.ts
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const CI_DIR = fileURLToPath(new URL("../../", import.meta.url));

function listTsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return listTsFiles(p);
    return [".ts", ".mts"].includes(path.extname(p)) ? [p] : [];
  });
}

const sdkDist = path.join(path.dirname(createRequire(import.meta.url).resolve("@dagger.io/dagger")), "..");
const { scan } = (await import(pathToFileURL(path.join(sdkDist, "src/module/introspector/index.js")).href)) as {
  scan: (files: string[], moduleName: string, loadModule?: boolean) => Promise<unknown>;
};
const moduleName = (JSON.parse(readFileSync(path.join(CI_DIR, "dagger.json"), "utf8")) as { name: string }).name;
const tmp = mkdtempSync(path.join(tmpdir(), "dagger-introspect-"));
try {
  const clientGen = path.join(tmp, "client.gen.ts");
  const declarations = readFileSync(path.join(sdkDist, "src/api/client.gen.d.ts"), "utf8");
  writeFileSync(
    clientGen,
    declarations.replace(/from "\.\.\/(common\/[\w/]+\.js)"/g, (_m, rel: string) => `from ${JSON.stringify(path.join(sdkDist, "src", rel))}`),
  );
  const result = await scan([...listTsFiles(path.join(CI_DIR, "src")), clientGen], moduleName, true);
  process.stdout.write(JSON.stringify(result));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
