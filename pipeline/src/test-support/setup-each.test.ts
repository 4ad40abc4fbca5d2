import { describe, it, vi } from "vitest";
import { allowConsoleError } from "./setup-each.js";

describe("the console.error guard (setup-each.ts)", () => {
  // it.fails passes only if the test fails: here, through the guard's afterEach.
  it.fails("fails a test that calls console.error unexpectedly", () => {
    console.error("this line is expected in the test output: the guard must fail this test");
  });

  it("lets a test that calls allowConsoleError() write to console.error", () => {
    allowConsoleError();
    console.error("this line is expected in the test output: allowed");
  });

  it("resets the permission for the next test", () => {
    // Nothing written: passes. (The it.fails test above proves that writing would fail it.)
  });

  it("lets a test silence console.error with its own spy", () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => undefined);
    console.error("swallowed");
    spy.mockRestore();
  });
});
