/**
 * A test fails if it calls console.error (the convention of the pipeline's
 * tests): an unexpected error printed is a bug, not noise.
 */
import { format } from "node:util";
import { afterEach, beforeEach } from "vitest";

let calls: string[] = [];
const original = console.error;
console.error = (...args: unknown[]) => {
  calls.push(format(...args));
  original.apply(console, args);
};
beforeEach(() => {
  calls = [];
});
afterEach(() => {
  if (calls.length > 0) throw new Error(`console.error was called ${calls.length} time(s); the first: ${calls[0]!.slice(0, 500)}`);
});
