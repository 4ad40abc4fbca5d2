import { Form, useSearchParams, useSubmit } from "@remix-run/react";
import type { Adjustment } from "@stock-market/pipeline/model/adjust";
import { BASIS_CHOICES, BASIS_LABELS } from "~/lib/chart-data";

/**
 * The price basis of a chart view (`adjustment` in the URL). Everything else
 * in the URL (range, moving averages, From/To, symbols) rides along as hidden
 * fields, so switching the basis changes nothing else. Submits on change;
 * without JavaScript, a Show button does.
 */
export function BasisSelector({ id, current, hint }: { id: string; current: Adjustment; hint?: string }) {
  const [params] = useSearchParams();
  const submit = useSubmit();
  const kept = [...params].filter(([k]) => k !== "adjustment");
  return (
    <Form method="get" className="field basis" key={params.toString()} onChange={(e) => submit(e.currentTarget, { preventScrollReset: true })}>
      {kept.map(([k, v], i) => (
        <input key={`${k}-${i}`} type="hidden" name={k} value={v} />
      ))}
      <label htmlFor={id}>Price basis</label>
      <span>
        <select id={id} name="adjustment" defaultValue={current} aria-describedby={hint ? `${id}-hint` : undefined}>
          {BASIS_CHOICES.map((a) => (
            <option key={a} value={a}>
              {BASIS_LABELS[a]}
            </option>
          ))}
        </select>{" "}
        <noscript>
          <button type="submit">Show</button>
        </noscript>
      </span>
      {hint ? (
        <small className="hint" id={`${id}-hint`}>
          {hint}
        </small>
      ) : null}
    </Form>
  );
}
