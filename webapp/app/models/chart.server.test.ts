import { tradingDaysBetween } from "@stock-market/pipeline/calendar/nyse";
import { adjustBars, type Adjustment } from "@stock-market/pipeline/model/adjust";
import type { CorporateAction } from "@stock-market/pipeline/model/corporate-action";
import { describe, expect, it } from "vitest";
import { chartView, notLoadedMessage, parseViewParams, type ViewParams } from "./chart.server";
import type { AdjustedHistory } from "./adjusted-history.server";

// Two years of a smooth made-up price ("what one share of today is worth"), traded
// before a 4-for-1 split at four times that, and a $0.50 dividend after the split.
const dates = tradingDaysBetween("2023-01-03", "2024-12-31");
const splitAt = dates.length - 100;
const dividendAt = dates.length - 40;
const SPLIT_DATE = dates[splitAt]!;
const DIVIDEND_DATE = dates[dividendAt]!;
const CASH = 0.5;
const worth = (i: number) => 100 + 10 * Math.sin(i / 7) + i * 0.05;
const asTraded = dates.map((date, i) => {
  const k = i < splitAt ? 4 : 1;
  const c = worth(i) * k;
  return { date, open: c * 0.995, high: c * 1.01, low: c * 0.98, close: c, volume: 1000 / k, manual: false, synthetic: true };
});
const actions: CorporateAction[] = [
  { kind: "split", id: "S1", symbol: "T", date: SPLIT_DATE, splitFrom: 1, splitTo: 4, adjustmentType: "forward_split" },
  { kind: "dividend", id: "D1", symbol: "T", date: DIVIDEND_DATE, cashAmount: CASH, currency: "USD" },
];

function history(adjustment: Adjustment): AdjustedHistory {
  const { bars, plan } = adjustBars(asTraded, actions, adjustment);
  return { symbol: "T", adjustment, bars, actions, plan };
}

/** The expected factor of bar i on a basis, worked out by hand from the definitions (not by the shared module). */
function factor(i: number, adjustment: Adjustment): number {
  if (adjustment === "raw") return 1;
  let f = i < splitAt ? 1 / 4 : 1;
  if (adjustment === "all" && i < dividendAt) f *= 1 - CASH / asTraded[dividendAt - 1]!.close;
  return f;
}

const naiveMa = (closes: number[], i: number, w: number) => (i + 1 < w ? null : closes.slice(i + 1 - w, i + 1).reduce((a, b) => a + b, 0) / w);
const near = (xs: (number | null)[], digits = 5) => xs.map((x) => (x === null ? null : expect.closeTo(x, digits)));
const view = (adjustment: Adjustment, over: Partial<ViewParams> = {}): ViewParams => ({ adjustment, range: "1Y", from: null, to: null, ma: [50, 200], ...over });

describe("parseViewParams", () => {
  it("reads the basis with the other view state, split-adjusted by default and for anything invalid", () => {
    expect(parseViewParams(new URLSearchParams("adjustment=all&range=5Y&ma=50"))).toEqual({ adjustment: "all", range: "5Y", from: null, to: null, ma: [50] });
    expect(parseViewParams(new URLSearchParams("range=1M")).adjustment).toBe("split");
    expect(parseViewParams(new URLSearchParams("adjustment=$where&from=2024-01-02")).adjustment).toBe("split");
    expect(parseViewParams(new URLSearchParams("adjustment=raw&from=2024-01-02")).adjustment).toBe("raw");
  });
});

describe("the chart on a basis", () => {
  for (const adjustment of ["split", "all", "raw"] as const) {
    it(`${adjustment}: candles, moving averages, latest change and 52-week figures all come from the same adjusted bars`, () => {
      const v = chartView("T", view(adjustment), history(adjustment));
      const closes = asTraded.map((b, i) => b.close * factor(i, adjustment));
      const start = dates.length - v.bars.date.length;
      expect(v.bars.date).toEqual(dates.slice(start));
      expect(v.bars.close).toEqual(near(closes.slice(start), 9));
      expect(v.bars.high).toEqual(
        near(
          asTraded.slice(start).map((b, j) => b.high * factor(start + j, adjustment)),
          9,
        ),
      );
      for (const m of v.mas) expect(m.values).toEqual(near(closes.map((_, i) => naiveMa(closes, i, m.window)).slice(start)));

      const last = dates.length - 1;
      const since = new Date(Date.parse(`${dates[last]}T00:00:00Z`) - 364 * 86_400_000).toISOString().slice(0, 10);
      const year = asTraded.map((b, i) => ({ ...b, i })).filter((b) => b.date >= since);
      expect(v.summary).toEqual({
        date: dates[last],
        close: expect.closeTo(closes[last]!, 9),
        change: expect.closeTo(closes[last]! - closes[last - 1]!, 5),
        changePct: expect.closeTo((100 * (closes[last]! - closes[last - 1]!)) / closes[last - 1]!, 5),
        high52: expect.closeTo(Math.max(...year.map((b) => b.high * factor(b.i, adjustment))), 9),
        low52: expect.closeTo(Math.min(...year.map((b) => b.low * factor(b.i, adjustment))), 9),
      });
    });
  }

  it("split-adjusted, the split is no cliff; as traded, it is a 4x step", () => {
    const jump = (a: Adjustment) => {
      const c = chartView("T", view(a), history(a)).bars;
      const i = c.date.indexOf(SPLIT_DATE);
      return c.close[i - 1]! / c.close[i]!;
    };
    expect(jump("split")).toBeCloseTo(worth(splitAt - 1) / worth(splitAt), 9);
    expect(Math.abs(jump("split") - 1)).toBeLessThan(0.05);
    expect(jump("raw")).toBeCloseTo((4 * worth(splitAt - 1)) / worth(splitAt), 9);
  });

  it("lists the window's actions with what each does on the basis", () => {
    const byId = (a: Adjustment, over?: Partial<ViewParams>) => Object.fromEntries(chartView("T", view(a, over), history(a)).actions.markers.map((m) => [m.id, m.status]));
    expect(byId("split")).toEqual({ S1: "applied", D1: "not-on-basis" });
    expect(byId("all")).toEqual({ S1: "applied", D1: "applied" });
    expect(byId("raw")).toEqual({ S1: "not-on-basis", D1: "not-on-basis" });
    // A window that ends before both: none listed.
    expect(byId("all", { range: "custom", from: dates[0]!, to: dates[10]! })).toEqual({});
    const split = chartView("T", view("split"), history("split")).actions.markers.find((m) => m.id === "S1")!;
    expect(split.title).toBe(`4-for-1 split (executed ${SPLIT_DATE})`);
  });

  it("moving averages start on the first visible day, from the bars before the window", () => {
    const v = chartView("T", view("split", { range: "1M", ma: [200] }), history("split"));
    expect(v.mas[0]!.values.every((x) => x !== null)).toBe(true);
  });
});

describe("the chart page's answer for a symbol without records", () => {
  it("says it is not loaded and gives the backfill command for its last year", () => {
    const m = notLoadedMessage("SYN0042", new Date("2024-06-10T12:00:00Z"));
    expect(m).toBe(
      'There are no records for the symbol "SYN0042": it is not loaded. To load its last year, run `stock-pipeline backfill --from 2023-06-08 --to 2024-06-07 --tickers SYN0042`.',
    );
  });

  it("offers no command for a string that is no ticker", () => {
    expect(notLoadedMessage("$where")).toBe('There are no records for the symbol "$where".');
  });
});
