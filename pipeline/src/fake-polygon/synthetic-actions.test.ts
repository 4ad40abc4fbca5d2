import { describe, it, expect } from "vitest";
import { isTradingDay, previousTradingDay } from "../calendar/nyse.js";
import { syntheticActions } from "./action-book.js";
import { dayNumber } from "./ny-time.js";
import { adjustedFactor, asTradedFactor, type CorporateActionsOption, type SyntheticSplit } from "./synthetic-actions.js";
import { WATCHLIST, syntheticBar, syntheticUniverse } from "./synthetic.js";

const SYN = syntheticUniverse(11_000).filter((t) => t.startsWith("SYN"));
const ratioOf = (s: Pick<SyntheticSplit, "split_from" | "split_to">): string => `${s.split_to}:${s.split_from}`;

describe("synthetic corporate actions: splits", () => {
  it("puts at least one watchlist split in every 365-day window from 2001 to 2030, whatever the seed", () => {
    for (const seed of ["demo", "other", "s1", "s2", "s3", "zz-top"]) {
      const days = WATCHLIST.flatMap((t) => syntheticActions(seed, t).splits.map((s) => dayNumber(s.execution_date))).sort((a, b) => a - b);
      const inside = days.filter((d) => d >= dayNumber("2001-01-01") && d <= dayNumber("2030-12-31"));
      // Windows [x, x + 364] with x from 2001-01-01 to 2030-01-01: the first, the last and every gap are covered.
      expect(inside[0]!).toBeLessThanOrEqual(dayNumber("2001-12-31"));
      expect(inside.at(-1)!).toBeGreaterThanOrEqual(dayNumber("2030-01-01"));
      for (let i = 1; i < inside.length; i++) expect(inside[i]! - inside[i - 1]!, `${seed} gap ${i}`).toBeLessThanOrEqual(365);
    }
  });

  it("splits each watchlist name about every four years, on trading days, with a running product between 1/12 and 12", () => {
    for (const ticker of WATCHLIST) {
      const { splits } = syntheticActions("demo", ticker);
      expect(splits.length).toBeGreaterThanOrEqual(7);
      expect(splits.length).toBeLessThanOrEqual(8);
      let product = 1;
      for (const [i, s] of splits.entries()) {
        expect(isTradingDay(s.execution_date)).toBe(true);
        expect(s.adjustment_type).toBe(s.split_to > s.split_from ? "forward_split" : "reverse_split");
        expect(dayNumber(s.execution_date) - dayNumber(s.announced)).toBe(21);
        if (i > 0) expect(dayNumber(s.execution_date) - dayNumber(splits[i - 1]!.execution_date)).toBeGreaterThan(1461 - 50);
        product *= s.split_to / s.split_from;
        expect(product).toBeGreaterThanOrEqual(1 / 12 - 1e-12);
        expect(product).toBeLessThanOrEqual(12 + 1e-12);
      }
    }
  });

  it("gives about 3% of SYN tickers one or two splits of 2:1, 3:1, 10:1, 1-for-10 or 1-for-20 between 2000 and 2030", () => {
    const withSplits = SYN.map((t) => syntheticActions("demo", t).splits).filter((s) => s.length > 0);
    expect(withSplits.length / SYN.length).toBeGreaterThan(0.02);
    expect(withSplits.length / SYN.length).toBeLessThan(0.04);
    const ratios = new Set<string>();
    for (const splits of withSplits) {
      expect(splits.length).toBeLessThanOrEqual(2);
      for (const s of splits) {
        ratios.add(ratioOf(s));
        expect(isTradingDay(s.execution_date)).toBe(true);
        expect(s.execution_date >= "2000-01-01" && s.execution_date <= "2030-12-31").toBe(true);
      }
    }
    expect([...ratios].sort()).toEqual(["10:1", "1:10", "1:20", "2:1", "3:1"]);
  });

  it("is deterministic per seed and gives every action its own id", () => {
    expect(syntheticActions("demo", "AAPL")).toEqual(syntheticActions("demo", "AAPL"));
    expect(syntheticActions("demo", "AAPL").splits).not.toEqual(syntheticActions("other", "AAPL").splits);
    const ids = ["AAPL", "MSFT", "KO", ...SYN.slice(0, 300)].flatMap((t) => {
      const a = syntheticActions("demo", t);
      return [...a.splits, ...a.dividends].map((x) => x.id);
    });
    for (const id of ids) expect(id).toMatch(/^E[0-9a-f]{16}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("synthetic corporate actions: dividends", () => {
  it("pays quarterly for AAPL, MSFT, GOOGL, NVDA, JPM and KO, never for TSLA, and for about a quarter of SYN tickers", () => {
    for (const ticker of ["AAPL", "MSFT", "GOOGL", "NVDA", "JPM", "KO"]) {
      const { dividends } = syntheticActions("demo", ticker);
      expect(dividends.filter((d) => d.ex_dividend_date.startsWith("2024"))).toHaveLength(4);
    }
    expect(syntheticActions("demo", "TSLA").dividends).toEqual([]);
    const payers = SYN.filter((t) => syntheticActions("demo", t).dividends.length > 0).length;
    expect(payers / SYN.length).toBeGreaterThan(0.22);
    expect(payers / SYN.length).toBeLessThan(0.28);
  });

  it("sets ex-dates on trading days, declares them 14 days before, and sizes the cash at 0.25-1.1% of the as-traded close", () => {
    for (const ticker of ["AAPL", "MSFT", "GOOGL", "NVDA", "JPM", "KO", ...SYN.slice(0, 400)]) {
      const { splits, dividends } = syntheticActions("demo", ticker);
      for (const d of dividends) {
        expect(isTradingDay(d.ex_dividend_date)).toBe(true);
        expect(dayNumber(d.ex_dividend_date) - dayNumber(d.declaration_date)).toBe(14);
        expect(d.record_date >= d.ex_dividend_date && d.pay_date > d.record_date).toBe(true);
        expect(d).toMatchObject({ currency: "USD", frequency: 4, distribution_type: "recurring" });
        const prev = previousTradingDay(d.ex_dividend_date);
        const close = syntheticBar(ticker, prev, "demo", "close", asTradedFactor(splits, prev))!.c;
        expect(d.cash_amount / close, `${ticker} ${d.ex_dividend_date}`).toBeGreaterThan(0.0025);
        expect(d.cash_amount / close, `${ticker} ${d.ex_dividend_date}`).toBeLessThan(0.011);
      }
    }
  });
});

describe("explicit corporate actions and the factors", () => {
  const explicit: CorporateActionsOption = {
    splits: [{ ticker: "AAPL", execution_date: "2024-06-10", split_from: 1, split_to: 10, announced: "2024-05-01" }],
    dividends: [{ ticker: "TSLA", ex_dividend_date: "2024-03-14", cash_amount: 0.5 }],
    replaceSyntheticFor: ["TSLA"],
  };

  it("adds explicit actions to the synthetic ones, and keeps only them for replaceSyntheticFor tickers", () => {
    const aapl = syntheticActions("demo", "AAPL", { corporateActions: explicit });
    expect(aapl.splits).toHaveLength(syntheticActions("demo", "AAPL").splits.length + 1);
    expect(aapl.splits.find((s) => s.execution_date === "2024-06-10")).toMatchObject({ announced: "2024-05-01", adjustment_type: "forward_split" });
    const tsla = syntheticActions("demo", "TSLA", { corporateActions: explicit });
    expect(tsla.splits).toEqual([]);
    expect(tsla.dividends).toEqual([expect.objectContaining({ ex_dividend_date: "2024-03-14", cash_amount: 0.5, declaration_date: "2024-02-29" })]);
  });

  it("reprices synthetic dividends into the share basis an explicit split implies", () => {
    const plain = syntheticActions("demo", "AAPL").dividends.find((d) => d.ex_dividend_date.startsWith("2024-04"))!;
    const split = syntheticActions("demo", "AAPL", { corporateActions: explicit }).dividends.find((d) => d.ex_dividend_date.startsWith("2024-04"))!;
    expect(split.cash_amount / plain.cash_amount).toBeCloseTo(10, 1);
  });

  it("asTradedFactor counts every later split; adjustedFactor only those up to today", () => {
    const splits = [
      { execution_date: "2020-01-06", split_from: 1, split_to: 4 },
      { execution_date: "2024-06-10", split_from: 1, split_to: 10 },
      { execution_date: "2026-03-02", split_from: 20, split_to: 1 },
    ];
    expect(asTradedFactor(splits, "2019-12-31")).toBeCloseTo(2, 12);
    expect(asTradedFactor(splits, "2024-06-07")).toBeCloseTo(0.5, 12);
    expect(asTradedFactor(splits, "2024-06-10")).toBeCloseTo(0.05, 12);
    expect(adjustedFactor(splits, "2019-12-31", "2025-01-15")).toBe(40);
    expect(adjustedFactor(splits, "2024-06-10", "2025-01-15")).toBe(1);
    expect(adjustedFactor(splits, "2024-06-07", "2024-06-09")).toBe(1);
  });

  it("scales a bar into the share basis of its day: prices times the factor, volume divided, still 4 decimals", () => {
    const curve = syntheticBar("MSFT", "2024-05-15", "demo")!;
    const traded = syntheticBar("MSFT", "2024-05-15", "demo", "close", 3)!;
    for (const k of ["o", "h", "l", "c"] as const) expect(traded[k] / curve[k]).toBeCloseTo(3, 3);
    expect(traded.v / curve.v).toBeCloseTo(1 / 3, 3);
    expect(traded.n).toBe(curve.n);
    for (const x of [traded.o, traded.h, traded.l, traded.c, traded.vw!]) expect(Math.round(x * 1e4) / 1e4).toBe(x);
  });
});
