import yargs from "yargs";
import { parseAsOf, sessionAsOf } from "./calendar/as-of.js";
import { EARLIEST_DATE, isValidIsoDate, todayInNewYork } from "./calendar/nyse.js";
import { loadConfig, redact, tickerListSchema, type Config, type TickerSelection } from "./config.server.js";
import { backfill, checkBackfillTickers, reprocess, type RangeArgs } from "./commands/backfill.server.js";
import { errorMessage, openDatabase, recordAbandonedRuns, withRun, type CommandResult, type Context, type RunResult } from "./commands/context.server.js";
import { catchUp } from "./commands/catch-up.server.js";
import { check } from "./commands/check.server.js";
import { curateRange } from "./commands/curate.server.js";
import { extract, load, run, type DailyArgs } from "./commands/daily.server.js";
import { formatStatus, statusReport } from "./commands/status.server.js";
import { curatedCoverage } from "./curated/coverage.server.js";
import { rebuildSymbolSummaries } from "./db/symbol-summaries.server.js";
import { ConfigError, PipelineError } from "./errors.js";

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIo: Io = {
  out: (t) => process.stdout.write(t + "\n"),
  err: (t) => process.stderr.write(t + "\n"),
};

const OUTCOME_EXIT: Record<CommandResult["outcome"], number> = { success: 0, "market-closed": 0, "rejected-records": 4 };

interface Parsed {
  command: string;
  date?: string;
  asOf?: string;
  from?: string;
  to?: string;
  tickers?: string;
  json: boolean;
  overwriteManual: boolean;
  refetch: boolean;
  lakeOnly: boolean;
  verify: boolean;
}

/** Runs the CLI and returns its exit code (ARCHITECTURE.md: 0 ok, 2 usage, 3 API, 4 rejects, 1 other). */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, io: Io = defaultIo): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = await parseArgs(argv, io);
  } catch (e) {
    if (e instanceof HelpShown) return 0;
    io.err(`stock-pipeline: ${errorMessage(e)}`);
    io.err("Run stock-pipeline --help for usage.");
    // --json promises a summary on stdout even when the arguments are wrong: a scheduler parses it.
    if (argv.includes("--json")) {
      const command = argv[0] && !argv[0].startsWith("-") ? argv[0] : null;
      io.out(JSON.stringify({ command, outcome: "failed", exitCode: 2, error: { kind: "UsageError", message: errorMessage(e) } }));
    }
    return 2;
  }
  let config: Config | undefined;
  try {
    config = loadConfig(env);
    const tickers = parseTickers(parsed.tickers, config.tickers);
    if (parsed.command === "status") return await status(config, tickers, parsed, io);
    return await runCommand(config, parsed, tickers, io);
  } catch (e) {
    return reportError(e, io, config?.secrets ?? [], parsed.json, parsed.command);
  }
}

const DAILY_COMMANDS = ["extract", "load", "run", "check"];

async function runCommand(config: Config, p: Parsed, tickers: TickerSelection, io: Io): Promise<number> {
  const isDaily = DAILY_COMMANDS.includes(p.command);
  // No --date: the latest session completed at --as-of (default: now); extract, load and run also catch up on missed ones.
  const asOf = isDaily && p.date === undefined ? (p.asOf !== undefined ? parseAsOf(p.asOf) : new Date()) : undefined;
  const daily: DailyArgs = { date: p.date ?? (asOf ? sessionAsOf(asOf) : ""), tickers, overwriteManual: p.overwriteManual };
  const latest = { latest: daily.date, tickers, overwriteManual: p.overwriteManual };
  const range: RangeArgs = { from: p.from!, to: p.to!, tickers, overwriteManual: p.overwriteManual, refetch: p.refetch, lakeOnly: p.lakeOnly };
  const bodies: Record<string, (ctx: Context) => Promise<CommandResult>> = {
    extract: (ctx) => (asOf ? catchUp(ctx, "extract", latest) : extract(ctx, daily)),
    load: (ctx) => (asOf ? catchUp(ctx, "load", latest) : load(ctx, daily)),
    run: (ctx) => (asOf ? catchUp(ctx, "run", latest) : run(ctx, daily)),
    backfill: (ctx) => backfill(ctx, range),
    reprocess: (ctx) => reprocess(ctx, range),
    check: (ctx) => check(ctx, daily),
    curate: (ctx) => curateRange(ctx, { from: p.from!, to: p.to! }),
  };
  if (p.command === "backfill") checkBackfillTickers(tickers);
  const args = isDaily
    ? { date: daily.date, ...(asOf && { asOf: asOf.toISOString() }), tickers }
    : p.command === "curate"
      ? { from: p.from, to: p.to }
      : { from: p.from, to: p.to, tickers };
  const summaryOf = ({ ctx, apiRequests }: RunResult) => ({
    command: p.command,
    runId: ctx.runId,
    ...args,
    feed: config.feed,
    counts: ctx.counts,
    apiRequests,
    lakeObjectsWritten: ctx.lakeObjectsWritten,
    lakeObjectsRead: ctx.lakeObjectsRead,
    // Also on failure: a daily run that loaded its bars but not its actions says what it did load.
    details: { actions: ctx.actionCounts },
  });
  const done = await withRun(config, p.command, args, bodies[p.command]!, {
    log: io.err,
    // The run is recorded as interrupted; its work is still in flight, so the process ends here (see withRun).
    interrupted: (run) => process.exit(reportError(run.error, io, config.secrets, p.json, p.command, summaryOf(run))),
  });
  const { result, error, ctx } = done;
  const summary = summaryOf(done);
  if (error !== undefined) return reportError(error, io, config.secrets, p.json, p.command, summary);
  const r = result!;
  const exitCode = OUTCOME_EXIT[r.outcome];
  io.err(`${p.command}: ${r.message}`);
  for (const w of r.warnings ?? []) io.err(`warning: ${w}`);
  if (r.outcome === "rejected-records") io.err(`${ctx.counts.rejected} row(s) were rejected and quarantined (collection "quarantine"); the valid rows were loaded.`);
  if (p.json) io.out(JSON.stringify({ ...summary, outcome: r.outcome, exitCode, message: r.message, warnings: r.warnings ?? [], details: { ...summary.details, ...r.details } }));
  return exitCode;
}

async function status(config: Config, tickers: TickerSelection, { json, verify }: Pick<Parsed, "json" | "verify">, io: Io): Promise<number> {
  const services = await openDatabase(config, io.err);
  try {
    // So that the report never shows as "running" a run whose process is gone.
    await recordAbandonedRuns(services.db, io.err);
    if (verify) {
      // The summaries follow every write of ours; a hand-made change to daily_prices needs a re-count.
      const started = Date.now();
      const n = await rebuildSymbolSummaries(services.db, tickers === "*" ? undefined : tickers);
      io.err(`status --verify: re-counted ${n} symbol(s) from daily_prices in ${Date.now() - started} ms`);
    }
    const lakeOpts = { gcsApiEndpoint: config.lake.gcsApiEndpoint, projectId: config.lake.gcsProjectId, forbiddenValues: config.secrets };
    const [mongo, curated] = await Promise.all([statusReport(services.db, tickers), curatedCoverage(config.lake.uri, lakeOpts)]);
    const report = { ...mongo, curated };
    io.out(json ? JSON.stringify(report) : formatStatus(report));
    return 0;
  } finally {
    await services.close();
  }
}

function reportError(e: unknown, io: Io, secrets: readonly string[], json: boolean, command: string, summary?: object): number {
  const exitCode = e instanceof PipelineError ? e.exitCode : 1;
  const message = redact(errorMessage(e), secrets);
  if (e instanceof PipelineError) io.err(`stock-pipeline ${command}: ${message}`);
  else {
    io.err(`stock-pipeline ${command}: unexpected error: ${message}`);
    if (process.env.DEBUG && e instanceof Error && e.stack) io.err(redact(e.stack, secrets));
    else io.err("(set DEBUG=1 to see the stack trace)");
  }
  if (json) io.out(JSON.stringify({ command, ...summary, outcome: "failed", exitCode, error: { kind: e instanceof Error ? e.name : "Error", message } }));
  return exitCode;
}

function parseTickers(flag: string | undefined, fallback: TickerSelection): TickerSelection {
  if (flag === undefined) return fallback;
  const r = tickerListSchema.safeParse(flag);
  if (!r.success) throw new ConfigError(`--tickers ${r.error.issues.map((i) => i.message).join("; ")}`);
  return r.data;
}

class HelpShown extends Error {}

const BOOLEAN_FLAGS = ["json", "overwrite-manual", "overwriteManual", "refetch", "lake-only", "lakeOnly", "verify"];

/** A value for an error message: quoted, and cut short so a hostile argument cannot flood the output. */
function shown(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

/**
 * Argument checks that need no I/O. They run while parsing, so a bad
 * invocation stops with exit 2 before anything is opened or written (not even
 * a run record). The commands repeat the checks they rely on.
 */
function checkArgs(a: Record<string, unknown>, argv: readonly string[]): void {
  for (const name of ["date", "as-of", "from", "to", "tickers"]) {
    if (Array.isArray(a[name])) throw new Error(`--${name} was given more than once: give it once${name === "tickers" ? ", listing the tickers comma-separated" : ""}`);
  }
  const today = todayInNewYork();
  for (const name of ["date", "from", "to"]) {
    const v = a[name];
    if (v === undefined) continue;
    if (typeof v !== "string" || !isValidIsoDate(v)) throw new Error(`--${name} must be a real date written YYYY-MM-DD, got ${shown(v)}`);
    if (v < EARLIEST_DATE) throw new Error(`--${name} ${v} is before ${EARLIEST_DATE}, the first date this pipeline handles`);
    // --to may lie ahead: a back-fill stops at the latest completed session.
    if (name !== "to" && v > today) throw new Error(`--${name} ${v} is in the future (today in New York is ${today})`);
  }
  if (typeof a.from === "string" && typeof a.to === "string" && a.from > a.to) throw new Error(`--from ${a.from} is after --to ${a.to}`);
  const asOf = a["as-of"];
  if (asOf !== undefined && a.date !== undefined)
    throw new Error("--date and --as-of were both given: give --date for one session, or --as-of for the latest session completed at that instant");
  if (typeof asOf === "string") parseAsOf(asOf);
  // yargs reads "--refetch=yes" as false: a value that is not true/false is refused, not ignored.
  for (const arg of argv) {
    const m = /^--(?:no-)?([A-Za-z-]+)=(.*)$/s.exec(arg);
    if (m && BOOLEAN_FLAGS.includes(m[1]!) && m[2] !== "true" && m[2] !== "false")
      throw new Error(`--${m[1]} is a switch: give it without a value (or =true / =false), got ${shown(m[2])}`);
  }
}

const COMMANDS = ["extract", "load", "run", "backfill", "reprocess", "curate", "check", "status"];

function dateOption(describe: string) {
  return { type: "string", describe, demandOption: true, requiresArg: true } as const;
}

const sessionDate = { type: "string", describe: "trading date YYYY-MM-DD (New York); default: the latest completed session", requiresArg: true } as const;
const asOfOption = {
  type: "string",
  describe: "take the latest session completed at this instant (ISO 8601 with a zone, e.g. 2025-07-07T10:00:00Z) instead of now",
  requiresArg: true,
} as const;

async function parseArgs(argv: string[], io: Io): Promise<Parsed> {
  let helpShown = false;
  const tickers = { type: "string", describe: "comma-separated tickers (default: TICKERS); * keeps every ticker", requiresArg: true } as const;
  const manual = { type: "boolean", default: false, describe: "overwrite records a person edited or deleted by hand" } as const;
  const y = yargs(argv)
    .scriptName("stock-pipeline")
    .usage("$0 <command> [options]\n\nDaily stock bars: Polygon/Massive API -> raw data lake -> MongoDB.\nConfiguration comes from the environment (see docs/configuration.md).")
    .command(
      "extract",
      "grouped daily bars (as traded) and the whole market's corporate actions of a session -> lake; no --date: also the sessions missed since the last load",
      (c) => c.option("date", sessionDate).option("as-of", asOfOption).option("tickers", tickers),
    )
    .command("load", "lake objects of a session -> MongoDB; no --date: also the sessions missed since the last load", (c) =>
      c.option("date", sessionDate).option("as-of", asOfOption).option("tickers", tickers).option("overwrite-manual", manual),
    )
    .command("run", "extract, then load; no --date: the latest completed session, after the ones missed since the last load", (c) =>
      c.option("date", sessionDate).option("as-of", asOfOption).option("tickers", tickers).option("overwrite-manual", manual),
    )
    .command("backfill", "per-ticker range aggregates and the tickers' corporate actions --from..--to -> lake -> MongoDB", (c) =>
      c
        .option("from", dateOption("first date YYYY-MM-DD"))
        .option("to", dateOption("last date YYYY-MM-DD"))
        .option("tickers", tickers)
        .option("overwrite-manual", manual)
        .option("refetch", { type: "boolean", default: false, describe: "fetch pages again even if the lake has them" })
        .option("lake-only", { type: "boolean", default: false, describe: "only fill the lake; load later with reprocess" }),
    )
    .command("reprocess", "lake -> MongoDB for --from..--to, no API calls", (c) =>
      c.option("from", dateOption("first date YYYY-MM-DD")).option("to", dateOption("last date YYYY-MM-DD")).option("tickers", tickers).option("overwrite-manual", manual),
    )
    .command("curate", "lake raw/ -> lake curated/ (Parquet, every ticker) for --from..--to, no API calls", (c) =>
      c.option("from", dateOption("first date YYYY-MM-DD")).option("to", dateOption("last date YYYY-MM-DD")),
    )
    .command("check", "fail unless every ticker has a record for the session (run after load)", (c) =>
      c.option("date", sessionDate).option("as-of", asOfOption).option("tickers", tickers),
    )
    .command("status", "coverage per symbol against the trading calendar, gaps, last runs", (c) =>
      c
        .option("tickers", tickers)
        .option("verify", { type: "boolean", default: false, describe: "re-count the per-symbol summaries from daily_prices first (after changing it by hand)" }),
    )
    .option("json", { type: "boolean", default: false, describe: "print a machine-readable summary on stdout" })
    .demandCommand(1, "Name a command: extract, load, run, backfill, reprocess, curate, check or status.")
    .strict()
    .check((a) => {
      checkArgs(a, argv);
      return true;
    })
    .help()
    .version(false)
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .exitProcess(false)
    .showHelpOnFail(false)
    .fail((msg, err) => {
      // yargs reports a mistyped command as an unknown argument, with the command's options ("date, RUN").
      const head = argv[0] !== undefined && !argv[0].startsWith("-") ? argv[0] : undefined;
      const unknown = /^Unknown argument: (\S+)$/.exec(msg ?? "")?.[1];
      const command = head !== undefined && !COMMANDS.includes(head) ? head : !argv.some((a) => COMMANDS.includes(a)) ? unknown : undefined;
      if (command !== undefined && /^Unknown arguments?: /.test(msg ?? "")) throw new Error(`unknown command ${shown(command)}: use one of ${COMMANDS.join(", ")}`);
      throw err ?? new Error(msg);
    });
  const a = await y.parseAsync(argv, {}, (_err, _argv, output) => {
    if (output) {
      helpShown = true;
      io.out(output);
    }
  });
  if (helpShown) throw new HelpShown();
  return {
    command: String(a._[0]),
    date: a.date as string | undefined,
    asOf: a["as-of"] as string | undefined,
    from: a.from as string | undefined,
    to: a.to as string | undefined,
    tickers: a.tickers as string | undefined,
    json: Boolean(a.json),
    overwriteManual: Boolean(a["overwrite-manual"]),
    refetch: Boolean(a.refetch),
    lakeOnly: Boolean(a["lake-only"]),
    verify: Boolean(a.verify),
  };
}
