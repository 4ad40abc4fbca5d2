/**
 * Typed errors. Each class says what failed and where, and carries the exit
 * code the CLI uses for it (ARCHITECTURE.md: 2 usage/config, 3 upstream API,
 * 4 rejected records, 1 anything else). "The source failed" (ApiError) is
 * kept apart from "the data was rejected" (ValidationError): neither extends
 * the other.
 */
export abstract class PipelineError extends Error {
  abstract readonly exitCode: number;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad command-line usage or configuration (exit 2). */
export class ConfigError extends PipelineError {
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly issues: readonly string[] = [message],
  ) {
    super(message);
  }
}

/** The upstream API failed for good (after retries, or at once for 400/401/403). Exit 3. */
export class ApiError extends PipelineError {
  readonly exitCode = 3;
  constructor(
    message: string,
    readonly details: {
      /** Request path without host or key, e.g. `/v2/aggs/grouped/...`. */
      path: string;
      status?: number;
      /** "auth", "entitlement", "not-yet-available", "rate-limit", "server", "network", "timeout", "bad-request", "bad-body", "empty" */
      kind: string;
      attempts: number;
    },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The data lake could not be read or written. */
export class LakeError extends PipelineError {
  readonly exitCode = 1;
  constructor(
    message: string,
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A raw lake object is not a response we can read (corrupt JSON, wrong shape). */
export class RawObjectError extends PipelineError {
  readonly exitCode = 1;
  constructor(
    message: string,
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Lake objects hold bars on the old basis (split-adjusted as of their
 * request, `adjusted: true`, or of unknown basis) and loading them would mix
 * that basis with the as-traded records (exit 2). Names the objects and the
 * command that re-fetches them as traded.
 */
export class OldBasisError extends PipelineError {
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly objects: readonly string[],
    readonly command: string,
  ) {
    super(message);
  }
}

/** The database is unreachable or refused an operation. */
export class DatabaseError extends PipelineError {
  readonly exitCode = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A data-quality check found what should be there missing (exit 1). */
export class DataCheckError extends PipelineError {
  readonly exitCode = 1;
  constructor(
    message: string,
    readonly missing: readonly string[],
  ) {
    super(message);
  }
}

/** Exit codes of a process stopped by a signal, as shells report them (128 + the signal's number). */
const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/**
 * The command was stopped by a signal (Ctrl-C, `docker stop`, a scheduler
 * killing the task) before it finished. Exit 128 + the signal's number
 * (130 for SIGINT, 143 for SIGTERM), so a caller can tell it from a failure.
 */
export class InterruptedError extends PipelineError {
  readonly exitCode: number;
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal} before it finished; what it stored so far is kept, and running the same command again completes it`);
    this.exitCode = SIGNAL_EXIT[signal] ?? 1;
  }
}
