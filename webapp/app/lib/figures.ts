/**
 * Plotly figures (traces + layout) as plain data: built here, drawn by the
 * lazily loaded plot.client.tsx. Pure, so they are unit-tested without a browser.
 */
import type { ActionMarker } from "~/lib/action-markers";
import { firstIndexFrom } from "~/lib/chart-data";
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

const SPLIT_COLOR = "#bc4c00";
const DIVIDEND_COLOR = "#1b7c83";

/**
 * Candlesticks over a volume subplot, with the chosen moving averages, a
 * marker on each bar a person edited, and the window's splits (diamonds above
 * the bar, and a dotted line) and dividends (triangles below it); hollow when
 * the basis does not apply them.
 */
export function candlestickFigure(view: Pick<ChartView, "symbol" | "bars" | "mas"> & { actions?: Pick<ChartView["actions"], "markers"> }): Figure {
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
  const markers = view.actions?.markers ?? [];
  for (const kind of ["split", "dividend"] as const) {
    const trace = actionTrace(
      bars,
      markers.filter((m) => m.kind === kind),
      kind,
    );
    if (trace) data.push(trace);
  }
  return {
    data,
    layout: {
      ...baseLayout,
      xaxis: timeAxis,
      // A split changes the share count: a line through prices and volume says where.
      shapes: markers
        .filter((m) => m.kind === "split")
        .map((m) => ({ type: "line", xref: "x", yref: "paper", x0: m.date, x1: m.date, y0: 0, y1: 1, layer: "below", line: { color: SPLIT_COLOR, width: 1, dash: "dot" } })),
      yaxis: { domain: [0.3, 1], title: { text: "Price" }, fixedrange: false },
      yaxis2: { domain: [0, 0.22], title: { text: "Volume" }, showgrid: false },
    },
  };
}

/** One marker per action, placed on the bar of its date (or the next one), with its hover text. */
function actionTrace(bars: ChartView["bars"], markers: readonly ActionMarker[], kind: ActionMarker["kind"]): object | null {
  const placed = markers.map((m) => ({ m, i: firstIndexFrom(bars.date, m.date) })).filter(({ i }) => i < bars.date.length);
  if (placed.length === 0) return null;
  const split = kind === "split";
  const shape = split ? "diamond" : "triangle-up";
  return {
    type: "scatter",
    mode: "markers",
    name: split ? "Splits" : "Dividends",
    x: placed.map(({ m }) => m.date),
    y: placed.map(({ i }) => (split ? bars.high[i]! * 1.05 : bars.low[i]! * 0.95)),
    yaxis: "y",
    text: placed.map(({ m }) => `${m.title}<br>${m.effect}`),
    hovertemplate: "%{text}<extra></extra>",
    marker: {
      symbol: placed.map(({ m }) => (m.status === "applied" ? shape : `${shape}-open`)),
      size: split ? 12 : 10,
      color: split ? SPLIT_COLOR : DIVIDEND_COLOR,
      line: { width: 1.5, color: split ? SPLIT_COLOR : DIVIDEND_COLOR },
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
