import { describe, expect, it } from "vitest";
import { previousTradingDay, tradingDaysBetween } from "../calendar/nyse.js";
import { hash32, mulberry32 } from "../fake-polygon/synthetic.js";
import { adjustBars, isAdjustment, planAdjustment, type OhlcvBar } from "./adjust.js";
import type { CorporateAction, DividendAction, SplitAction } from "./corporate-action.js";

const split = (date: string, splitFrom: number, splitTo: number, id = `S-${date}`): SplitAction => ({
  kind: "split",
  id,
  symbol: "NVDA",
  date,
  splitFrom,
  splitTo,
  adjustmentType: splitTo >= splitFrom ? "forward_split" : "reverse_split",
});
const dividend = (date: string, cashAmount: number, id = `D-${date}`): DividendAction => ({ kind: "dividend", id, symbol: "NVDA", date, cashAmount, currency: "USD" });

const bar = (date: string, close: number, volume = 1000): OhlcvBar => ({ date, open: close, high: close * 1.01, low: close * 0.99, close, volume });

/** The definition, term by term, for one bar: no sorting, no running product. */
function expectedFactor(date: string, closes: Map<string, number>, actions: readonly CorporateAction[], asOf: string, withDividends: boolean): { price: number; volume: number } {
  let price = 1;
  let volume = 1;
  for (const a of actions) {
    if (!(a.date > date && a.date <= asOf)) continue;
    if (a.kind === "split") {
      price /= a.splitTo / a.splitFrom;
      volume *= a.splitTo / a.splitFrom;
    } else if (withDividends) {
      price *= 1 - a.cashAmount / closes.get(previousTradingDay(a.date))!;
    }
  }
  return { price, volume };
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

describe("adjusted views", () => {
  it("a 10-for-1 split divides every earlier price by 10 and multiplies volume by 10, and leaves the split day alone", () => {
    const bars = [bar("2024-06-06", 1243.2), bar("2024-06-07", 1237.4), bar("2024-06-10", 121.3), bar("2024-06-11", 121.4)];
    const { bars: out } = adjustBars(bars, [split("2024-06-10", 1, 10)], "split");
    expect(out.map((b) => b.close)).toEqual([124.32, 123.74, 121.3, 121.4].map((x, i) => (i < 2 ? expect.closeTo(x, 9) : x)));
    expect(out[0]!.volume).toBeCloseTo(10_000, 9);
    expect(out[2]!.volume).toBe(1000);
  });

  it("raw keeps the step as traded", () => {
    const bars = [bar("2024-06-07", 1237.4), bar("2024-06-10", 121.3)];
    const { bars: out } = adjustBars(bars, [split("2024-06-10", 1, 10)], "raw");
    expect(out.map((b) => b.close)).toEqual([1237.4, 121.3]);
  });

  it("a 1-for-20 reverse split multiplies every earlier price by 20", () => {
    const bars = [bar("2024-03-01", 0.5), bar("2024-03-04", 10.2)];
    const { bars: out } = adjustBars(bars, [split("2024-03-04", 20, 1)], "split");
    expect(out[0]!.close).toBeCloseTo(10, 9);
    expect(out[0]!.volume).toBeCloseTo(50, 9);
  });

  it("a split announced for after the latest loaded session changes nothing and is reported as pending", () => {
    const bars = [bar("2024-06-06", 100), bar("2024-06-07", 101)];
    const announced = split("2024-06-10", 1, 4);
    const plan = planAdjustment(bars, [announced], "split");
    expect(plan.priceFactor).toEqual([1, 1]);
    expect(plan.pending).toEqual([announced]);
    // Given a later asOf (the split has executed by then), it applies.
    expect(planAdjustment(bars, [announced], "split", { asOf: "2024-06-10" }).priceFactor).toEqual([0.25, 0.25]);
  });

  it("a dividend multiplies earlier prices by 1 - cash / close of the session before the ex-date, and only in the all view", () => {
    const bars = [bar("2024-08-08", 99), bar("2024-08-09", 100), bar("2024-08-12", 98.5)];
    const d = dividend("2024-08-12", 1);
    expect(adjustBars(bars, [d], "split").bars[0]!.close).toBe(99);
    const { bars: out, plan } = adjustBars(bars, [d], "all");
    expect(out[0]!.close).toBeCloseTo(99 * 0.99, 9);
    expect(out[1]!.close).toBeCloseTo(99, 9);
    expect(out[2]!.close).toBe(98.5);
    expect(out[0]!.volume).toBe(1000);
    expect(plan.applied).toEqual([{ action: d, priceFactor: 0.99, previousClose: 100 }]);
  });

  it("a dividend whose previous session has no bar is skipped with the reason, not guessed", () => {
    const bars = [bar("2024-08-07", 99), bar("2024-08-12", 98.5)];
    const plan = planAdjustment(bars, [dividend("2024-08-12", 1)], "all");
    expect(plan.priceFactor).toEqual([1, 1]);
    expect(plan.skipped[0]!.reason).toMatch(/no bar for 2024-08-09/);
  });

  it("a dividend of the whole price or more, or in another currency, is skipped with the reason", () => {
    const bars = [bar("2024-08-09", 1), bar("2024-08-12", 1)];
    const plan = planAdjustment(bars, [dividend("2024-08-12", 1), { ...dividend("2024-08-12", 0.1, "D-eur"), currency: "EUR" }], "all");
    expect(plan.priceFactor).toEqual([1, 1]);
    expect(plan.skipped.map((s) => s.reason)).toEqual([expect.stringMatching(/not between 0 and the previous close/), expect.stringMatching(/EUR/)]);
  });

  it("the same split listed twice under two ids is applied once", () => {
    const bars = [bar("2024-06-07", 1000), bar("2024-06-10", 100)];
    const plan = planAdjustment(bars, [split("2024-06-10", 1, 10, "a"), split("2024-06-10", 1, 10, "b")], "split");
    expect(plan.priceFactor[0]).toBeCloseTo(0.1, 12);
    expect(plan.skipped).toHaveLength(1);
  });

  it("actions on or before the first bar change nothing", () => {
    const bars = [bar("2024-06-10", 100), bar("2024-06-11", 101)];
    const plan = planAdjustment(bars, [split("2024-06-10", 1, 10), dividend("2024-06-03", 1)], "all");
    expect(plan.priceFactor).toEqual([1, 1]);
    expect(plan.applied).toEqual([]);
  });

  it("bars out of order are refused", () => {
    expect(() => planAdjustment([bar("2024-06-11", 1), bar("2024-06-10", 1)], [], "split")).toThrow(/ascending date order/);
  });

  it("ten years of bars with random splits and dividends match the definition computed bar by bar", () => {
    const rnd = mulberry32(hash32("adjust-property"));
    const dates = tradingDaysBetween("2015-01-02", "2024-12-31");
    let price = 50;
    const bars = dates.map((date) => {
      price = Math.max(1, price * (1 + (rnd() - 0.5) * 0.04));
      return bar(date, Math.round(price * 100) / 100, Math.round(1e6 * (0.5 + rnd())));
    });
    const actions: CorporateAction[] = [];
    for (let i = 30; i < dates.length; i += 63) actions.push(dividend(dates[i]!, Math.round(bars[i - 1]!.close * 0.005 * 100) / 100));
    for (const [i, from, to] of [
      [400, 1, 2],
      [1200, 20, 1],
      [2000, 1, 10],
      [2300, 2, 3],
    ] as const)
      actions.push(split(dates[i]!, from, to));
    const asOf = dates[dates.length - 1]!;
    actions.push(split("2025-02-03", 1, 5)); // announced: after asOf
    const closes = new Map(bars.map((b) => [b.date, b.close]));
    for (const adjustment of ["split", "all"] as const) {
      const { bars: out } = adjustBars(bars, actions, adjustment);
      for (const [i, b] of bars.entries()) {
        const f = expectedFactor(b.date, closes, actions, asOf, adjustment === "all");
        expect(close(out[i]!.close, b.close * f.price), `${adjustment} close on ${b.date}`).toBe(true);
        expect(close(out[i]!.high, b.high * f.price)).toBe(true);
        expect(close(out[i]!.volume, b.volume * f.volume)).toBe(true);
      }
    }
  });

  it("recognises the three bases and nothing else", () => {
    expect(["raw", "split", "all"].every(isAdjustment)).toBe(true);
    expect(["", "SPLIT", "$where", null, 1].some(isAdjustment)).toBe(false);
  });
});
