import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { todayInNewYork } from "@stock-market/pipeline/calendar/nyse";
import { AsTradedNote } from "~/components/as-traded-note";
import { CsrfInput } from "~/components/csrf";
import { RecordCard } from "~/components/record-card";
import { ErrorSummary, Field, ValueFields } from "~/components/record-fields";
import { getDb } from "~/db.server";
import { fmtTime } from "~/lib/format";
import { parseRecordForm, type FieldErrors, type RecordFormValues } from "~/lib/record-form";
import { requireRecord } from "~/models/record-page.server";
import { editRecord, parseSeenUpdatedAt, type RecordRow } from "~/models/records.server";
import { redirectWithNotice, requireEditorPage, requireEditorWrite } from "~/session.server";

export const meta: MetaFunction = ({ params }) => [{ title: `Edit ${params.symbol} ${params.date}` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireEditorPage(request);
  return json({ row: await requireRecord(params) });
}

type ActionData = { errors: FieldErrors; input: RecordFormValues; conflict?: RecordRow; message?: string };

export async function action({ request, params }: ActionFunctionArgs) {
  const { user, session, form } = await requireEditorWrite(request);
  const { symbol, date } = await requireRecord(params);
  const seen = parseSeenUpdatedAt(form.get("updatedAt"));
  if (!seen) throw json({ message: "The form did not say which version of the record it edits (updatedAt): reload the page." }, { status: 400 });
  const parsed = parseRecordForm(form, todayInNewYork(), { symbol, date });
  if (!parsed.ok) return json<ActionData>({ errors: parsed.errors, input: parsed.input }, { status: 400 });
  const r = await editRecord(await getDb(), { by: user, symbol, date, values: parsed.values, seenUpdatedAt: seen });
  if (!r.ok) {
    if (r.reason === "conflict") {
      return json<ActionData>(
        {
          errors: {},
          input: parsed.input,
          conflict: r.current,
          message: `This record was changed by ${r.current.updatedBy ?? "the pipeline"} at ${fmtTime(r.current.updatedAt)}, after you opened it. Your values were not saved. The newer values are shown below; save again to replace them with yours.`,
        },
        { status: 409 },
      );
    }
    throw json({ message: `There is no record for ${symbol} on ${date} any more (it was deleted).` }, { status: 404 });
  }
  return redirectWithNotice(session, `/records?symbol=${encodeURIComponent(symbol)}`, `Saved ${symbol} ${date} (marked as a manual edit).`);
}

export default function EditRecord() {
  const { row } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const errors = data?.errors ?? {};
  const values: Partial<RecordFormValues> = data?.input ?? {
    open: String(row.open),
    high: String(row.high),
    low: String(row.low),
    close: String(row.close),
    volume: String(row.volume),
  };
  // After a conflict the form edits the newer version: saving again is a deliberate overwrite.
  const version = data?.conflict?.updatedAt ?? row.updatedAt;
  return (
    <>
      <h1>
        Edit {row.symbol} {row.date}
      </h1>
      <AsTradedNote editing />
      <RecordCard row={data?.conflict ?? row} testId={data?.conflict ? "newer-values" : "current-values"} />
      <ErrorSummary errors={errors} message={data?.message} />
      <Form method="post" noValidate aria-label={`Edit ${row.symbol} ${row.date}`}>
        <CsrfInput />
        <input type="hidden" name="updatedAt" value={version} />
        <div className="form-grid">
          <Field name="symbol" defaultValue={row.symbol} readOnly />
          <Field name="date" defaultValue={row.date} readOnly />
          <ValueFields values={values} errors={errors} />
        </div>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Save
          </button>
          <Link to={`/records?symbol=${encodeURIComponent(row.symbol)}`}>Cancel</Link>
          <Link to={`/records/${encodeURIComponent(row.symbol)}/${row.date}/delete`}>Delete…</Link>
        </div>
      </Form>
    </>
  );
}
