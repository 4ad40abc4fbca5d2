import { describe, expect, it } from "vitest";
import { tradingDaysBetween } from "../calendar/nyse.js";
import { applyChanges, emptySummary, summarize, type RecordChange, type RecordState } from "./symbol-summary.js";

const live = (date: string, extra: Partial<RecordState> = {}): RecordState => ({ date, feed: "polygon", manual: false, ...extra });
const add = (date: string, extra?: Partial<RecordState>): RecordChange => ({ symbol: "X", before: null, after: live(date, extra) });
const drop = (date: string, extra?: Partial<RecordState>): RecordChange => ({ symbol: "X", before: live(date, extra), after: null });

describe("the per-symbol summary", () => {
  it("a new next session extends the range without a gap; one skipped session becomes a gap", () => {
    const s = applyChanges(emptySummary(), [add("2024-01-02"), add("2024-01-03"), add("2024-01-05")]);
    expect(s).toMatchObject({ records: 3, first: "2024-01-02", last: "2024-01-05", gaps: ["2024-01-04"], feeds: { polygon: 3 } });
  });

  it("deleting the first and last sessions shrinks the range to the nearest live ones, past the gaps", () => {
    const base = summarize(["2024-01-02", "2024-01-04", "2024-01-08", "2024-01-10"].map((d) => live(d)));
    const s = applyChanges(base, [drop("2024-01-02"), drop("2024-01-10")]);
    expect(s).toMatchObject({ records: 2, first: "2024-01-04", last: "2024-01-08", gaps: ["2024-01-05"] });
  });

  it("a date that is not a session is kept apart, and the range widens to it with the sessions between as gaps", () => {
    const s = applyChanges(summarize([live("2024-01-02")]), [add("2024-01-06", { manual: true, feed: undefined })]);
    expect(s).toMatchObject({ records: 2, first: "2024-01-02", last: "2024-01-06", offCalendar: ["2024-01-06"], gaps: ["2024-01-03", "2024-01-04", "2024-01-05"], manual: 1 });
    expect(applyChanges(s, [drop("2024-01-06", { manual: true, feed: undefined })])).toEqual(summarize([live("2024-01-02")]));
  });

  it("a feed change moves the counts only, and the last record removed empties the summary", () => {
    const base = summarize([live("2024-01-02")]);
    const moved = applyChanges(base, [{ symbol: "X", before: live("2024-01-02"), after: live("2024-01-02", { feed: "synthetic", oldBasis: true }) }]);
    expect(moved).toMatchObject({ records: 1, feeds: { synthetic: 1 }, oldBasis: 1 });
    expect(applyChanges(moved, [drop("2024-01-02", { feed: "synthetic", oldBasis: true })])).toEqual(emptySummary());
  });

  it("random adds and drops over a quarter always equal the summary computed from scratch", () => {
    const days = [...tradingDaysBetween("2024-01-02", "2024-03-28"), "2024-01-13", "2024-02-03"];
    let seed = 7;
    const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const have = new Set<string>();
    let s = emptySummary();
    for (let i = 0; i < 400; i++) {
      const d = days[Math.floor(next() * days.length)]!;
      s = applyChanges(s, [have.has(d) ? drop(d) : add(d)]);
      if (have.has(d)) have.delete(d);
      else have.add(d);
      expect(s).toEqual(summarize([...have].map((x) => live(x))));
    }
  });
});
