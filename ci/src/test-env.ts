/**
 * The container `test` runs the project's test command in, and the services it
 * binds. Plain data (loaded by the Dagger runtime too).
 */

/** A real mongod, so that users with an engine also test against MongoDB, not only FerretDB. */
export const MONGO_IMAGE = "mongo:7.0.40";

/** The GCS emulator's image; its version matches FAKE_GCS_VERSION in scripts/ensure-tools.sh. */
export const FAKE_GCS_IMAGE = "fsouza/fake-gcs-server:1.55.1";

/**
 * scripts/ensure-tools.sh builds FerretDB and fake-gcs-server with Go (tests
 * that start their own servers need them): the Go toolchain is copied from here.
 */
export const GO_IMAGE = "golang:1.26.7-bookworm";

/** Service host names and ports inside the test container. */
export const MONGO_HOST = "mongo";
export const MONGO_PORT = 27017;
export const GCS_HOST = "gcs";
export const GCS_PORT = 4443;

/** Picked up by pipeline/src/test-support/global-setup.ts instead of starting local servers. */
export const TEST_SERVICE_ENV = {
  TEST_MONGODB_URI: `mongodb://${MONGO_HOST}:${MONGO_PORT}/`,
  TEST_GCS_ENDPOINT: `http://${GCS_HOST}:${GCS_PORT}`,
} as const;

/** fake-gcs-server as scripts/ensure-tools.sh's users run it (plain HTTP, in memory), reachable by host name. */
export const FAKE_GCS_ARGS = [
  "/bin/fake-gcs-server",
  "-scheme",
  "http",
  "-host",
  "0.0.0.0",
  "-port",
  String(GCS_PORT),
  "-backend",
  "memory",
  "-public-host",
  `${GCS_HOST}:${GCS_PORT}`,
  "-external-url",
  `http://${GCS_HOST}:${GCS_PORT}`,
  "-log-level",
  "error",
];

/** mongod listening on every interface (the image's default binds to localhost only without its entrypoint). */
export const MONGO_ARGS = ["mongod", "--bind_ip_all"];

/**
 * Debian packages of the test container: CA certificates (Go downloads
 * modules), the browser the web app's tests drive, and the Python that
 * scripts/airflow-venv.sh builds the DAG tests' Airflow on.
 */
export const TEST_APT_PACKAGES = ["ca-certificates", "chromium", "python3", "python3-venv"];

/** Kept between test runs in cache volumes: built tools (with their stamps) and the project's .cache (Airflow venv, pip/uv caches). */
export const TEST_CACHES = { ".tools": "stock-pipeline-tools", ".cache": "stock-pipeline-cache" } as const;

/** Every workspace's dependencies, dev ones included (what scripts/setup.sh installs). */
export const TEST_INSTALL = ["npm", "ci", "--no-audit", "--no-fund"];

/** The project's test command (what `.ci/run` runs). */
export const TEST_COMMAND = ["bash", "scripts/test.sh"];

/**
 * The manifests of every workspace, so `npm ci` can install the whole tree
 * before the source is copied. Workspaces must be folder names (no globs).
 */
export function workspaceManifests(rootPackageJson: string): string[] {
  const pkg = JSON.parse(rootPackageJson) as { workspaces?: unknown };
  const workspaces = pkg.workspaces ?? [];
  if (!Array.isArray(workspaces) || !workspaces.every((w): w is string => typeof w === "string" && /^[\w.-]+(\/[\w.-]+)*$/.test(w))) {
    throw new Error(`package.json "workspaces" must be a list of folder names, got ${JSON.stringify(workspaces)}`);
  }
  return ["package.json", "package-lock.json", ...workspaces.map((w) => `${w}/package.json`)];
}

/**
 * scripts/setup.sh skips `npm ci` when this stamp holds the lockfile's hash;
 * written after the pre-source install so the test command does not install twice.
 */
export const SETUP_STAMP_COMMAND = "sha256sum package-lock.json | cut -d' ' -f1 > node_modules/.setup-lock-hash";
