import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { NoDataYet } from "~/components/empty-state";
import { getDb } from "~/db.server";
import { fmtTime, fmtVolume } from "~/lib/format";
import { dataHealth } from "~/models/health.server";
import { requireReader } from "~/session.server";

export const meta: MetaFunction = () => [{ title: "Data health" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireReader(request);
  return json(await dataHealth(await getDb()));
}

const OUTCOME_CLASS: Record<string, string> = { success: "badge-ok", "market-closed": "badge-ok", failed: "badge-bad", "rejected-records": "badge-synthetic", running: "" };

export default function HealthPage() {
  const h = useLoaderData<typeof loader>();
  const behind = h.symbols.filter((s) => s.behind > 0).length;
  const withActions = h.symbols.filter((s) => s.actionCount > 0);
  return (
    <>
      <h1>Data health</h1>
      <dl className="stats">
        <div>
          <dt>Latest completed NYSE session</dt>
          <dd>{h.latestCompletedSession}</dd>
        </div>
        <div>
          <dt>Symbols up to date</dt>
          <dd className={behind ? "down" : "up"} data-testid="fresh-count">
            {h.symbols.length - behind} of {h.symbols.length}
          </dd>
        </div>
        <div>
          <dt>Last successful run</dt>
          <dd>{fmtTime(h.lastSuccessAt)}</dd>
        </div>
        <div>
          <dt>Feeds</dt>
          <dd>
            {h.feeds.length === 0
              ? "–"
              : h.feeds.map((f) => (
                  <span key={f} className={`badge${f === "synthetic" ? " badge-synthetic" : ""}`}>
                    {f}
                  </span>
                ))}
          </dd>
        </div>
      </dl>
      {h.feeds.includes("synthetic") ? <p className="warning">The database holds synthetic records from the offline source: made-up prices, not market data.</p> : null}

      {h.oldBasis.symbols.length > 0 ? (
        <section className="warning" aria-labelledby="old-basis-heading" data-testid="old-basis">
          <h2 id="old-basis-heading">Records on the old, split-adjusted basis</h2>
          <p>
            These records were fetched split-adjusted as of the day they were fetched, before prices were stored as traded: a later split makes them wrong. Re-fetch them as traded
            with one command (see docs/migration-as-traded.md):
          </p>
          <pre>
            <code>{h.oldBasis.command}</code>
          </pre>
          <ul>
            {h.oldBasis.symbols.map((s) => (
              <li key={s.symbol}>
                {s.symbol}: {s.records} record(s), {s.from} to {s.to}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {h.oldBasis.manual.length > 0 ? (
        <p className="warning" data-testid="old-basis-manual">
          Edited by hand before prices were stored as traded (check that these values are as traded; the pipeline does not rewrite them):{" "}
          {h.oldBasis.manual.map((s) => `${s.symbol} (${s.records} record(s), ${s.from} to ${s.to})`).join(", ")}
        </p>
      ) : null}

      <CuratedCoverage h={h} />

      <h2 id="coverage-heading">Coverage per symbol</h2>
      {h.symbols.length === 0 ? (
        <NoDataYet />
      ) : (
        <table aria-labelledby="coverage-heading">
          <thead>
            <tr>
              <th>Symbol</th>
              <th className="num">Records</th>
              <th>First</th>
              <th>Last</th>
              <th>Gaps (trading days without a record)</th>
              <th>Freshness</th>
            </tr>
          </thead>
          <tbody>
            {h.symbols.map((s) => (
              <tr key={s.symbol} data-testid={`coverage-${s.symbol}`}>
                <td>
                  <Link to={`/chart/${encodeURIComponent(s.symbol)}`}>{s.symbol}</Link>
                </td>
                <td className="num">{fmtVolume(s.records)}</td>
                <td>{s.first ?? "–"}</td>
                <td>{s.last ?? "–"}</td>
                <td className={s.gapCount ? "gaps" : undefined}>
                  {s.gapCount === 0 ? (
                    "none"
                  ) : (
                    <>
                      <strong>{s.gapCount}</strong>: {s.gaps.join(", ")}
                      {s.gapCount > s.gaps.length ? ", …" : ""}
                    </>
                  )}
                </td>
                <td>
                  {s.behind === 0 ? (
                    <span className="badge badge-ok">up to date</span>
                  ) : (
                    <span className="badge badge-bad">
                      {s.behind} session{s.behind === 1 ? "" : "s"} behind
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2 id="actions-heading">Corporate actions per symbol</h2>
      <p>
        Splits and cash dividends as stored, with the lake object each came from. Prices are stored as traded; the charts apply these on read. An announced action is dated after
        the symbol's latest session and is not applied before it happens.
      </p>
      {withActions.length === 0 ? (
        <p className="empty">No splits or dividends stored for these symbols.</p>
      ) : (
        <table aria-labelledby="actions-heading">
          <thead>
            <tr>
              <th>Symbol</th>
              <th>Kind</th>
              <th>Date</th>
              <th>Ratio / cash</th>
              <th>Status</th>
              <th>From lake object</th>
            </tr>
          </thead>
          <tbody>
            {withActions.flatMap((s) => [
              ...(s.actionCount > s.actions.length
                ? [
                    <tr key={`${s.symbol}-earlier`}>
                      <td>{s.symbol}</td>
                      <td colSpan={5}>
                        <small>
                          {s.actionCount - s.actions.length} earlier action{s.actionCount - s.actions.length === 1 ? "" : "s"} not listed (the latest {s.actions.length} are):{" "}
                          <a href={`/api/v1/corporate-actions/${encodeURIComponent(s.symbol)}`}>all of them as JSON</a>
                        </small>
                      </td>
                    </tr>,
                  ]
                : []),
              ...s.actions.map((a) => (
                <tr key={`${s.symbol}-${a.kind}-${a.id}`} data-testid={`action-${s.symbol}-${a.id}`}>
                  <td>
                    <Link to={`/chart/${encodeURIComponent(s.symbol)}`}>{s.symbol}</Link>
                  </td>
                  <td>{a.kind === "split" ? "Split" : "Dividend"}</td>
                  <td>{a.date}</td>
                  <td>{a.what}</td>
                  <td>{a.status === "applied" ? <span className="badge badge-ok">applied</span> : <span className="badge">announced</span>}</td>
                  <td>
                    <code>{a.lakeObject}</code>
                  </td>
                </tr>
              )),
            ])}
          </tbody>
        </table>
      )}

      <h2 id="runs-heading">Recent pipeline runs</h2>
      {h.runs.length === 0 ? (
        <p className="empty">No pipeline runs recorded yet.</p>
      ) : (
        <table aria-labelledby="runs-heading">
          <thead>
            <tr>
              <th>Started</th>
              <th>Command</th>
              <th>Outcome</th>
              <th className="num">Rows</th>
              <th className="num">Inserted</th>
              <th className="num">Updated</th>
              <th className="num">Unchanged</th>
              <th className="num">Rejected</th>
              <th className="num">Kept manual</th>
              <th className="num">API calls</th>
              <th className="num">Took</th>
              <th>Message / error</th>
            </tr>
          </thead>
          <tbody>
            {h.runs.map((r) => (
              <tr key={r.id}>
                <td>{fmtTime(r.startedAt)}</td>
                <td>
                  {r.command} <small>{r.args}</small>
                </td>
                <td>
                  <span className={`badge ${OUTCOME_CLASS[r.outcome] ?? ""}`}>{r.outcome}</span>
                </td>
                <td className="num">{fmtVolume(r.counts.rows)}</td>
                <td className="num">{fmtVolume(r.counts.inserted)}</td>
                <td className="num">{fmtVolume(r.counts.updated)}</td>
                <td className="num">{fmtVolume(r.counts.unchanged)}</td>
                <td className="num">{fmtVolume(r.counts.rejected)}</td>
                <td className="num">{fmtVolume(r.counts.protectedManual)}</td>
                <td className="num">{r.apiRequests}</td>
                <td className="num">{r.durationMs === null ? "–" : `${(r.durationMs / 1000).toFixed(1)} s`}</td>
                <td className={r.error ? "gaps" : undefined}>{r.error ?? r.message ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** The curated Parquet layer (every ticker of each session) beside MongoDB's records (decision 080). */
function CuratedCoverage({ h }: { h: ReturnType<typeof useLoaderData<typeof loader>> }) {
  const c = h.curated;
  const records = h.symbols.reduce((n, s) => n + s.records, 0);
  return (
    <section aria-labelledby="curated-heading" data-testid="curated-coverage">
      <h2 id="curated-heading">Curated layer beside MongoDB</h2>
      <table aria-labelledby="curated-heading">
        <thead>
          <tr>
            <th>Store</th>
            <th className="num">Sessions</th>
            <th className="num">Rows</th>
            <th>First</th>
            <th>Last</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td>MongoDB (watchlist, {h.symbols.length} symbols)</td>
            <td className="num">–</td>
            <td className="num">{fmtVolume(records)}</td>
            <td>{h.symbols.reduce<string | null>((m, s) => (s.first !== null && (m === null || s.first < m) ? s.first : m), null) ?? "–"}</td>
            <td>{h.symbols.reduce<string | null>((m, s) => (s.last !== null && (m === null || s.last > m) ? s.last : m), null) ?? "–"}</td>
          </tr>
          <tr data-testid="curated-row">
            <td>Curated Parquet (every ticker), {c.lake}</td>
            <td className="num">{fmtVolume(c.sessions)}</td>
            <td className="num">{c.rows === null ? "not counted (gs:// lake)" : fmtVolume(c.rows)}</td>
            <td>{c.first ?? "–"}</td>
            <td>{c.last ?? "–"}</td>
          </tr>
        </tbody>
      </table>
      {c.gapCount > 0 ? (
        <p className="warning">
          {c.gapCount} session(s) between the first and the last have no curated partition: {c.gaps.join(", ")}
          {c.gapCount > c.gaps.length ? ", …" : ""}. <code>stock-pipeline curate --from D1 --to D2</code> writes them from the lake.
        </p>
      ) : null}
      {c.error ? <p className="warning">The curated layer cannot be listed: {c.error}</p> : null}
      {c.unreadable.map((u) => (
        <p key={u.key} className="warning" data-testid="curated-unreadable">
          {u.message}
        </p>
      ))}
    </section>
  );
}
