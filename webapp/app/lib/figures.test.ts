import { describe, expect, it } from "vitest";
import { candlestickFigure, comparisonFigure } from "./figures";

const bars = { date: ["2025-01-02", "2025-01-03"], open: [1, 2], high: [2, 3], low: [0.5, 1.5], close: [1.5, 1.8], volume: [10, 20], manual: [false, true] };

describe("figures", () => {
  it("candlesticks over a volume subplot, the chosen averages, and a marker on a person's values", () => {
    const f = candlestickFigure({ symbol: "AAPL", bars, mas: [{ window: 20, values: [null, 1.6] }] });
    expect(f.data.map((t) => (t as { type: string }).type)).toEqual(["candlestick", "bar", "scatter", "scatter"]);
    expect(f.data[1]).toMatchObject({ yaxis: "y2" });
    expect(f.data[3]).toMatchObject({ name: "Edited by a person", x: ["2025-01-03"] });
    expect(f.layout).toMatchObject({ yaxis2: { domain: [0, 0.22] } });
  });

  it("splits and dividends of the window: markers placed on their bars with their hover text, hollow when the basis leaves them out, and a line at each split", () => {
    const markers = [
      {
        id: "S",
        kind: "split" as const,
        date: "2025-01-03",
        title: "4-for-1 split (executed 2025-01-03)",
        status: "applied" as const,
        effect: "prices before it divided by 4, volumes multiplied by 4",
      },
      {
        id: "D",
        kind: "dividend" as const,
        date: "2025-01-02",
        title: "$0.12 cash dividend (ex-date 2025-01-02)",
        status: "not-on-basis" as const,
        effect: "not applied: dividends count only in the total-return basis",
      },
      // After the last bar: nothing to place it on.
      { id: "L", kind: "dividend" as const, date: "2025-01-06", title: "late", status: "applied" as const, effect: "" },
    ];
    const f = candlestickFigure({ symbol: "AAPL", bars, mas: [], actions: { markers } });
    const splits = f.data.find((t) => (t as { name: string }).name === "Splits");
    const dividends = f.data.find((t) => (t as { name: string }).name === "Dividends");
    expect(splits).toMatchObject({
      x: ["2025-01-03"],
      y: [3 * 1.05],
      text: ["4-for-1 split (executed 2025-01-03)<br>prices before it divided by 4, volumes multiplied by 4"],
      marker: { symbol: ["diamond"] },
    });
    expect(dividends).toMatchObject({ x: ["2025-01-02"], y: [0.5 * 0.95], marker: { symbol: ["triangle-up-open"] } });
    expect((dividends as { text: string[] }).text[0]).toContain("$0.12 cash dividend (ex-date 2025-01-02)");
    expect(f.layout).toMatchObject({ shapes: [{ type: "line", x0: "2025-01-03", x1: "2025-01-03", yref: "paper" }] });
  });

  it("no actions, no marker traces", () => {
    const f = candlestickFigure({ symbol: "AAPL", bars: { ...bars, manual: [false, false] }, mas: [], actions: { markers: [] } });
    expect(f.data.map((t) => (t as { type: string }).type)).toEqual(["candlestick", "bar"]);
  });

  it("one % line per symbol", () => {
    const f = comparisonFigure([{ symbol: "A", date: ["2025-01-02"], pct: [0], synthetic: false }]);
    expect(f.data).toEqual([expect.objectContaining({ name: "A", y: [0] })]);
  });
});
