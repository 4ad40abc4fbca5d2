import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";

/**
 * Where relative paths in settings (DATA_DIR, a local LAKE_URI, `*_FILE`
 * secrets) are taken from, by the CLI and the web app alike: the checkout's
 * root (the nearest directory at or above the working directory whose
 * package.json declares workspaces), else the working directory (an image or
 * an install outside a checkout). So `./.data` is one folder whether a
 * command runs from the root, from `pipeline/` or from `webapp/`.
 */
export function projectRoot(from = process.cwd()): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && /"workspaces"/.test(readFileSync(pkg, "utf8"))) return dir;
    if (dirname(dir) === dir) return resolve(from);
  }
}

/** A URI (gs://, file://, mongodb://…) or an absolute path. */
const isUriOrAbsolute = (p: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(p) || isAbsolute(p);

/** `p` as the settings mean it: unchanged when a URI or absolute, else under projectRoot(). */
export function resolveSetting(p: string, root: string = projectRoot()): string {
  return isUriOrAbsolute(p) ? p : resolve(root, p);
}
