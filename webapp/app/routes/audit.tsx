import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { isValidSymbol } from "@stock-market/pipeline/model/daily-price";
import { CsrfInput } from "~/components/csrf";
import { RecordCard } from "~/components/record-card";
import { getDb } from "~/db.server";
import { formText } from "~/form.server";
import { fmtPrice, fmtTime, fmtVolume } from "~/lib/format";
import { MAX_PAGE } from "~/lib/records-query";
import { AUDIT_PAGE_SIZE, auditPage } from "~/models/audit.server";
import { undoChange, type RecordRow } from "~/models/records.server";
import { useRootData } from "~/root";
import { redirectWithNotice, requireEditorWrite, requireReader } from "~/session.server";

export const meta: MetaFunction = () => [{ title: "Audit trail" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireReader(request);
  const params = new URL(request.url).searchParams;
  const symbol = params.get("symbol") ?? "";
  const asked = Number(params.get("page") || "1");
  const page = Number.isInteger(asked) && asked >= 1 && asked <= MAX_PAGE ? asked : 1;
  const { rows, total } = await auditPage(await getDb(), { symbol: isValidSymbol(symbol) ? symbol : undefined, page });
  return json({ rows, total, page, symbol, pageSize: AUDIT_PAGE_SIZE });
}

export async function action({ request }: ActionFunctionArgs) {
  const { user, session, form } = await requireEditorWrite(request);
  const id = formText(form, "id");
  const r = await undoChange(await getDb(), user, id);
  if (r.ok) {
    return redirectWithNotice(session, "/audit", `Undid the change to ${r.entry.symbol} ${r.entry.date}.`);
  }
  if (r.reason === "conflict") {
    return json(
      { id, message: "The record changed again after this change, so undoing it would throw away the newer change. Nothing was changed. What is stored now:", current: r.current },
      { status: 409 },
    );
  }
  return json({ id, message: r.reason === "already-undone" ? "This change was already undone." : "There is no such change to undo.", current: null }, { status: 409 });
}

const FIELDS = ["open", "high", "low", "close", "volume"] as const;

function Diff({ before, after }: { before: RecordRow | null; after: RecordRow | null }) {
  const state = (r: RecordRow | null) => (r === null ? "no record" : r.deleted ? "deleted" : null);
  const fmt = (f: (typeof FIELDS)[number], r: RecordRow) => (f === "volume" ? fmtVolume(r.volume) : fmtPrice(r[f]));
  if (!before || !after || before.deleted || after.deleted) {
    return (
      <span className="diff">
        {before && !before.deleted ? FIELDS.map((f) => `${f} ${fmt(f, before)}`).join(", ") : state(before)} →{" "}
        {after && !after.deleted ? FIELDS.map((f) => `${f} ${fmt(f, after)}`).join(", ") : state(after)}
      </span>
    );
  }
  const changed = FIELDS.filter((f) => before[f] !== after[f]);
  return (
    <span className="diff">
      {changed.length === 0
        ? "values unchanged"
        : changed.map((f, i) => (
            <span key={f}>
              {i > 0 ? "; " : ""}
              {f} <del>{fmt(f, before)}</del> → <ins>{fmt(f, after)}</ins>
            </span>
          ))}
      {before.source !== after.source ? ` (source ${before.source} → ${after.source})` : ""}
    </span>
  );
}

export default function AuditPage() {
  const { rows, total, page, symbol, pageSize } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const { user } = useRootData();
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const q = (p: number) => `?${new URLSearchParams({ ...(symbol ? { symbol } : {}), page: String(p) })}`;
  return (
    <>
      <h1>Audit trail{symbol ? ` of ${symbol}` : ""}</h1>
      <p>Every change a person made to a record: who, when, the values before and after. Undo puts one record back as it was before that change, if nothing changed it since.</p>
      {data?.message ? (
        <div className="alert" role="alert">
          <p>{data.message}</p>
          {data.current ? <RecordCard row={data.current} /> : null}
        </div>
      ) : null}
      {rows.length === 0 ? (
        <p className="empty" role="status">
          No changes recorded yet.
        </p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>When</th>
              <th>Who</th>
              <th>Action</th>
              <th>Record</th>
              <th>Before → after</th>
              <th>Undo</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => (
              <tr key={e.id} data-testid={`audit-${e.id}`}>
                <td>{fmtTime(e.at)}</td>
                <td>{e.by}</td>
                <td>{e.action}</td>
                <td>
                  <Link to={`/records?symbol=${encodeURIComponent(e.symbol)}&from=${e.date}&to=${e.date}`}>
                    {e.symbol} {e.date}
                  </Link>
                </td>
                <td>
                  <Diff before={e.before} after={e.after} />
                </td>
                <td>
                  {e.action === "undo" ? (
                    "—"
                  ) : e.undoneBy ? (
                    <span className="badge">undone {fmtTime(e.undoneAt)}</span>
                  ) : user ? (
                    <Form method="post">
                      <CsrfInput />
                      <input type="hidden" name="id" value={e.id} />
                      <button type="submit" aria-label={`Undo the ${e.action} of ${e.symbol} ${e.date} at ${fmtTime(e.at)}`}>
                        Undo
                      </button>
                    </Form>
                  ) : (
                    ""
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav className="pager" aria-label="Pages">
        {page > 1 ? <Link to={q(page - 1)}>← Newer</Link> : null}
        <span>
          Page {page} of {pages} ({total} change{total === 1 ? "" : "s"})
        </span>
        {page < pages ? <Link to={q(page + 1)}>Older →</Link> : null}
      </nav>
    </>
  );
}
