/**
 * Errors of the market screener (docs/decisions/081-market-screener.md).
 * Both carry the sentence a person needs: which lake object is at fault and
 * the `stock-pipeline curate` command that rebuilds it from raw/.
 */
import { curateCommand } from "../curated/layout.js";
import { PipelineError } from "../errors.js";

export { curateCommand };

/**
 * A curated object the screener needs cannot be used: unreadable Parquet
 * (corrupt or truncated), the wrong columns, or the partition of the
 * session before the one asked for is missing. Never answered with data.
 */
export class CuratedLayerError extends PipelineError {
  readonly exitCode = 1;
  constructor(
    message: string,
    /** The lake key, e.g. curated/daily_bars/date=2024-06-07/part-0.parquet. */
    readonly key: string,
    readonly kind: "corrupt" | "missing",
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The session asked for has no curated partition (an API 404, not a fault). */
export class SessionNotCuratedError extends PipelineError {
  readonly exitCode = 2;
  constructor(
    readonly date: string,
    latest: string | undefined,
  ) {
    super(
      latest === undefined
        ? `The curated layer holds no session yet, so there is nothing for ${date}: run stock-pipeline curate (or a daily run) first.`
        : `The curated layer has no session ${date} (not a trading day, or not curated yet; the latest is ${latest}).`,
    );
  }
}

export function corruptPartitionError(key: string, from: string, to: string, reason: string, cause?: unknown): CuratedLayerError {
  return new CuratedLayerError(`The curated object ${key} cannot be read (${reason}); rebuild it from raw/ with \`${curateCommand(from, to)}\`.`, key, "corrupt", { cause });
}
