import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { CsrfInput } from "~/components/csrf";
import { RecordCard } from "~/components/record-card";
import { getDb } from "~/db.server";
import { fmtTime } from "~/lib/format";
import { requireRecord } from "~/models/record-page.server";
import { deleteRecord, parseSeenUpdatedAt } from "~/models/records.server";
import { redirectWithNotice, requireEditorPage, requireEditorWrite } from "~/session.server";

export const meta: MetaFunction = ({ params }) => [{ title: `Delete ${params.symbol} ${params.date}?` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireEditorPage(request);
  return json({ row: await requireRecord(params) });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { user, session, form } = await requireEditorWrite(request);
  const { symbol, date } = await requireRecord(params);
  const seen = parseSeenUpdatedAt(form.get("updatedAt"));
  if (!seen) throw json({ message: "The form did not say which version of the record it deletes (updatedAt): reload the page." }, { status: 400 });
  const r = await deleteRecord(await getDb(), { by: user, symbol, date, seenUpdatedAt: seen });
  if (!r.ok) {
    if (r.reason === "conflict") {
      return json(
        {
          conflict: r.current,
          message: `This record was changed by ${r.current.updatedBy ?? "the pipeline"} at ${fmtTime(r.current.updatedAt)}, after you opened it, so it was not deleted. Check the newer values below and confirm again.`,
        },
        { status: 409 },
      );
    }
    throw json({ message: `There is no record for ${symbol} on ${date} any more.` }, { status: 404 });
  }
  return redirectWithNotice(
    session,
    `/records?symbol=${encodeURIComponent(symbol)}`,
    `Deleted ${symbol} ${date}. The pipeline will not bring it back; undo it from the audit trail.`,
  );
}

export default function DeleteRecord() {
  const { row } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const shown = data?.conflict ?? row;
  return (
    <>
      <h1>
        Delete {row.symbol} {row.date}?
      </h1>
      {data?.message ? (
        <p className="alert" role="alert">
          {data.message}
        </p>
      ) : null}
      <RecordCard row={shown} />
      <p>The record disappears from charts and the table, and later pipeline runs will not recreate it. The audit trail keeps it, and its undo brings it back.</p>
      <Form method="post" aria-label={`Confirm deleting ${row.symbol} ${row.date}`}>
        <CsrfInput />
        <input type="hidden" name="updatedAt" value={shown.updatedAt} />
        <div className="actions">
          <button type="submit" className="danger">
            Yes, delete {row.symbol} {row.date}
          </button>
          <Link to={`/records?symbol=${encodeURIComponent(row.symbol)}`}>No, keep it</Link>
        </div>
      </Form>
    </>
  );
}
