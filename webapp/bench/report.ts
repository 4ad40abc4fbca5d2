/** The web app bench's result, its rows in the bench table, and the queries behind them. */
import type { ChartPageJs } from "./assets";
import type { IndexInfo } from "./indexes";
import type { Figure } from "./measure";
import { loaderStatus } from "./status";
import { fmtInt, fmtMs, renderTable, type Line, type TableRow } from "./table-format";

export interface WebappBenchResult {
  generatedAt: string;
  quick: boolean;
  machine: { node: string; cpus: number; cpuModel: string };
  server: { description: string; ferretDb: boolean; version: string };
  options: { rows: number; maxRuns: number; budgetSeconds: number };
  chart: { symbol: string; bars: number; targetMs: number; loader: Figure; indexes: IndexInfo[] };
  records: { rows: number; symbols: number; fillSeconds: number; symbol: string; targetMs: number; filtered: Figure; unfiltered: Figure; indexes: IndexInfo[] };
  chartPageJsGzipKb: ChartPageJs | null;
  /** Plotly's chunk, gzip, at most. */
  plotlyTargetKb: number;
  totalSeconds: number;
}

function loaderRows(name: string, f: Figure, targetMs: number | null): TableRow[] {
  const s = loaderStatus(f, targetMs);
  const runs = `${f.runs} runs${f.stoppedBy === "time budget" ? ", time budget" : ""}`;
  return [
    {
      figure: name,
      value: `median ${fmtMs(f.total.median)}, p95 ${fmtMs(f.total.p95)} (${runs})`,
      target: targetMs === null ? "none" : `median < ${targetMs} ms`,
      comparedWith: "the call's wall time",
      status: s.status,
    },
    {
      figure: "    of which: database",
      value: `median ${fmtMs(f.database.median)}, p95 ${fmtMs(f.database.p95)}`,
      target: "",
      comparedWith: "server time (≥ 1 command in flight)",
      status: "",
    },
    {
      figure: "    of which: our code",
      value: `median ${fmtMs(f.ours.median)}, p95 ${fmtMs(f.ours.p95)}`,
      target: targetMs === null ? "" : `< ${targetMs} ms`,
      comparedWith: "total minus server time",
      status: "",
    },
  ];
}

export function webappRows(r: WebappBenchResult): Line[] {
  const js = r.chartPageJsGzipKb;
  const rows = fmtInt(r.records.rows);
  return [
    { section: `Web app (${r.server.ferretDb ? "FerretDB" : "MongoDB"}${r.quick ? ", quick mode" : ""})` },
    ...loaderRows(`chart loader, ${fmtInt(r.chart.bars)} bars (10 years)`, r.chart.loader, r.chart.targetMs),
    ...loaderRows(`records loader, ${rows} rows, one symbol`, r.records.filtered, r.records.targetMs),
    ...loaderRows(`records loader, ${rows} rows, unfiltered page 1`, r.records.unfiltered, null),
    {
      figure: "chart page JS, gzip (Plotly chunk)",
      value: js ? `${js.plotlyKb} KB (route ${js.routeKb} KB, all ${js.totalKb} KB)` : "build the web app first",
      target: `Plotly ≤ ${r.plotlyTargetKb} KB`,
      comparedWith: "production build's client manifest",
      status: js ? (js.plotlyKb <= r.plotlyTargetKb ? "pass" : "MISSED") : "not measured",
    },
  ];
}

/** Each loader's commands, with the index that would serve them on MongoDB. */
export function queryNotes(r: WebappBenchResult): string[] {
  const out: string[] = [];
  const figs: [string, Figure, IndexInfo[]][] = [
    ["chart loader", r.chart.loader, r.chart.indexes],
    ["records loader, one symbol", r.records.filtered, r.records.indexes],
    ["records loader, unfiltered", r.records.unfiltered, r.records.indexes],
  ];
  const ix = (list: IndexInfo[]) => list.map((i) => `${i.name} {${i.key.map(([f, d]) => `${f}: ${d}`).join(", ")}}`).join("; ");
  out.push(`Indexes of daily_prices (listIndexes): ${ix(r.records.indexes)}`);
  for (const [name, f] of figs) {
    out.push(
      `${name}: ${f.commands.length} command(s) per call, ${loaderStatus(f, name === "chart loader" ? r.chart.targetMs : name.includes("one symbol") ? r.records.targetMs : null).why}`,
    );
    for (const c of f.commands) {
      const sort = c.sort ? ` sort ${c.sort}` : "";
      out.push(`  - ${c.command} ${c.filter}${sort}${c.getMores ? ` (+${c.getMores} getMore)` : ""}: median ${fmtMs(c.medianMs)}`);
      out.push(`      on MongoDB (index prefix analysis): ${c.plan.served === "scan" ? "SCAN" : `${c.plan.index}, ${c.plan.served}`}: ${c.plan.how}`);
      if (c.server) out.push(`      this server says: ${c.server}`);
    }
  }
  return out;
}

export function renderWebappTable(r: WebappBenchResult): string {
  return [
    `Web app benchmark on ${r.server.description}; ${r.machine.cpus}× ${r.machine.cpuModel}, node ${r.machine.node}.`,
    "",
    renderTable(webappRows(r)),
    "",
    ...queryNotes(r),
  ].join("\n");
}
