import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams, useSubmit } from "@remix-run/react";
import { useMemo } from "react";
import { isValidSymbol } from "@stock-market/pipeline/model/daily-price";
import { ActionList } from "~/components/action-list";
import { BasisSelector } from "~/components/basis-selector";
import { Chart } from "~/components/chart";
import { CuratedChart } from "~/components/curated-chart";
import { RangePresets } from "~/components/range-presets";
import { getDb } from "~/db.server";
import { BASIS_HINTS, BASIS_LABELS, DEFAULT_CHART_ADJUSTMENT, MA_WINDOWS } from "~/lib/chart-data";
import { candlestickFigure } from "~/lib/figures";
import { fmtPrice, fmtSigned, fmtVolume } from "~/lib/format";
import { loadChart, notLoadedMessage, parseViewParams } from "~/models/chart.server";
import { loadCuratedChart } from "~/models/market.server";
import { symbolsInDb } from "~/models/symbols.server";
import { useRootData } from "~/root";
import { requireReader } from "~/session.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.view?.symbol ?? data.curated?.symbol} · Charts` : "Charts" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireReader(request);
  const db = await getDb();
  const symbol = params.symbol!;
  const [view, symbols] = await Promise.all([loadChart(db, symbol, parseViewParams(new URL(request.url).searchParams)), symbolsInDb(db)]);
  if (!view) {
    // Not in MongoDB: charted read-only from the curated lake when it has the ticker (decision 081).
    const curated = isValidSymbol(symbol) ? await loadCuratedChart(symbol, notLoadedMessage(symbol)) : null;
    if (!curated) throw json({ message: notLoadedMessage(symbol) }, { status: 404 });
    return json({ view: null, symbols, curated });
  }
  return json({ view, symbols, curated: null });
}

export default function ChartPage() {
  const { view, curated } = useLoaderData<typeof loader>();
  return view ? <LoadedChart /> : <CuratedChart data={curated!} />;
}

function LoadedChart() {
  const data = useLoaderData<typeof loader>();
  const view = data.view!;
  const symbols = data.symbols;
  const { user } = useRootData();
  const [params] = useSearchParams();
  const submit = useSubmit();
  const figure = useMemo(() => candlestickFigure(view), [view]);
  const s = view.summary;
  // The basis rides along in every link and form of the page (when not the default, to keep URLs short).
  const basis = view.adjustment === DEFAULT_CHART_ADJUSTMENT ? null : view.adjustment;
  const basisInput = basis ? <input type="hidden" name="adjustment" value={basis} /> : null;
  const presetHref = (range: string) => {
    const p = new URLSearchParams();
    p.set("range", range);
    for (const m of params.getAll("ma")) p.append("ma", m);
    if (basis) p.set("adjustment", basis);
    return `?${p}`;
  };
  const count = view.bars.date.length;
  return (
    <>
      <h1>
        {view.symbol}{" "}
        {view.synthetic ? (
          <span className="badge badge-synthetic" title="Made-up prices from the offline source, not market data">
            Synthetic data
          </span>
        ) : null}
      </h1>

      <div className="toolbar">
        <Form method="get" action="/chart" className="field">
          {view.range === "custom" ? null : <input type="hidden" name="range" value={view.range} />}
          {view.ma.map((m) => (
            <input key={m} type="hidden" name="ma" value={m} />
          ))}
          {basisInput}
          <label htmlFor="chart-symbol">Symbol</label>
          <span>
            <select id="chart-symbol" name="symbol" defaultValue={view.symbol} onChange={(e) => submit(e.currentTarget.form)}>
              {symbols.map((sym) => (
                <option key={sym}>{sym}</option>
              ))}
            </select>{" "}
            <noscript>
              <button type="submit">Show</button>
            </noscript>
          </span>
        </Form>
        <BasisSelector id="chart-basis" current={view.adjustment} hint={BASIS_HINTS[view.adjustment]} />
        <RangePresets id="range-label" current={view.range} hrefFor={presetHref} />
        <Form method="get" className="toolbar" key={params.toString()} onChange={(e) => submit(e.currentTarget, { preventScrollReset: true })}>
          {view.range === "custom" ? null : <input type="hidden" name="range" value={view.range} />}
          {basisInput}
          <fieldset>
            <legend>Moving averages</legend>
            {MA_WINDOWS.map((w) => (
              <label key={w}>
                <input type="checkbox" name="ma" value={w} defaultChecked={view.ma.includes(w)} /> MA {w}{" "}
              </label>
            ))}
          </fieldset>
          <div className="field">
            <label htmlFor="chart-from">From</label>
            <input id="chart-from" type="date" name="from" defaultValue={view.range === "custom" ? (view.from ?? "") : ""} min={view.firstDate} max={view.lastDate} />
          </div>
          <div className="field">
            <label htmlFor="chart-to">To</label>
            <input id="chart-to" type="date" name="to" defaultValue={view.range === "custom" ? view.to : ""} min={view.firstDate} max={view.lastDate} />
          </div>
          <button type="submit">Apply</button>
        </Form>
      </div>

      {s ? (
        <dl className="stats" aria-label={`Summary, ${BASIS_LABELS[view.adjustment]}`}>
          <div>
            <dt>Latest close ({s.date})</dt>
            <dd data-testid="latest-close">{fmtPrice(s.close)}</dd>
          </div>
          <div>
            <dt>Change</dt>
            <dd data-testid="change" className={s.change === null ? "" : s.change >= 0 ? "up" : "down"}>
              {s.change === null ? "–" : `${fmtSigned(s.change)} (${fmtSigned(s.changePct ?? 0)}%)`}
            </dd>
          </div>
          <div>
            <dt>52-week high</dt>
            <dd data-testid="high52">{fmtPrice(s.high52)}</dd>
          </div>
          <div>
            <dt>52-week low</dt>
            <dd data-testid="low52">{fmtPrice(s.low52)}</dd>
          </div>
          <div>
            <dt>Bars shown</dt>
            <dd data-testid="bar-count">{fmtVolume(count)}</dd>
          </div>
        </dl>
      ) : null}

      {count === 0 ? (
        <p className="empty" role="status">
          No bars for {view.symbol} between {view.from ?? "the start"} and {view.to}. Pick a wider range.
        </p>
      ) : (
        <>
          <Chart
            figure={figure}
            testId="price-chart"
            label={`Daily candlestick chart of ${view.symbol} from ${view.bars.date[0]} to ${view.bars.date[count - 1]}, ${BASIS_LABELS[view.adjustment].toLowerCase()}, with volume; splits and dividends are listed below the chart`}
          />
          <ActionList actions={view.actions} from={view.bars.date[0]!} to={view.bars.date[count - 1]!} />
        </>
      )}
      <p>
        <Link to={`/records?symbol=${encodeURIComponent(view.symbol)}`}>Records of {view.symbol}</Link>
        {user ? (
          <>
            {" · "}
            <Link to={`/records/new?symbol=${encodeURIComponent(view.symbol)}`}>Add a record</Link>
          </>
        ) : null}
        {" · "}
        <Link to={`/compare?symbols=${encodeURIComponent(view.symbol)}`}>Compare with other symbols</Link>
        {view.bars.manual.some(Boolean) ? (
          <>
            {" · "}
            <span className="badge badge-manual">▼ marks values edited by a person</span>
          </>
        ) : null}
      </p>
    </>
  );
}
