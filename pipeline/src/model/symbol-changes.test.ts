import { describe, expect, it } from "vitest";
import { changedSince, genOf, marked, MAX_MARK_DATES, MAX_MARKS, rebased } from "./symbol-changes.js";

describe("a symbol's change log", () => {
  it("lists every date written since a reader's generation, once and ascending", () => {
    let c = marked(undefined, "g1", ["2025-01-03"]);
    c = marked(c, "g2", ["2025-01-06", "2025-01-02"]);
    c = marked(c, "g3", ["2025-01-03"]);
    expect(genOf(c)).toBe("g3");
    expect(changedSince(c, "g1")).toEqual(["2025-01-02", "2025-01-03", "2025-01-06"]);
    expect(changedSince(c, "g2")).toEqual(["2025-01-03"]);
    expect(changedSince(c, "g3")).toEqual([]);
  });

  it("lets a reader of a summary from before generations existed catch up from the first write", () => {
    expect(genOf({})).toBe("");
    const c = marked({}, "g1", ["2025-01-03"]);
    expect(changedSince(c, "")).toEqual(["2025-01-03"]);
  });

  it("sends a reader further behind than the log reaches to a whole read", () => {
    let c = marked(undefined, "g0", []);
    for (let i = 1; i <= MAX_MARKS; i++) c = marked(c, `g${i}`, ["2025-01-03"]);
    expect(c.log).toHaveLength(MAX_MARKS);
    expect(changedSince(c, "g0")).toBeNull();
    expect(changedSince(c, "g1")).toEqual(["2025-01-03"]);
    expect(changedSince(c, "unknown")).toBeNull();
  });

  it("does not list the dates of a big write: a reader before it reads whole", () => {
    const many = Array.from({ length: MAX_MARK_DATES + 1 }, (_, i) => `2025-02-${String(i + 1).padStart(2, "0")}`);
    const c = marked(marked(undefined, "g1", []), "g2", many);
    expect(changedSince(c, "g1")).toBeNull();
    expect(changedSince(marked(c, "g3", ["2025-03-03"]), "g2")).toEqual(["2025-03-03"]);
  });

  it("starts a rebuild's log afresh: nobody's older generation is found in it", () => {
    const c = rebased("r1");
    expect(changedSince(c, "g1")).toBeNull();
    expect(changedSince(c, "r1")).toEqual([]);
    expect(changedSince(marked(c, "g2", ["2025-01-03"]), "r1")).toEqual(["2025-01-03"]);
  });
});
