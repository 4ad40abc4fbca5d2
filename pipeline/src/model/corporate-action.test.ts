import { describe, expect, it } from "vitest";
import { describeAction, describeDividend, describeSplit } from "./corporate-action.js";

describe("how actions are named for people", () => {
  it("splits read as new-for-old shares", () => {
    expect(describeSplit({ splitFrom: 1, splitTo: 4 })).toBe("4-for-1");
    expect(describeSplit({ splitFrom: 20, splitTo: 1 })).toBe("1-for-20");
    expect(describeSplit({ splitFrom: 2, splitTo: 3 })).toBe("3-for-2");
  });

  it("dividends read as money, with cents, and finer fractions kept", () => {
    expect(describeDividend({ cashAmount: 0.1 })).toBe("$0.10 cash dividend");
    expect(describeDividend({ cashAmount: 0.1 + 0.02 })).toBe("$0.12 cash dividend");
    expect(describeDividend({ cashAmount: 2 })).toBe("$2.00 cash dividend");
    expect(describeDividend({ cashAmount: 0.125 })).toBe("$0.125 cash dividend");
    expect(describeDividend({ cashAmount: 1.5, currency: "CAD" })).toBe("1.50 CAD cash dividend");
  });

  it("an action is named with its kind", () => {
    expect(describeAction({ kind: "split", id: "s", symbol: "X", date: "2024-06-10", splitFrom: 1, splitTo: 10, adjustmentType: "forward_split" })).toBe("10-for-1 split");
  });
});
