/**
 * The curated lake's and the market screener's rows in the one benchmark
 * table (bench/table.ts), from bench-results/curated.json
 * (pipeline/bench/curated.ts) and market.json (pipeline/bench/market.ts).
 * Targets from issue 12: curating one whole-market session and the movers
 * query over a year of the whole market, warm, each under a second.
 */
import type { CuratedBenchResult } from "../../pipeline/bench/curated";
import type { MarketBenchResult, MarketQueryFigures } from "../../pipeline/bench/market";
import { fmtInt, fmtMs, type Line } from "./table-format";

const SECOND = 1000;
const kib = (bytes: number) => `${fmtInt(bytes / 1024)} KiB`;
const when = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;

export function curatedRows(r: CuratedBenchResult): Line[] {
  const c = r.curateSessionMs;
  return [
    { section: `Curated lake (${when(r.generatedAt)}; grouped day ${r.day} of ${fmtInt(r.rows)} tickers, local lake${r.quick ? ", QUICK" : ""})` },
    {
      figure: "curate one whole-market session",
      value: `${fmtMs(c.median)} (min ${fmtMs(c.min)}, max ${fmtMs(c.max)})`,
      target: `< ${fmtMs(r.targetMs)}`,
      comparedWith: `median of ${r.runs} runs; re-run with the partition unchanged ${fmtMs(r.rerunUnchangedMs.median)}`,
      status: c.median < r.targetMs ? "pass" : "MISSED",
    },
    {
      figure: "Parquet bytes per session",
      value: `${fmtInt(r.parquetBytesPerSession)} B (${kib(r.parquetBytesPerSession)})`,
      target: "none",
      comparedWith: `raw grouped JSON ${fmtInt(r.rawBytes)} B (${Math.round((100 * r.parquetBytesPerSession) / r.rawBytes)} %)`,
      status: "measured",
    },
  ];
}

function queryRow(label: string, q: MarketQueryFigures, targetMs: number | undefined): Line {
  return {
    figure: `${label}, warm (cold)`,
    value: `${fmtMs(q.warmMedianMs)} (${fmtMs(q.coldMs)})`,
    target: targetMs === undefined ? "none" : `< ${fmtMs(targetMs)} warm`,
    comparedWith: `CPU ${q.warmCpuMedianMs === undefined ? "n/a" : fmtMs(q.warmCpuMedianMs)} warm; max warm ${fmtMs(q.warmMaxMs)} of ${q.repeats}; same request again ${fmtMs(q.memoHitMs)}`,
    status: targetMs === undefined ? "measured" : q.warmMedianMs < targetMs ? "pass" : "MISSED",
  };
}

export function marketRows(r: MarketBenchResult): Line[] {
  const size = `${r.sessions} sessions × ${fmtInt(r.tickers)} tickers = ${fmtInt(r.rows)} rows`;
  return [
    {
      section: `Market screener, DuckDB over the curated lake (${when(r.measuredAt)}; ${size}${r.quick ? ", QUICK" : ""}; load average ${r.loadAverageBefore}-${r.loadAverageAfter})`,
    },
    queryRow("movers (API: the session and the 10 before it)", r.movers, r.targets.moversWarmMs ?? SECOND),
    queryRow("/market snapshot (52 weeks of partitions)", r.snapshot, undefined),
    queryRow("breadth series (126 sessions + up to 199 before)", r.series, undefined),
    {
      figure: "Parquet bytes per session (this lake)",
      value: `${fmtInt(r.parquetBytesPerSession)} B (${kib(r.parquetBytesPerSession)})`,
      target: "none",
      comparedWith: `median over ${r.sessions} partitions`,
      status: "measured",
    },
  ];
}
