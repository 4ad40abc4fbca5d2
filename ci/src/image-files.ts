/**
 * What goes into the pipeline image, written once as data: the Dagger module
 * (`index.ts`) builds the image from it, and `ci/tests/image-content.test.ts`
 * rebuilds the same file set in a temporary folder and runs the entrypoint from
 * there, so the two cannot drift apart.
 *
 * Paths are relative to the repository root (in the source) and to APP_DIR (in
 * the image). This file is loaded by the Dagger runtime too: plain data only,
 * no imports.
 */

/** The tag the Airflow DAG runs by default (`PIPELINE_IMAGE`): the name docs/dagger.md gives `export-image`. */
export const IMAGE_TAG = "stock-pipeline:latest";

/** The image's entrypoint: the CLI, found on PATH through ENTRYPOINT_LINK. */
export const ENTRYPOINT = "stock-pipeline";

/** Node 20 (the project's engine), Debian slim, pinned by tag: the last Node 20 release. */
export const NODE_IMAGE = "node:20.20.2-bookworm-slim";

/** Where the application lives in the image (also its working directory). */
export const APP_DIR = "/app";

/** The non-root user of the official Node images (uid/gid 1000), who runs the CLI. */
export const RUN_AS = { user: "node", owner: "1000:1000" } as const;

/**
 * Copied before any source, for the dependency layers: they change only when
 * these do. Only the pipeline's workspace manifest: npm installs the pipeline's
 * dependencies without the other workspaces' folders, and their manifests would
 * pull optional peers (e.g. TypeScript) into the production install.
 */
export const DEPENDENCY_MANIFESTS = ["package.json", "package-lock.json", "pipeline/package.json"] as const;

/** Build stage: the pipeline's dependencies, dev ones included (tsc, @types). */
export const BUILD_INSTALL = ["npm", "ci", "--workspace", "pipeline", "--no-audit", "--no-fund"] as const;

/** Build stage: the project's own build command (as in scripts/setup.sh). */
export const BUILD_COMMAND = ["npm", "run", "build", "--workspace", "pipeline"] as const;

/** Image: the pipeline's production dependencies only, from the lockfile. */
export const PRODUCTION_INSTALL = ["npm", "ci", "--omit=dev", "--workspace", "pipeline", "--no-audit", "--no-fund"] as const;

/** What BUILD_COMMAND writes (tsc's outDir). */
export const COMPILED_OUTPUT = "pipeline/dist";

/** Copied from the build stage into the image: the compiled output and the CLI script that imports it. */
export const BUILD_OUTPUTS = [COMPILED_OUTPUT, "pipeline/bin"] as const;

/** The CLI script (relative to APP_DIR) that ENTRYPOINT_LINK points to. */
export const ENTRYPOINT_TARGET = "pipeline/bin/stock-pipeline.js";

/** Symlink on the image's PATH that makes `stock-pipeline` a command. */
export const ENTRYPOINT_LINK = "/usr/local/bin/stock-pipeline";

/** Writable by RUN_AS: the default local lake (`./.data/lake`) works without a mounted volume. */
export const WRITABLE_DIRS = [".data"] as const;

/** Environment of the image. */
export const IMAGE_ENV = { NODE_ENV: "production" } as const;
