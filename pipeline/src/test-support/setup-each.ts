/**
 * Vitest setup file (runs in every test file): a test fails if anything calls
 * console.error while it runs, unless the test calls allowConsoleError().
 * console.error outside tests (beforeAll/afterAll, module load) fails the file,
 * unless allowConsoleError() was called outside a test too.
 * The output is still printed; a test that replaces console.error itself
 * (vi.spyOn(console, "error").mockImplementation(...)) opts out as well.
 */
import { format } from "node:util";
import { afterAll, afterEach, beforeEach } from "vitest";

interface ConsoleErrorGuard {
  calls: string[];
  inTest: boolean;
  allowTest: boolean;
  allowFile: boolean;
}

// On globalThis, so that a test importing this module sees the same state as the setup run.
const KEY = Symbol.for("stock-pipeline.console-error-guard");
const globals = globalThis as typeof globalThis & { [KEY]?: ConsoleErrorGuard };
const guard: ConsoleErrorGuard = (globals[KEY] ??= { calls: [], inTest: false, allowTest: false, allowFile: false });

/** Lets the current test (or, called outside a test, the whole file) write to console.error. */
export function allowConsoleError(): void {
  if (guard.inTest) guard.allowTest = true;
  else guard.allowFile = true;
}

const original = console.error;
if (!(original as { __guarded?: true }).__guarded) {
  const guarded = (...args: unknown[]) => {
    guard.calls.push(format(...args));
    original.apply(console, args);
  };
  console.error = Object.assign(guarded, { __guarded: true as const });
}

function check(where: string, allowed: boolean): void {
  const calls = guard.calls.splice(0);
  if (allowed || calls.length === 0) return;
  const first = calls[0]!.split("\n").slice(0, 5).join("\n");
  throw new Error(
    `console.error was called ${calls.length} time(s) ${where}; call allowConsoleError() from src/test-support/setup-each.ts if that is expected. The first call:\n${first}`,
  );
}

beforeEach(() => {
  check("outside a test (in a hook or at load time)", guard.allowFile);
  guard.inTest = true;
  guard.allowTest = false;
});

afterEach(() => {
  guard.inTest = false;
  check("during this test", guard.allowTest);
});

afterAll(() => {
  check("outside a test (in a hook or at load time)", guard.allowFile);
});
