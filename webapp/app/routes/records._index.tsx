import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { AsTradedNote } from "~/components/as-traded-note";
import { getDb } from "~/db.server";
import { fmtPrice, fmtTime, fmtVolume } from "~/lib/format";
import { PAGE_SIZES, parseRecordsQuery, recordsSearch, type RecordsQuery, type SortField } from "~/lib/records-query";
import { recordsPage, type RecordRow } from "~/models/records.server";
import { symbolsInDb } from "~/models/symbols.server";
import { useRootData } from "~/root";
import { requireReader } from "~/session.server";

export const meta: MetaFunction = () => [{ title: "Records" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireReader(request);
  const db = await getDb();
  const { query, problems } = parseRecordsQuery(new URL(request.url).searchParams);
  const [{ rows, total }, symbols] = await Promise.all([recordsPage(db, query), symbolsInDb(db)]);
  return json({ query, problems, rows, total, symbols });
}

const COLUMNS: { key: keyof RecordRow; label: string; sort?: SortField; num?: boolean }[] = [
  { key: "symbol", label: "Symbol", sort: "symbol" },
  { key: "date", label: "Date", sort: "date" },
  { key: "open", label: "Open", num: true },
  { key: "high", label: "High", num: true },
  { key: "low", label: "Low", num: true },
  { key: "close", label: "Close", sort: "close", num: true },
  { key: "volume", label: "Volume", sort: "volume", num: true },
  { key: "source", label: "Source" },
  { key: "updatedAt", label: "Last change", sort: "updatedAt" },
];

function SortHeader({ q, col }: { q: RecordsQuery; col: (typeof COLUMNS)[number] }) {
  if (!col.sort) return <th className={col.num ? "num" : undefined}>{col.label}</th>;
  const active = q.sort === col.sort;
  const nextDir = active && q.dir === "desc" ? "asc" : "desc";
  return (
    <th className={col.num ? "num" : undefined} aria-sort={active ? (q.dir === "asc" ? "ascending" : "descending") : "none"}>
      <Link to={recordsSearch(q, { sort: col.sort, dir: nextDir, page: 1 })}>
        {col.label} {active ? (q.dir === "asc" ? "▲" : "▼") : ""}
      </Link>
    </th>
  );
}

export default function RecordsPage() {
  const { query: q, problems, rows, total, symbols } = useLoaderData<typeof loader>();
  const { user } = useRootData();
  const pages = Math.max(1, Math.ceil(total / q.size));
  const exportHref = `/records.csv${recordsSearch(q, { page: 1, size: 50 })}`;
  return (
    <>
      <h1>Records</h1>
      <AsTradedNote />
      <Form method="get" className="toolbar" aria-label="Filters">
        <div className="field">
          <label htmlFor="f-symbol">Symbol</label>
          <select id="f-symbol" name="symbol" defaultValue={q.symbol ?? ""}>
            <option value="">All symbols</option>
            {symbols.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-from">From</label>
          <input id="f-from" type="date" name="from" defaultValue={q.from ?? ""} />
        </div>
        <div className="field">
          <label htmlFor="f-to">To</label>
          <input id="f-to" type="date" name="to" defaultValue={q.to ?? ""} />
        </div>
        <div className="field">
          <label htmlFor="f-source">Source</label>
          <select id="f-source" name="source" defaultValue={q.source ?? ""}>
            <option value="">Any source</option>
            <option value="pipeline">Pipeline</option>
            <option value="manual">Manual edit</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-size">Rows per page</label>
          <select id="f-size" name="size" defaultValue={String(q.size)}>
            {PAGE_SIZES.map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>
        </div>
        {q.sort !== "date" ? <input type="hidden" name="sort" value={q.sort} /> : null}
        {q.dir !== "desc" ? <input type="hidden" name="dir" value={q.dir} /> : null}
        <button type="submit" className="primary">
          Filter
        </button>
        <Link to="/records">Clear filters</Link>
      </Form>
      {problems.length > 0 ? (
        <p className="alert" role="alert">
          Ignored: {problems.join("; ")}.
        </p>
      ) : null}
      <div className="pager">
        <span data-testid="records-total">
          {fmtVolume(total)} record{total === 1 ? "" : "s"}
        </span>
        <a href={exportHref} className="button" download>
          Export CSV
        </a>
        {user ? (
          <Link to={`/records/new${q.symbol ? `?symbol=${encodeURIComponent(q.symbol)}` : ""}`} className="button primary">
            New record
          </Link>
        ) : (
          <span>
            <Link to="/login?redirectTo=/records">Sign in</Link> to add or change records.
          </span>
        )}
      </div>
      {rows.length === 0 ? (
        <p className="empty" role="status">
          No records match these filters.
        </p>
      ) : (
        <table>
          <caption className="visually-hidden">
            Daily prices, page {q.page} of {pages}
          </caption>
          <thead>
            <tr>
              {COLUMNS.map((c) => (
                <SortHeader key={c.key} q={q} col={c} />
              ))}
              {user ? <th>Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.symbol}/${r.date}`} className={r.source === "manual" ? "manual" : undefined} data-testid={`row-${r.symbol}-${r.date}`}>
                <td>
                  <Link to={`/chart/${encodeURIComponent(r.symbol)}`}>{r.symbol}</Link>
                </td>
                <td>{r.date}</td>
                <td className="num">{fmtPrice(r.open)}</td>
                <td className="num">{fmtPrice(r.high)}</td>
                <td className="num">{fmtPrice(r.low)}</td>
                <td className="num">{fmtPrice(r.close)}</td>
                <td className="num">{fmtVolume(r.volume)}</td>
                <td>
                  {r.source === "manual" ? (
                    <span className="badge badge-manual" title={`Edited by ${r.updatedBy ?? "a person"}; the pipeline leaves it alone`}>
                      manual{r.updatedBy ? ` · ${r.updatedBy}` : ""}
                    </span>
                  ) : (
                    <span className={`badge${r.feed === "synthetic" ? " badge-synthetic" : ""}`}>{r.feed ?? "pipeline"}</span>
                  )}
                </td>
                <td>{fmtTime(r.updatedAt)}</td>
                {user ? (
                  <td>
                    <Link to={`/records/${encodeURIComponent(r.symbol)}/${r.date}`} aria-label={`Edit ${r.symbol} ${r.date}`}>
                      Edit
                    </Link>{" "}
                    <Link to={`/records/${encodeURIComponent(r.symbol)}/${r.date}/delete`} aria-label={`Delete ${r.symbol} ${r.date}`}>
                      Delete
                    </Link>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav className="pager" aria-label="Pages">
        {q.page > 1 ? <Link to={recordsSearch(q, { page: q.page - 1 })}>← Previous</Link> : <span aria-hidden="true">← Previous</span>}
        <span>
          Page {q.page} of {pages}
        </span>
        {q.page < pages ? <Link to={recordsSearch(q, { page: q.page + 1 })}>Next →</Link> : <span aria-hidden="true">Next →</span>}
      </nav>
    </>
  );
}
