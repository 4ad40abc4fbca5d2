import { describe, expect, it } from "vitest";
import { FailureLimiter } from "./rate-limit.server";

describe("FailureLimiter", () => {
  it("blocks a key after max failures until the oldest leaves the window, and a success resets it", () => {
    const l = new FailureLimiter(3, 1000);
    for (const t of [0, 100, 200]) {
      expect(l.retryAfterMs("u", t)).toBe(0);
      l.fail("u", t);
    }
    expect(l.retryAfterMs("u", 300)).toBe(700);
    expect(l.retryAfterMs("other", 300)).toBe(0);
    expect(l.retryAfterMs("u", 1001)).toBe(0);
    l.fail("u", 1001);
    expect(l.retryAfterMs("u", 1002)).toBe(98);
    l.reset("u");
    expect(l.retryAfterMs("u", 1002)).toBe(0);
  });
});
