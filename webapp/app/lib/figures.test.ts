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

  it("one % line per symbol", () => {
    const f = comparisonFigure([{ symbol: "A", date: ["2025-01-02"], pct: [0], synthetic: false }]);
    expect(f.data).toEqual([expect.objectContaining({ name: "A", y: [0] })]);
  });
});
