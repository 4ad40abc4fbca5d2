import { describe, expect, it } from "vitest";
import { parseAsOf, sessionAsOf } from "./as-of.js";

const NOW = new Date("2026-01-15T12:00:00Z");
const session = (text: string) => sessionAsOf(parseAsOf(text, NOW));

describe("the session an --as-of instant stands for", () => {
  it("a Monday morning after the July 4th holiday takes the Thursday before it (weekend and holiday skipped)", () => {
    expect(session("2025-07-07T10:00:00Z")).toBe("2025-07-03");
  });

  it("a Monday morning takes the Friday before (weekend skipped)", () => {
    expect(session("2025-06-30T10:00:00Z")).toBe("2025-06-27");
  });

  it("the close itself completes the session, a second before it does not (EST, winter)", () => {
    expect(session("2025-01-15T21:00:00Z")).toBe("2025-01-15");
    expect(session("2025-01-15T20:59:59Z")).toBe("2025-01-14");
  });

  it("in summer (EDT) the close is 20:00 UTC", () => {
    expect(session("2025-06-27T20:00:00Z")).toBe("2025-06-27");
    expect(session("2025-06-27T19:59:00Z")).toBe("2025-06-26");
  });

  it("an early-close day (July 3, 13:00 New York) is complete from 13:00", () => {
    expect(session("2025-07-03T17:00:00Z")).toBe("2025-07-03");
    expect(session("2025-07-03T16:59:00Z")).toBe("2025-07-02");
  });

  it("an offset is honoured: 06:00-04:00 is 10:00Z", () => {
    expect(session("2025-07-07T06:00:00-04:00")).toBe("2025-07-03");
    expect(parseAsOf("2025-07-07T06:00-04:00", NOW).toISOString()).toBe("2025-07-07T10:00:00.000Z");
    expect(parseAsOf("2025-07-07T10:00:00.123456Z", NOW).toISOString()).toBe("2025-07-07T10:00:00.123Z");
  });
});

describe("a bad --as-of is refused with one sentence", () => {
  it.each([
    ["2025-07-07", /with a time and a zone.*use --date 2025-07-07/],
    ["2025-07-07T10:00:00", /with a time and a zone/],
    ["yesterday", /with a time and a zone/],
    ["2025-02-30T10:00:00Z", /not a real date and time/],
    ["2025-07-07T24:00:00Z", /not a real date and time/],
    ["2025-07-07T10:00:00+25:00", /not a real date and time/],
    ["2026-01-15T12:10:00Z", /is in the future/],
    ["1999-12-31T23:00:00Z", /before the close of 2000-01-03, the first session/],
    ["2000-01-03T20:59:00Z", /before the close of 2000-01-03/],
  ])("%s", (text, message) => {
    expect(() => parseAsOf(text, NOW)).toThrow(message);
  });

  it("a few minutes ahead of this clock is accepted: the scheduler's clock is another machine's", () => {
    expect(parseAsOf("2026-01-15T12:04:00Z", NOW).toISOString()).toBe("2026-01-15T12:04:00.000Z");
  });

  it("the first session counts from its close", () => {
    expect(session("2000-01-03T21:00:00Z")).toBe("2000-01-03");
  });
});
