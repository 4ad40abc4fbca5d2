/**
 * Plotly figures (traces + layout) as plain data: built here, drawn by the
 * lazily loaded plot.client.tsx. Pure, so they are unit-tested without a browser.
 */
import type { ChartView, ComparisonSeries } from "~/models/chart.server";

export interface Figure {
  data: object[];
  layout: object;
}

const UP = "#1a7f37";
const DOWN = "#cf222e";
const MA_COLORS: Record<number, string> = { 20: "#0969da", 50: "#bf8700", 200: "#8250df" };
const SERIES_COLORS = ["#0969da", "#cf222e", "#1a7f37", "#bf8700", "#8250df", "#1b7c83", "#bc4c00", "#6e7781"];

const baseLayout = {
  margin: { l: 60, r: 20, t: 10, b: 40 },
  showlegend: true,
  legend: { orientation: "h", x: 0, y: 1.08 },
  hovermode: "x unified",
  paper_bgcolor: "#ffffff",
  plot_bgcolor: "#ffffff",
  font: { family: "system-ui, sans-serif", size: 12 },
};

// Weekends hold no bars: leave them out of the time axis instead of drawing gaps.
const timeAxis = { type: "date", rangeslider: { visible: false }, rangebreaks: [{ bounds: ["sat", "mon"] }] };

/** Candlesticks over a volume subplot, with the chosen moving averages and a marker on each bar a person edited. */
export function candlestickFigure(view: Pick<ChartView, "symbol" | "bars" | "mas">): Figure {
  const { bars } = view;
  const manual = bars.date.map((d, i) => ({ d, i })).filter(({ i }) => bars.manual[i]);
  const data: object[] = [
    {
      type: "candlestick",
      name: view.symbol,
      x: bars.date,
      open: bars.open,
      high: bars.high,
      low: bars.low,
      close: bars.close,
      increasing: { line: { color: UP } },
      decreasing: { line: { color: DOWN } },
      yaxis: "y",
    },
    {
      type: "bar",
      name: "Volume",
      x: bars.date,
      y: bars.volume,
      yaxis: "y2",
      marker: { color: bars.close.map((c, i) => (c >= bars.open[i]! ? UP : DOWN)), opacity: 0.5 },
      hovertemplate: "%{y:,.0f}<extra>Volume</extra>",
    },
    ...view.mas.map((m) => ({
      type: "scatter",
      mode: "lines",
      name: `MA ${m.window}`,
      x: bars.date,
      y: m.values,
      yaxis: "y",
      line: { width: 1.5, color: MA_COLORS[m.window] },
      hovertemplate: `%{y:.2f}<extra>MA ${m.window}</extra>`,
    })),
  ];
  if (manual.length > 0) {
    data.push({
      type: "scatter",
      mode: "markers",
      name: "Edited by a person",
      x: manual.map(({ d }) => d),
      y: manual.map(({ i }) => bars.high[i]! * 1.01),
      yaxis: "y",
      marker: { symbol: "triangle-down", size: 9, color: "#8250df" },
      hovertemplate: "manual edit<extra></extra>",
    });
  }
  return {
    data,
    layout: {
      ...baseLayout,
      xaxis: timeAxis,
      yaxis: { domain: [0.3, 1], title: { text: "Price" }, fixedrange: false },
      yaxis2: { domain: [0, 0.22], title: { text: "Volume" }, showgrid: false },
    },
  };
}

/** One line per symbol: % change from the first bar of the range. */
export function comparisonFigure(series: readonly ComparisonSeries[]): Figure {
  return {
    data: series.map((s, i) => ({
      type: "scatter",
      mode: "lines",
      name: s.symbol,
      x: s.date,
      y: s.pct,
      line: { width: 2, color: SERIES_COLORS[i % SERIES_COLORS.length] },
      hovertemplate: `%{y:+.2f}%<extra>${s.symbol}</extra>`,
    })),
    layout: { ...baseLayout, xaxis: timeAxis, yaxis: { title: { text: "Change from start" }, ticksuffix: "%", zeroline: true } },
  };
}
