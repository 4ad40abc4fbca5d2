import { planAdjustment, type Adjustment } from "@stock-market/pipeline/model/adjust";
import type { CorporateAction } from "@stock-market/pipeline/model/corporate-action";
import { describe, expect, it } from "vitest";
import { actionsOfWindow, actionTitle } from "./action-markers";

// No bar for 2025-03-07: a gap.
const bars = ["2025-03-03", "2025-03-04", "2025-03-05", "2025-03-06", "2025-03-10", "2025-03-11"].map((date, i) => ({ date, close: i < 3 ? 80 : 20 }));
const actions: CorporateAction[] = [
  { kind: "split", id: "S1", symbol: "X", date: "2025-03-06", splitFrom: 1, splitTo: 4, adjustmentType: "forward_split" },
  { kind: "dividend", id: "D1", symbol: "X", date: "2025-03-11", cashAmount: 0.12, currency: "USD" },
  // The session before this ex-date (2025-03-07) has no bar: it cannot be priced.
  { kind: "dividend", id: "D0", symbol: "X", date: "2025-03-10", cashAmount: 0.1 },
  { kind: "split", id: "S2", symbol: "X", date: "2025-04-01", splitFrom: 10, splitTo: 1, adjustmentType: "reverse_split" },
];
const window = { from: "2025-03-04", to: "2025-03-11", firstDate: "2025-03-03", lastDate: "2025-03-11" };
const of = (adjustment: Adjustment, w = window) => actionsOfWindow(actions, planAdjustment(bars, actions, adjustment), adjustment, w);

describe("the corporate actions of a chart window", () => {
  it("names actions the way people do, with their date", () => {
    expect(actionTitle(actions[0]!)).toBe("4-for-1 split (executed 2025-03-06)");
    expect(actionTitle(actions[1]!)).toBe("$0.12 cash dividend (ex-date 2025-03-11)");
    expect(actionTitle(actions[3]!)).toBe("1-for-10 split (executed 2025-04-01)");
  });

  it("split-adjusted: the split is applied, the dividend is real but left to the total-return basis", () => {
    const r = of("split");
    expect(r.markers.map((m) => [m.id, m.status, m.effect])).toEqual([
      ["S1", "applied", "prices before it divided by 4, volumes multiplied by 4"],
      ["D0", "not-on-basis", "not applied: dividends count only in the total-return basis"],
      ["D1", "not-on-basis", "not applied: dividends count only in the total-return basis"],
    ]);
  });

  it("total return: the dividend is applied at 1 - cash / previous close, as traded", () => {
    const d1 = of("all").markers.find((m) => m.id === "D1")!;
    expect(d1.status).toBe("applied");
    expect(d1.effect).toBe(`prices before it multiplied by ${(1 - 0.12 / 20).toFixed(6)} (1 − 0.12 / previous close 20)`);
  });

  it("as traded: nothing is applied, and each action says so", () => {
    expect(of("raw").markers.map((m) => m.status)).toEqual(["not-on-basis", "not-on-basis", "not-on-basis"]);
  });

  it("an action dated after the latest session is announced, never in the window", () => {
    for (const a of ["raw", "split", "all"] as const) {
      const r = of(a);
      expect(r.announced.map((m) => [m.id, m.status])).toEqual([["S2", "announced"]]);
      expect(r.markers.map((m) => m.id)).not.toContain("S2");
    }
  });

  it("a dividend without the previous close is skipped with the reason, even outside the window", () => {
    const r = of("all", { ...window, to: "2025-03-06" });
    expect(r.skipped).toEqual([expect.objectContaining({ id: "D0", status: "skipped", effect: expect.stringMatching(/^not applied: no bar for 2025-03-07/) })]);
    expect(r.markers.map((m) => m.id)).toEqual(["S1"]);
    // In a window that holds its date, it is listed there too.
    expect(of("all").markers.map((m) => [m.id, m.status])).toEqual([
      ["S1", "applied"],
      ["D0", "skipped"],
      ["D1", "applied"],
    ]);
  });

  it("an action on the first bar changes no bar, and says so", () => {
    const first: CorporateAction = { kind: "split", id: "F", symbol: "X", date: "2025-03-03", splitFrom: 1, splitTo: 2, adjustmentType: "forward_split" };
    const r = actionsOfWindow([first], planAdjustment(bars, [first], "split"), "split", { ...window, from: null });
    expect(r.markers.map((m) => m.status)).toEqual(["no-effect"]);
  });

  it("a reverse split reads as a multiplication of earlier prices", () => {
    const reverse: CorporateAction = { kind: "split", id: "R", symbol: "X", date: "2025-03-05", splitFrom: 10, splitTo: 1, adjustmentType: "reverse_split" };
    const r = actionsOfWindow([reverse], planAdjustment(bars, [reverse], "split"), "split", window);
    expect(r.markers[0]!.effect).toBe("prices before it multiplied by 10, volumes divided by 10");
  });
});
