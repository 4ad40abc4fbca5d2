/** Bad configuration and usage stop at once with exit 2 and a sentence naming the culprit; an unreachable database is exit 1. */
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { describeRun, hasStackTrace, useE2eWorld } from "./harness.js";

const w = await useE2eWorld({ name: "config", tickers: "AAPL,MSFT" });

/** The error lines (not progress) a failed command printed. */
const errorLines = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("stock-pipeline"));

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("a bad environment variable", () => {
  it.each([
    ["MONGODB_URI", "notaurl", /MONGODB_URI must start with mongodb:\/\//],
    ["POLYGON_MAX_REQUESTS_PER_MINUTE", "abc", /POLYGON_MAX_REQUESTS_PER_MINUTE must be a number/],
  ])("%s=%s exits 2 with a sentence naming it, before touching anything", async (name, value, message) => {
    const r = await w.cli(["run", "--date", "2025-01-03"], { [name]: value });
    expect(r.code, describeRun(r)).toBe(2);
    const lines = errorLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(w.fake.stats().total).toBe(0);
  });

  it("several bad variables are all named in one message", async () => {
    const r = await w.cli(["run", "--date", "2025-01-03"], {
      MONGODB_URI: "notaurl",
      POLYGON_MAX_REQUESTS_PER_MINUTE: "abc",
      POLYGON_TIMEOUT_MS: "-5",
      POLYGON_BASE_URL: "ftp://api.polygon.io",
      TICKERS: "AAPL,no way",
      LAKE_URI: "gs://Not_A_Bucket!",
    });
    expect(r.code, describeRun(r)).toBe(2);
    const lines = errorLines(r.stderr);
    expect(lines).toHaveLength(1);
    for (const name of ["MONGODB_URI", "POLYGON_MAX_REQUESTS_PER_MINUTE", "POLYGON_TIMEOUT_MS", "POLYGON_BASE_URL", "TICKERS", "LAKE_URI"]) expect(lines[0]).toContain(name);
    expect(lines[0]).toMatch(/6 problems/);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});

describe("an unreachable database", () => {
  it("exits 1 with a sentence saying MongoDB cannot be reached, without a stack trace or the password, within the URI's own timeout", async () => {
    const port = await closedPort();
    const started = Date.now();
    const uri = `mongodb://e2e-user:s3cret-e2e-pw@127.0.0.1:${port}/?serverSelectionTimeoutMS=1500`;
    const r = await w.cli(["run", "--date", "2025-01-03", "--json"], { MONGODB_URI: uri });
    expect(r.code, describeRun(r)).toBe(1);
    // The URI's timeout wins over the client's 10 s default.
    expect(Date.now() - started).toBeLessThan(9_000);
    const lines = errorLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`cannot reach MongoDB at mongodb://e2e-user:\\*\\*\\*@127\\.0\\.0\\.1:${port}/`));
    expect(r.stderr + r.stdout).not.toContain("s3cret-e2e-pw");
    expect(hasStackTrace(r.stderr), r.stderr).toBe(false);
    expect(r.json()).toMatchObject({ outcome: "failed", exitCode: 1, error: { kind: "DatabaseError" } });
    expect(w.fake.stats().total).toBe(0);
  });
});

describe("bad usage", () => {
  it.each([
    ["an impossible date", ["run", "--date", "2025-02-30"], /--date must be a real date written YYYY-MM-DD/],
    ["a date in another format", ["load", "--date", "2025/01/03"], /--date must be a real date written YYYY-MM-DD/],
    ["--date and --as-of together", ["extract", "--date", "2025-01-03", "--as-of", "2025-01-06T11:00:00Z"], /--date and --as-of were both given/],
    ["an --as-of without a zone", ["run", "--as-of", "2025-01-06T11:00:00"], /--as-of must be an instant with a time and a zone/],
    ["an --as-of before the first handled session", ["load", "--as-of", "1999-06-01T00:00:00Z"], /before the close of 2000-01-03, the first session/],
    ["--from after --to for backfill", ["backfill", "--from", "2025-01-10", "--to", "2025-01-02"], /--from 2025-01-10 is after --to 2025-01-02/],
    ["--from after --to for reprocess", ["reprocess", "--from", "2025-01-10", "--to", "2025-01-02"], /--from 2025-01-10 is after --to 2025-01-02/],
    ["an unknown command", ["frobnicate"], /unknown command "frobnicate"/],
    ["an unknown option", ["run", "--date", "2025-01-03", "--dry-run"], /Unknown argument/i],
  ])("%s exits 2 with a sentence saying what is wrong", async (_what, args, message) => {
    const r = await w.cli(args);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(hasStackTrace(r.stderr), r.stderr).toBe(false);
    expect(w.fake.stats().total).toBe(0);
  });
});

describe("--json", () => {
  const single = (stdout: string) => {
    expect(stdout.trim().split("\n")).toHaveLength(1);
    return JSON.parse(stdout);
  };

  it("prints one JSON document with outcome and exitCode on stdout after a success and after a closed day", async () => {
    const ok = await w.cli(["run", "--date", "2025-01-03", "--json"]);
    expect(ok.code, describeRun(ok)).toBe(0);
    expect(single(ok.stdout)).toMatchObject({ command: "run", outcome: "success", exitCode: 0, date: "2025-01-03", runId: expect.any(String) });
    const closed = await w.cli(["extract", "--date", "2025-01-01", "--json"]);
    expect(closed.code, describeRun(closed)).toBe(0);
    expect(single(closed.stdout)).toMatchObject({ command: "extract", outcome: "market-closed", exitCode: 0 });
  });

  it("prints one JSON document with outcome and exitCode on stdout after a failure of the configuration, the arguments or the API", async () => {
    const config = await w.cli(["run", "--date", "2025-01-03", "--json"], { POLYGON_MAX_REQUESTS_PER_MINUTE: "abc" });
    expect(config.code).toBe(2);
    expect(single(config.stdout)).toMatchObject({
      outcome: "failed",
      exitCode: 2,
      error: { kind: "ConfigError", message: expect.stringContaining("POLYGON_MAX_REQUESTS_PER_MINUTE") },
    });
    const usage = await w.cli(["run", "--date", "2025-02-30", "--json"]);
    expect(usage.code).toBe(2);
    expect(single(usage.stdout)).toMatchObject({ command: "run", outcome: "failed", exitCode: 2, error: { kind: "UsageError", message: expect.stringContaining("--date") } });
    w.fake.inject({ kind: "status", status: 401, times: 1 });
    const api = await w.cli(["run", "--date", "2025-01-06", "--json"]);
    expect(api.code).toBe(3);
    expect(single(api.stdout)).toMatchObject({ command: "run", outcome: "failed", exitCode: 3, apiRequests: 1, error: { kind: "ApiError" } });
  });
});
