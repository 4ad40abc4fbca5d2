import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { todayInNewYork } from "@stock-market/pipeline/calendar/nyse";
import { AsTradedNote } from "~/components/as-traded-note";
import { CsrfInput } from "~/components/csrf";
import { ErrorSummary, Field, ValueFields } from "~/components/record-fields";
import { getDb } from "~/db.server";
import { parseRecordForm, type FieldErrors, type RecordFormValues } from "~/lib/record-form";
import { createRecord } from "~/models/records.server";
import { symbolsInDb } from "~/models/symbols.server";
import { redirectWithNotice, requireEditorPage, requireEditorWrite } from "~/session.server";

export const meta: MetaFunction = () => [{ title: "New record" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireEditorPage(request);
  const symbol = new URL(request.url).searchParams.get("symbol") ?? "";
  return json({ symbols: await symbolsInDb(await getDb()), symbol, today: todayInNewYork() });
}

type ActionData = { errors: FieldErrors; input: RecordFormValues; existing?: string };

export async function action({ request }: ActionFunctionArgs) {
  const { user, session, form } = await requireEditorWrite(request);
  const parsed = parseRecordForm(form, todayInNewYork());
  if (!parsed.ok) return json<ActionData>({ errors: parsed.errors, input: parsed.input }, { status: 400 });
  const { symbol, date } = parsed;
  const r = await createRecord(await getDb(), { by: user, symbol, date, values: parsed.values });
  if (!r.ok) {
    if (r.reason !== "duplicate") throw new Error(`unexpected create result ${r.reason}`);
    return json<ActionData>(
      {
        errors: { date: `A record for ${symbol} on ${date} already exists: edit it instead of creating a second one` },
        input: parsed.input,
        existing: `/records/${encodeURIComponent(symbol)}/${date}`,
      },
      { status: 400 },
    );
  }
  return redirectWithNotice(session, `/records?symbol=${encodeURIComponent(symbol)}`, `Created ${symbol} ${date} (marked as a manual record).`);
}

export default function NewRecord() {
  const { symbols, symbol, today } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const errors = data?.errors ?? {};
  const input: Partial<RecordFormValues> = data?.input ?? { symbol };
  return (
    <>
      <h1>New record</h1>
      <p>
        Values you enter are marked <span className="badge badge-manual">manual</span>: later pipeline runs leave them alone. The date must be a NYSE trading day, not after today (
        {today} in New York).
      </p>
      <AsTradedNote editing />
      <ErrorSummary errors={errors} />
      {data?.existing ? (
        <p>
          <Link to={data.existing}>Edit the existing record</Link>
        </p>
      ) : null}
      <Form method="post" noValidate aria-label="New record">
        <CsrfInput />
        <div className="form-grid">
          <Field name="symbol" defaultValue={input.symbol ?? ""} error={errors.symbol} list="known-symbols" />
          <datalist id="known-symbols">
            {symbols.map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
          <Field name="date" type="date" defaultValue={input.date ?? ""} error={errors.date} />
          <ValueFields values={input} errors={errors} />
        </div>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Create record
          </button>
          <Link to="/records">Cancel</Link>
        </div>
      </Form>
    </>
  );
}
