/**
 * The /market page's breadth chart: advancers and decliners per session as
 * bars, and the share of tickers above their 50- and 200-session averages as
 * lines on a second axis. Pure data, drawn by the lazily loaded Plotly.
 */
import type { Figure } from "~/lib/figures";

export interface BreadthPointView {
  date: string;
  advancers: number | null;
  decliners: number | null;
  above50Pct: number | null;
  above200Pct: number | null;
}

export function breadthFigure(series: readonly BreadthPointView[]): Figure {
  const x = series.map((p) => p.date);
  return {
    data: [
      { type: "bar", name: "Advancers", x, y: series.map((p) => p.advancers), marker: { color: "#1a7f37" } },
      { type: "bar", name: "Decliners", x, y: series.map((p) => (p.decliners === null ? null : -p.decliners)), marker: { color: "#cf222e" } },
      { type: "scatter", mode: "lines", name: "% above 50-day average", x, y: series.map((p) => p.above50Pct), yaxis: "y2", line: { color: "#bf8700" } },
      { type: "scatter", mode: "lines", name: "% above 200-day average", x, y: series.map((p) => p.above200Pct), yaxis: "y2", line: { color: "#8250df" } },
    ],
    layout: {
      margin: { l: 60, r: 60, t: 10, b: 40 },
      barmode: "relative",
      showlegend: true,
      legend: { orientation: "h", x: 0, y: 1.12 },
      hovermode: "x unified",
      font: { family: "system-ui, sans-serif", size: 12 },
      xaxis: { type: "date", rangebreaks: [{ bounds: ["sat", "mon"] }] },
      yaxis: { title: { text: "Tickers (decliners below 0)" } },
      yaxis2: { title: { text: "% above average" }, overlaying: "y", side: "right", range: [0, 100] },
      height: 360,
    },
  };
}
