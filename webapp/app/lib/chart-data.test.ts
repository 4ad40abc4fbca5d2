import { describe, expect, it } from "vitest";
import {
  adjustmentParam,
  BASIS_CHOICES,
  BASIS_LABELS,
  DEFAULT_CHART_ADJUSTMENT,
  DEFAULT_COMPARE_ADJUSTMENT,
  DEFAULT_RANGE,
  firstIndexFrom,
  movingAverage,
  parseMaParams,
  percentChange,
  rangeParam,
  rangeStart,
  summarise,
} from "./chart-data";

describe("chart data", () => {
  it("range presets start where a person expects, relative to the latest bar", () => {
    expect(rangeStart("1M", "2025-03-31")).toBe("2025-03-01");
    expect(rangeStart("6M", "2025-08-31")).toBe("2025-03-01");
    expect(rangeStart("YTD", "2025-08-31")).toBe("2025-01-01");
    expect(rangeStart("1Y", "2025-02-28")).toBe("2024-02-29");
    expect(rangeStart("5Y", "2025-01-03")).toBe("2020-01-04");
    expect(rangeStart("MAX", "2025-01-03")).toBeNull();
  });

  it("moving averages are null until the window is full", () => {
    expect(movingAverage([1, 2, 3, 4, 5], 3)).toEqual([null, null, 2, 3, 4]);
  });

  it("summarises the latest close, its change and the 52-week high/low", () => {
    const bars = [
      { date: "2023-12-29", open: 1, high: 500, low: 0.5, close: 1, volume: 1 },
      { date: "2024-12-30", open: 10, high: 20, low: 8, close: 10, volume: 1 },
      { date: "2024-12-31", open: 10, high: 12, low: 9, close: 11, volume: 1 },
    ];
    expect(summarise(bars)).toEqual({ date: "2024-12-31", close: 11, change: 1, changePct: 10, high52: 20, low52: 8 });
    expect(summarise([])).toBeNull();
  });

  it("comparison: % change from the first close", () => {
    expect(percentChange([50, 55, 45])).toEqual([0, 10, -10]);
  });

  it("finds the first bar on or after a date", () => {
    expect(firstIndexFrom(["2025-01-02", "2025-01-03", "2025-01-06"], "2025-01-04")).toBe(2);
    expect(firstIndexFrom(["2025-01-02"], null)).toBe(0);
  });

  it("takes only the known moving-average windows from the URL", () => {
    expect(parseMaParams(["200", "20,7", "x"])).toEqual([20, 200]);
  });
});

describe("rangeParam", () => {
  it("takes a preset from the URL and falls back to the default for anything else", () => {
    expect(rangeParam(new URLSearchParams("range=5Y"))).toBe("5Y");
    for (const q of ["", "range=", "range=10Y", "range=1y", "range[$ne]=x", "range=__proto__"]) expect(rangeParam(new URLSearchParams(q))).toBe(DEFAULT_RANGE);
  });
});

describe("adjustmentParam", () => {
  it("takes split, all or raw from the URL", () => {
    for (const a of ["split", "all", "raw"] as const) {
      expect(adjustmentParam(new URLSearchParams(`adjustment=${a}`), "split")).toBe(a);
      expect(adjustmentParam(new URLSearchParams(`range=1Y&adjustment=${a}&ma=50`), "all")).toBe(a);
    }
  });

  it("falls back to the page's default for anything else, so a query string never fails a page", () => {
    const junk = [
      "",
      "adjustment=",
      "adjustment=ALL",
      "adjustment=Split",
      "adjustment=%20raw",
      "adjustment=$where",
      "adjustment[$ne]=raw",
      "adjustment=__proto__",
      "adjustment=constructor",
      "adjustment=splits",
      `adjustment=${"x".repeat(5000)}`,
    ];
    for (const q of junk) {
      expect(adjustmentParam(new URLSearchParams(q), "split")).toBe("split");
      expect(adjustmentParam(new URLSearchParams(q), "all")).toBe("all");
    }
  });

  it("of a repeated parameter, the first one counts", () => {
    expect(adjustmentParam(new URLSearchParams("adjustment=raw&adjustment=all"), "split")).toBe("raw");
    expect(adjustmentParam(new URLSearchParams("adjustment=nope&adjustment=all"), "split")).toBe("split");
  });

  it("the chart defaults to split-adjusted and the comparison to total return, and every basis has a label a person understands", () => {
    expect(DEFAULT_CHART_ADJUSTMENT).toBe("split");
    expect(DEFAULT_COMPARE_ADJUSTMENT).toBe("all");
    expect(BASIS_CHOICES.map((a) => BASIS_LABELS[a])).toEqual(["Split-adjusted", "Total return (splits + dividends)", "As traded"]);
  });
});
