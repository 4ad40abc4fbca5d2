import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { useMemo } from "react";
import { Chart } from "~/components/chart";
import { getDb } from "~/db.server";
import { fmtPrice, fmtSigned, fmtVolume } from "~/lib/format";
import { breadthFigure } from "~/lib/market-figure";
import { PAGE_LIMIT, parseMarketPageQuery } from "~/lib/market-params";
import { loadMarketPage, marketFailure } from "~/models/market.server";
import { symbolsInDb } from "~/models/symbols.server";
import { requireReader } from "~/session.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `Market ${data.page.snapshot.date}` : "Market" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireReader(request);
  const query = parseMarketPageQuery(new URL(request.url).searchParams);
  if (!query.ok) throw json({ message: query.error }, { status: 400 });
  try {
    const [page, loaded] = await Promise.all([loadMarketPage(query.value), getDb().then(symbolsInDb)]);
    return json({ page, loaded, query: query.value });
  } catch (e) {
    const failure = marketFailure(e);
    if (!failure) throw e;
    if (failure.status === 503) console.error(`/market: ${failure.message}`);
    throw json({ message: failure.message }, { status: failure.status });
  }
}

function SymbolLink({ symbol, loaded }: { symbol: string; loaded: ReadonlySet<string> }) {
  return (
    <>
      <Link to={`/chart/${encodeURIComponent(symbol)}`}>{symbol}</Link>
      {loaded.has(symbol) ? null : (
        <>
          {" "}
          <span className="badge badge-not-loaded" title="Not in the database: its chart page says how to load it">
            not loaded
          </span>
        </>
      )}
    </>
  );
}

interface Column<T> {
  head: string;
  cell: (row: T) => React.ReactNode;
  numeric?: boolean;
}

function Table<T extends { symbol: string }>({
  id,
  title,
  rows,
  columns,
  loaded,
  empty,
}: {
  id: string;
  title: string;
  rows: T[];
  columns: Column<T>[];
  loaded: ReadonlySet<string>;
  empty: string;
}) {
  return (
    <section aria-labelledby={`${id}-title`} data-testid={id}>
      <h2 id={`${id}-title`}>{title}</h2>
      {rows.length === 0 ? (
        <p className="empty">{empty}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Symbol</th>
              {columns.map((c) => (
                <th key={c.head} scope="col" className={c.numeric ? "num" : undefined}>
                  {c.head}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.symbol}>
                <th scope="row">
                  <SymbolLink symbol={r.symbol} loaded={loaded} />
                </th>
                {columns.map((c) => (
                  <td key={c.head} className={c.numeric ? "num" : undefined}>
                    {c.cell(r)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

const pct = (n: number | null) => (n === null ? "–" : `${n.toFixed(1)}%`);

export default function MarketPage() {
  const { page, loaded: loadedList, query } = useLoaderData<typeof loader>();
  const loaded = useMemo(() => new Set(loadedList), [loadedList]);
  const figure = useMemo(() => breadthFigure(page.series), [page.series]);
  const s = page.snapshot;
  const b = s.breadth;
  const change = (m: { change_pct: number; previous_date: string }) => (
    <span className={m.change_pct >= 0 ? "up" : "down"} title={`against the close of ${m.previous_date}, split-adjusted`}>
      {fmtSigned(m.change_pct)}%
    </span>
  );
  const moverColumns = [
    { head: "Close", cell: (m: (typeof s.gainers)[number]) => fmtPrice(m.close), numeric: true },
    { head: "Change", cell: change, numeric: true },
  ];
  const extremeColumns = (what: string) => [
    { head: "Close", cell: (x: (typeof s.newHighs)[number]) => fmtPrice(x.close), numeric: true },
    { head: what, cell: (x: (typeof s.newHighs)[number]) => fmtPrice(x.price), numeric: true },
    { head: "Previous extreme", cell: (x: (typeof s.newHighs)[number]) => fmtPrice(x.previous), numeric: true },
  ];
  // The last year of sessions to pick from, and the one shown even when it is older.
  const recent = [...page.sessions].reverse().slice(0, 260);
  const sessions = recent.includes(s.date) ? recent : [...recent, s.date];
  return (
    <>
      <h1>Market on {s.date}</h1>
      <p className="as-traded">
        The whole market from the curated lake: changes against the previous close{s.previousSession ? ` (${s.previousSession})` : ""}, adjusted for splits; 52-week figures over
        the sessions since {s.windowStart}. Top {PAGE_LIMIT} of each list.
      </p>
      <Form method="get" className="toolbar">
        <div className="field">
          <label htmlFor="market-date">Session</label>
          <select id="market-date" name="date" defaultValue={s.date}>
            {sessions.map((d) => (
              <option key={d}>{d}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="market-min-price">Minimum price</label>
          <input id="market-min-price" name="min_price" inputMode="decimal" defaultValue={query.minPrice || ""} placeholder="0" />
        </div>
        <div className="field">
          <label htmlFor="market-min-dv">Minimum dollar volume</label>
          <input id="market-min-dv" name="min_dollar_volume" inputMode="decimal" defaultValue={query.minDollarVolume || ""} placeholder="0" />
        </div>
        <div className="field">
          <label htmlFor="market-otc">OTC tickers</label>
          <select id="market-otc" name="otc" defaultValue={query.includeOtc ? "include" : "exclude"}>
            <option value="include">Included</option>
            <option value="exclude">Excluded</option>
          </select>
        </div>
        <button type="submit">Apply</button>
      </Form>

      <dl className="stats" aria-label="Market breadth" data-testid="breadth">
        {[
          ["Tickers", fmtVolume(b.tickers), "tickers"],
          ["Advancers", fmtVolume(b.advancers), "advancers"],
          ["Decliners", fmtVolume(b.decliners), "decliners"],
          ["Unchanged", fmtVolume(b.unchanged), "unchanged"],
          ["No previous close", fmtVolume(b.noPrevious), "no-previous"],
          ["Above 50-day average", pct(b.above50Pct), "above50"],
          ["Above 200-day average", pct(b.above200Pct), "above200"],
        ].map(([label, value, id]) => (
          <div key={id}>
            <dt>{label}</dt>
            <dd data-testid={id}>{value}</dd>
          </div>
        ))}
      </dl>
      <Chart
        figure={figure}
        testId="breadth-chart"
        label={`Market breadth from ${page.series[0]?.date ?? s.date} to ${s.date}: advancers and decliners per session and the share of tickers above their 50- and 200-day averages`}
      />

      <div className="market-grid">
        <Table id="gainers" title="Top gainers" rows={s.gainers} columns={moverColumns} loaded={loaded} empty="No ticker rose (or no previous session is curated)." />
        <Table id="losers" title="Top losers" rows={s.losers} columns={moverColumns} loaded={loaded} empty="No ticker fell (or no previous session is curated)." />
        <Table
          id="most-active"
          title="Most active by dollar volume"
          rows={s.mostActive}
          columns={[
            { head: "Close", cell: (a) => fmtPrice(a.close), numeric: true },
            { head: "Dollar volume", cell: (a) => fmtVolume(Math.round(a.dollar_volume)), numeric: true },
          ]}
          loaded={loaded}
          empty="No ticker passes the filters."
        />
        <Table id="new-highs" title="New 52-week highs" rows={s.newHighs} columns={extremeColumns("High")} loaded={loaded} empty="No new 52-week high." />
        <Table id="new-lows" title="New 52-week lows" rows={s.newLows} columns={extremeColumns("Low")} loaded={loaded} empty="No new 52-week low." />
      </div>
    </>
  );
}
