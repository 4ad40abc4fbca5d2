/**
 * The curate step in the commands (decision 080): the `curate` command, and
 * the curate that follows a MongoDB load. A failure to curate never undoes
 * the load: the command reports that the load succeeded, names the command
 * that writes the missing partitions, and exits 1 (CurateError).
 */
import { PipelineError } from "../errors.js";
import { curate, curateSummary, type CurateOptions, type CurateReport } from "../curated/curate.server.js";
import { curateCommand } from "../curated/layout.js";
import type { CommandResult, Context } from "./context.server.js";

/** The MongoDB load succeeded, but the curated layer was not written (exit 1; `curate` heals it). */
export class CurateError extends PipelineError {
  readonly exitCode = 1;
  constructor(
    message: string,
    readonly command: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** `stock-pipeline curate --from D1 --to D2`: raw/ → curated/, no API request, no MongoDB write. */
export async function curateRange(ctx: Context, args: { from: string; to: string }): Promise<CommandResult> {
  const r = await curate(ctx, args.from, args.to);
  const warnings = [...r.actions.warnings];
  if (r.bars.sessions.length === 0) warnings.push(`the lake (${ctx.lake.description}) holds no ${ctx.config.feed} bars between ${args.from} and ${args.to}: no session curated`);
  return { outcome: "success", message: curateSummary(r), ...(warnings.length && { warnings }), details: { curated: details(r) } };
}

/**
 * Curates [from, to] after a load. `done` says what the load did, for the
 * message if the curate fails. Returns the curate's summary line and details.
 */
export async function curateAfterLoad(
  ctx: Context,
  from: string,
  to: string,
  done: string,
  opts: CurateOptions = {},
): Promise<{ line: string; details: ReturnType<typeof details> }> {
  try {
    const r = await curate(ctx, from, to, opts);
    const line = curateSummary(r);
    ctx.log(line);
    return { line, details: details(r) };
  } catch (e) {
    const command = curateCommand(from, to);
    throw new CurateError(
      `${done}, but the curated layer was not written: ${(e as Error).message}. MongoDB keeps the load; run \`${command}\` (no API request) to write the curated partitions`,
      command,
      { cause: e },
    );
  }
}

function details(r: CurateReport) {
  return {
    sessions: r.bars.sessions.length,
    rows: r.bars.rows,
    written: r.bars.written,
    unchanged: r.bars.unchanged,
    bytes: r.bars.bytes,
    invalidRowsLeftOut: r.bars.rejected,
    oldBasisSkipped: r.bars.skipped.length,
    actionYears: r.actions.years,
    actionRows: r.actions.rows,
    actionYearsRebuilt: r.actions.rebuilt,
    ms: r.ms,
  };
}
