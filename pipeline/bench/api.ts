/**
 * Figure (c): API requests per job, measured with the real CLI against the
 * fake Polygon server (its own request counter), compared with the old
 * product's one request per ticker per trading day. Also collects the CLI
 * children's peak memory for figure (d).
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { addDays, tradingDaysBetween } from "../src/calendar/nyse.js";
import type { FakePolygon } from "../src/fake-polygon/server.js";
import { WATCHLIST, syntheticUniverse } from "../src/fake-polygon/synthetic.js";
import { runCli, type CliRun } from "./child.js";
import { say } from "./measure.js";

/** The free plan allows 5 requests per minute: one every 12 s, sustained. */
export const FREE_PLAN_SECONDS_PER_REQUEST = 12;

export interface ApiJob {
  job: string;
  command: string;
  tickers: number;
  tradingDays: number;
  /** Requests the fake server received (its stats().total). */
  requests: number;
  byRoute: Record<string, number>;
  /** What the CLI itself reported (--json apiRequests), as a cross-check. */
  cliApiRequests: number | undefined;
  /** The old product: one request per ticker per trading day. */
  oldRequests: number;
  /** oldRequests / requests. */
  fewerBy: number;
  freePlanSeconds: number;
  oldFreePlanSeconds: number;
  cliMs: number;
  cliMaxRssKb: number | undefined;
  rssMethod: string;
  counts: Record<string, number> | undefined;
}

interface JobSpec {
  job: string;
  args: string[];
  env: Record<string, string>;
  /** Tickers the old product would have asked for; undefined: as many as rows came back. */
  tickers: number | undefined;
  days: string[];
}

export async function benchApi(fake: FakePolygon, mongoUri: string, workDir: string, day: string): Promise<ApiJob[]> {
  const from = addDays(day, -730);
  const rangeDays = tradingDaysBetween(from, day);
  const tickers500 = syntheticUniverse(11_000).slice(0, 500);
  const jobs: JobSpec[] = [
    { job: "daily run, TICKERS = 5", args: ["run", "--date", day], env: { TICKERS: WATCHLIST.join(",") }, tickers: WATCHLIST.length, days: [day] },
    { job: "daily run, TICKERS = *", args: ["run", "--date", day], env: { TICKERS: "*" }, tickers: undefined, days: [day] },
    {
      job: "back-fill 5 tickers, 2 years",
      args: ["backfill", "--from", from, "--to", day, "--tickers", WATCHLIST.join(","), "--lake-only"],
      env: {},
      tickers: WATCHLIST.length,
      days: rangeDays,
    },
    {
      job: "back-fill 500 tickers, 2 years",
      args: ["backfill", "--from", from, "--to", day, "--tickers", tickers500.join(","), "--lake-only"],
      env: {},
      tickers: tickers500.length,
      days: rangeDays,
    },
  ];
  const out: ApiJob[] = [];
  for (const [i, spec] of jobs.entries()) {
    const dir = join(workDir, `cli-${i + 1}`);
    await mkdir(dir, { recursive: true });
    const env = {
      POLYGON_API_KEY: "test-key",
      POLYGON_BASE_URL: fake.url,
      POLYGON_MAX_REQUESTS_PER_MINUTE: "60000",
      POLYGON_MAX_RETRIES: "0",
      MONGODB_URI: mongoUri,
      MONGODB_DB: `bench_cli_${i + 1}`,
      LAKE_URI: join(dir, "lake"),
      DATA_DIR: join(dir, "data"),
      TICKERS: WATCHLIST.join(","),
      ...spec.env,
    };
    say(`(c) ${spec.job}: stock-pipeline ${spec.args.slice(0, 5).join(" ")}${spec.args.length > 5 ? " …" : ""}`);
    fake.resetStats();
    const run = await runCli(spec.args, env, workDir, `cli-${i + 1}`);
    const stats = fake.stats();
    check(spec.job, run);
    const counts = run.summary?.counts as Record<string, number> | undefined;
    // counts.valid also holds the session's corporate-action rows: the bars written are the tickers kept.
    const tickers = spec.tickers ?? (counts ? counts.inserted! + counts.updated! + counts.unchanged! + counts.protectedManual! : 0);
    const oldRequests = tickers * spec.days.length;
    out.push({
      job: spec.job,
      command: `stock-pipeline ${spec.args[0]}`,
      tickers,
      tradingDays: spec.days.length,
      requests: stats.total,
      byRoute: stats.byRoute,
      cliApiRequests: typeof run.summary?.apiRequests === "number" ? run.summary.apiRequests : undefined,
      oldRequests,
      fewerBy: oldRequests / stats.total,
      freePlanSeconds: stats.total * FREE_PLAN_SECONDS_PER_REQUEST,
      oldFreePlanSeconds: oldRequests * FREE_PLAN_SECONDS_PER_REQUEST,
      cliMs: run.ms,
      cliMaxRssKb: run.maxRssKb,
      rssMethod: run.rssMethod,
      counts,
    });
    say(`(c) ${spec.job}: ${stats.total} request(s) in ${(run.ms / 1000).toFixed(1)} s, CLI peak RSS ${run.maxRssKb ?? "?"} KiB`);
  }
  return out;
}

function check(job: string, run: CliRun): void {
  if (run.exitCode !== 0 || !run.summary) {
    throw new Error(`${job}: the CLI exited with code ${run.exitCode}${run.summary ? "" : " without a --json summary"}:\n${run.stderrTail}`);
  }
}
