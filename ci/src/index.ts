/**
 * Builds, tests and publishes the stock-pipeline image. Exporting it is the
 * engine's own: `build export-image` (named, into Docker) or `build export`.
 *
 * The image runs the `stock-pipeline` CLI (entrypoint) as the non-root `node`
 * user, with only the pipeline's production dependencies. The steps are the
 * project's own (`npm ci`, `npm run build --workspace pipeline`,
 * `scripts/test.sh`); what goes into the image is listed once in
 * `image-files.ts`, which the image-content test also uses.
 */
import { argument, Container, dag, Directory, func, object, Secret, Service } from "@dagger.io/dagger";
import {
  APP_DIR,
  BUILD_COMMAND,
  BUILD_INSTALL,
  BUILD_OUTPUTS,
  DEPENDENCY_MANIFESTS,
  ENTRYPOINT,
  ENTRYPOINT_LINK,
  ENTRYPOINT_TARGET,
  IMAGE_ENV,
  NODE_IMAGE,
  PRODUCTION_INSTALL,
  RUN_AS,
  WRITABLE_DIRS,
} from "./image-files.js";
import {
  FAKE_GCS_ARGS,
  FAKE_GCS_IMAGE,
  GCS_HOST,
  GCS_PORT,
  GO_IMAGE,
  MONGO_ARGS,
  MONGO_HOST,
  MONGO_IMAGE,
  MONGO_PORT,
  SETUP_STAMP_COMMAND,
  TEST_APT_PACKAGES,
  TEST_CACHES,
  TEST_COMMAND,
  TEST_INSTALL,
  TEST_SERVICE_ENV,
  workspaceManifests,
} from "./test-env.js";

const SRC = "/src";
const NPM_CACHE = "/root/.npm";

/** Left out of `source`: what .gitignore keeps out of git (installs, local data, built tools, caches, build output, secrets). */
const SOURCE_IGNORE = ["**/node_modules", "**/.data", ".tools", "**/.cache", "**/dist", "**/build", ".git", "**/*.log", "**/.env", "**/.env.*", "**/coverage", "**/bench-results"];

@object()
export class StockPipelineCi {
  // Declared here, not as a constructor parameter property: the SDK serialises the object from its declared properties only.
  source: Directory;

  constructor(
    /** The repository (its node_modules, .data, .tools, .cache, build output and .env files are left out). */
    @argument({ defaultPath: "/", ignore: SOURCE_IGNORE })
    source: Directory,
  ) {
    this.source = source;
  }

  /**
   * The pipeline image: Node 20 slim, production dependencies from the lockfile,
   * the compiled CLI, non-root user, entrypoint stock-pipeline, OCI labels.
   * Load it into Docker with `export-image --name=stock-pipeline:latest`.
   */
  @func()
  async build(
    /** org.opencontainers.image.version (default: the version in pipeline/package.json). */
    version?: string,
    /** org.opencontainers.image.revision, e.g. $(git rev-parse HEAD). */
    revision = "unknown",
    /** org.opencontainers.image.source, e.g. $(git remote get-url origin). */
    sourceUrl = "unknown",
  ): Promise<Container> {
    const source = this.source;
    const compiled = this.buildEnv(this.nodeBase(), [...DEPENDENCY_MANIFESTS], [...BUILD_INSTALL]).withExec([...BUILD_COMMAND]);
    const imageVersion = version ?? (JSON.parse(await source.file("pipeline/package.json").contents()) as { version: string }).version;

    let image = this.nodeBase().withWorkdir(APP_DIR);
    for (const [name, value] of Object.entries(IMAGE_ENV)) image = image.withEnvVariable(name, value);
    image = this.withFiles(image, APP_DIR, DEPENDENCY_MANIFESTS).withExec([...PRODUCTION_INSTALL]);
    for (const path of BUILD_OUTPUTS) image = image.withDirectory(`${APP_DIR}/${path}`, compiled.directory(`${SRC}/${path}`));
    for (const path of WRITABLE_DIRS) image = image.withDirectory(`${APP_DIR}/${path}`, dag.directory(), { owner: RUN_AS.owner });
    return image
      .withoutMount(NPM_CACHE)
      .withExec(["chmod", "0755", `${APP_DIR}/${ENTRYPOINT_TARGET}`])
      .withExec(["ln", "-sf", `${APP_DIR}/${ENTRYPOINT_TARGET}`, ENTRYPOINT_LINK])
      .withLabel("org.opencontainers.image.title", ENTRYPOINT)
      .withLabel("org.opencontainers.image.description", "Daily stock-market ELT: Polygon/Massive -> data lake -> MongoDB")
      .withLabel("org.opencontainers.image.version", imageVersion)
      .withLabel("org.opencontainers.image.revision", revision)
      .withLabel("org.opencontainers.image.source", sourceUrl)
      .withUser(RUN_AS.user)
      .withEntrypoint([ENTRYPOINT])
      .withDefaultArgs(["--help"]);
  }

  /**
   * Runs the project's test command (scripts/test.sh) in a container, against a
   * real MongoDB (mongo image) and the GCS emulator bound as services.
   */
  @func()
  async test(): Promise<string> {
    const manifests = workspaceManifests(await this.source.file("package.json").contents());
    let ctr = this.buildEnv(this.testBase(), manifests, TEST_INSTALL, SETUP_STAMP_COMMAND);
    for (const [dir, volume] of Object.entries(TEST_CACHES)) ctr = ctr.withMountedCache(`${SRC}/${dir}`, dag.cacheVolume(volume));
    ctr = ctr.withServiceBinding(MONGO_HOST, this.mongo()).withServiceBinding(GCS_HOST, this.fakeGcs()).withEnvVariable("CI", "true");
    for (const [name, value] of Object.entries(TEST_SERVICE_ENV)) ctr = ctr.withEnvVariable(name, value);
    return ctr.withExec(TEST_COMMAND).combinedOutput();
  }

  /**
   * Checks that the image starts (stock-pipeline --help), then pushes it to a
   * registry; returns the pushed reference with its digest.
   */
  @func()
  async publish(
    /** Where to push, e.g. ghcr.io/acme/stock-pipeline:1.2.3. */
    address: string,
    /** Registry user name. */
    username: string,
    /** Registry password or token, e.g. env:REGISTRY_TOKEN. */
    password: Secret,
    /** org.opencontainers.image.version (default: the version in pipeline/package.json). */
    version?: string,
    /** org.opencontainers.image.revision, e.g. $(git rev-parse HEAD). */
    revision = "unknown",
    /** org.opencontainers.image.source, e.g. $(git remote get-url origin). */
    sourceUrl = "unknown",
  ): Promise<string> {
    const image = await this.build(version, revision, sourceUrl);
    await image.withExec([ENTRYPOINT, "--help"]).sync();
    return image.withRegistryAuth(address, username, password).publish(address);
  }

  /**
   * The tests and the image at once, for a CI that has an engine: builds the
   * image (and checks that it starts) while the tests run; returns their output.
   */
  @func()
  async ci(): Promise<string> {
    const [help, tests] = await Promise.all([this.build().then((image) => image.withExec([ENTRYPOINT, "--help"]).stdout()), this.test()]);
    return `${tests}\n== image: ${ENTRYPOINT} --help\n${help}`;
  }

  /** Node base image with the shared npm cache volume (mounted, so never part of the image). */
  private nodeBase(): Container {
    return dag.container().from(NODE_IMAGE).withMountedCache(NPM_CACHE, dag.cacheVolume("npm-cache"));
  }

  /** nodeBase plus what scripts/test.sh needs besides Node: Go (ensure-tools.sh) and Debian packages. */
  private testBase(): Container {
    const go = dag.container().from(GO_IMAGE);
    return this.nodeBase()
      .withEnvVariable("DEBIAN_FRONTEND", "noninteractive")
      .withExec(["sh", "-c", `apt-get update && apt-get install -y --no-install-recommends ${TEST_APT_PACKAGES.join(" ")} && rm -rf /var/lib/apt/lists/*`])
      .withDirectory("/usr/local/go", go.directory("/usr/local/go"))
      .withEnvVariable("PATH", "/usr/local/go/bin:${PATH}", { expand: true })
      .withEnvVariable("CGO_ENABLED", "0")
      .withMountedCache("/root/go/pkg/mod", dag.cacheVolume("go-mod"))
      .withMountedCache("/root/.cache/go-build", dag.cacheVolume("go-build"));
  }

  /**
   * Installs dependencies from the lockfile with only the given manifests in
   * place, then copies the source: the install is cached until a manifest or
   * the lockfile changes.
   */
  private buildEnv(base: Container, manifests: readonly string[], install: string[], afterInstall?: string): Container {
    let ctr = this.withFiles(base.withWorkdir(SRC), SRC, manifests).withExec(install);
    if (afterInstall) ctr = ctr.withExec(["sh", "-c", afterInstall]);
    return ctr.withDirectory(SRC, this.source);
  }

  /** Copies the given repository-relative files of the source to the same paths under dir. */
  private withFiles(ctr: Container, dir: string, paths: readonly string[]): Container {
    return paths.reduce((c, path) => c.withFile(`${dir}/${path}`, this.source.file(path)), ctr);
  }

  /** MongoDB 7, listening on every interface of its service container. */
  private mongo(): Service {
    return dag.container().from(MONGO_IMAGE).withExposedPort(MONGO_PORT).asService({ args: MONGO_ARGS });
  }

  /** fake-gcs-server, the Google Cloud Storage emulator the tests use locally. */
  private fakeGcs(): Service {
    return dag.container().from(FAKE_GCS_IMAGE).withExposedPort(GCS_PORT).asService({ args: FAKE_GCS_ARGS });
  }
}
