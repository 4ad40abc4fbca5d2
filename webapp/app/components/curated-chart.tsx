import { useMemo } from "react";
import { Chart } from "~/components/chart";
import { candlestickFigure } from "~/lib/figures";
import { fmtPrice } from "~/lib/format";

export interface CuratedChartData {
  symbol: string;
  /** The latest curated session: the basis the prices are adjusted to. */
  asOf: string;
  /** Why there is no regular chart, with the backfill command (chart.server.ts notLoadedMessage). */
  notLoaded: string;
  bars: { date: string[]; open: number[]; high: number[]; low: number[]; close: number[]; volume: number[] };
}

/**
 * A ticker outside MongoDB, charted read-only from the curated lake
 * (decision 081): no records, edits, dividends or moving averages, only its
 * last year of bars split-adjusted to the latest curated session.
 */
export function CuratedChart({ data }: { data: CuratedChartData }) {
  const figure = useMemo(() => candlestickFigure({ symbol: data.symbol, bars: { ...data.bars, manual: data.bars.date.map(() => false) }, mas: [] }), [data]);
  const n = data.bars.date.length;
  return (
    <>
      <h1>
        {data.symbol} <span className="badge badge-not-loaded">not loaded</span>
      </h1>
      <p className="as-traded" role="status" data-testid="not-loaded">
        {data.notLoaded}
      </p>
      <p className="as-traded">
        Read-only, from the curated lake: the last {n} sessions, split-adjusted to {data.asOf} (latest close {fmtPrice(data.bars.close[n - 1])}).
      </p>
      <Chart
        figure={figure}
        testId="price-chart"
        label={`Daily candlestick chart of ${data.symbol} from ${data.bars.date[0]} to ${data.bars.date[n - 1]}, split-adjusted, read from the curated lake, with volume`}
      />
    </>
  );
}
