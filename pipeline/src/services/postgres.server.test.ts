import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { clusterLayout, initCluster, isPostgresRunning, postgresPid, startPostgres, stopPostgres } from "./postgres.server.js";
import { isPidAlive } from "./process.server.js";

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "pg-test-"));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) {
    await stopPostgres(dir); // in case a test failed half-way
    await rm(dir, { recursive: true, force: true });
  }
});

describe("the embedded PostgreSQL cluster", () => {
  it("is created once, listens on a socket under the data directory and on no TCP port, and stops", async () => {
    const dir = await tempDir();
    const layout = await initCluster(dir);
    const version = readFileSync(join(layout.pgData, "PG_VERSION"), "utf8");
    await initCluster(dir); // idempotent: the existing cluster is kept
    expect(readFileSync(join(layout.pgData, "PG_VERSION"), "utf8")).toBe(version);
    expect(isPostgresRunning(dir)).toBe(false);

    await startPostgres(dir);
    const pid = postgresPid(dir)!;
    expect(isPidAlive(pid)).toBe(true);
    expect(layout.socketDir).toBe(join(dir, "pg-socket"));
    expect(existsSync(join(layout.socketDir, ".s.PGSQL.5432"))).toBe(true);
    expect(readFileSync(join(layout.pgData, "postmaster.pid"), "utf8").split("\n")[5]).toBe(""); // listen_addresses: none
    expect(layout.url).toBe(`postgres://postgres@/ferretdb?host=${encodeURIComponent(layout.socketDir)}`);

    await startPostgres(dir); // already running: nothing to do
    expect(postgresPid(dir)).toBe(pid);
    expect(await stopPostgres(dir)).toBe(true);
    expect(isPostgresRunning(dir)).toBe(false);
    expect(existsSync(join(layout.pgData, "postmaster.pid"))).toBe(false); // a clean shutdown
    expect(await stopPostgres(dir)).toBe(false);
  });

  it("starts again after its postmaster was killed with SIGKILL (a stale postmaster.pid)", async () => {
    const dir = await tempDir();
    await startPostgres(dir);
    const pid = postgresPid(dir)!;
    process.kill(pid, "SIGKILL");
    while (isPostgresRunning(dir)) await new Promise((done) => setTimeout(done, 20));
    expect(existsSync(join(clusterLayout(dir).pgData, "postmaster.pid"))).toBe(true);

    await startPostgres(dir);
    expect(postgresPid(dir)).not.toBe(pid);
    expect(isPostgresRunning(dir)).toBe(true);
    await stopPostgres(dir);
  });

  it("puts its socket in a short directory under /tmp when the data directory is too deep for a socket path", async () => {
    const deep = join(await tempDir(), "d".repeat(100));
    const layout = clusterLayout(deep);
    expect(layout.socketDir).toMatch(/^\/tmp\/stock-pg-[0-9a-f]{16}$/);
    expect(clusterLayout(deep).socketDir).toBe(layout.socketDir); // the same one every time
  });

  it("a start that fails says so with the end of PostgreSQL's log", async () => {
    const dir = await tempDir();
    const layout = await initCluster(dir);
    await import("node:fs/promises").then((fs) => fs.appendFile(join(layout.pgData, "postgresql.conf"), "shared_buffers = 'lots'\n"));
    await expect(startPostgres(dir, { timeoutMs: 5_000 })).rejects.toThrow(/did not start within 5 s .*postgresql\.log ends with:\n.*shared_buffers/s);
    expect(isPostgresRunning(dir)).toBe(false);
  });
});
