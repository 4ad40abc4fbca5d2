import { useEffect, useRef } from "react";
import { label, VALUE_FIELDS, type FieldErrors, type RecordField } from "~/lib/record-form";

/** One labelled input with its error announced and tied to it (aria-describedby). */
export function Field({
  name,
  type = "text",
  defaultValue,
  error,
  readOnly,
  list,
  inputMode,
}: {
  name: RecordField;
  type?: string;
  defaultValue: string;
  error?: string | undefined;
  readOnly?: boolean;
  list?: string;
  inputMode?: "decimal" | "numeric";
}) {
  const id = `field-${name}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label(name)}</label>
      <input
        id={id}
        name={name}
        type={type}
        defaultValue={defaultValue}
        readOnly={readOnly}
        list={list}
        inputMode={inputMode}
        required
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        autoComplete="off"
      />
      {error ? (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** Open, High, Low, Close, Volume. */
export function ValueFields({ values, errors }: { values: Partial<Record<RecordField, string>>; errors: FieldErrors }) {
  return (
    <>
      {VALUE_FIELDS.map((f) => (
        <Field key={f} name={f} defaultValue={values[f] ?? ""} error={errors[f]} inputMode="decimal" />
      ))}
    </>
  );
}

/**
 * Announces a form's errors (role=alert) so a screen reader hears them after
 * submit, and takes the focus: a keyboard user lands on the list of problems,
 * whose links lead to each field, instead of on the submit button it left.
 */
export function ErrorSummary({ errors, message }: { errors: FieldErrors; message?: string | null }) {
  const list = Object.entries(errors);
  const ref = useRef<HTMLDivElement>(null);
  const key = `${message ?? ""}|${list.map(([f, m]) => `${f}:${m}`).join("|")}`;
  useEffect(() => {
    ref.current?.focus();
  }, [key]);
  if (list.length === 0 && !message) return null;
  return (
    <div className="alert" role="alert" tabIndex={-1} ref={ref} data-testid="error-summary">
      {message ? <p>{message}</p> : <p>Please correct {list.length === 1 ? "this field" : `these ${list.length} fields`}:</p>}
      {list.length > 0 ? (
        <ul>
          {list.map(([f, m]) => (
            <li key={f}>
              <a href={`#field-${f}`}>{m}</a>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
