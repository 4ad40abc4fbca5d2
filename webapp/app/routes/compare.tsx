import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSubmit } from "@remix-run/react";
import { useMemo } from "react";
import { BasisSelector } from "~/components/basis-selector";
import { Chart } from "~/components/chart";
import { RangePresets } from "~/components/range-presets";
import { NoDataYet } from "~/components/empty-state";
import { getDb } from "~/db.server";
import { adjustmentParam, BASIS_HINTS, BASIS_LABELS, DEFAULT_COMPARE_ADJUSTMENT, rangeParam } from "~/lib/chart-data";
import { comparisonFigure } from "~/lib/figures";
import { fmtSigned } from "~/lib/format";
import { loadComparison } from "~/models/chart.server";
import { symbolsInDb } from "~/models/symbols.server";
import { requireReader } from "~/session.server";

export const meta: MetaFunction = () => [{ title: "Compare · Charts" }];

const MAX_SYMBOLS = 8;

export async function loader({ request }: LoaderFunctionArgs) {
  await requireReader(request);
  const db = await getDb();
  const params = new URL(request.url).searchParams;
  const all = await symbolsInDb(db);
  const asked = params.getAll("symbols").flatMap((s) => s.split(","));
  let chosen = [...new Set(asked)].filter((s) => all.includes(s)).slice(0, MAX_SYMBOLS);
  if (chosen.length === 0) chosen = all.slice(0, 3);
  const range = rangeParam(params);
  const adjustment = adjustmentParam(params, DEFAULT_COMPARE_ADJUSTMENT);
  const result = await loadComparison(db, chosen, range, adjustment);
  return json({ all, chosen, range, adjustment, ...result });
}

export default function ComparePage() {
  const { all, chosen, range, adjustment, series, from, to } = useLoaderData<typeof loader>();
  const submit = useSubmit();
  const figure = useMemo(() => comparisonFigure(series), [series]);
  if (all.length === 0) {
    return (
      <>
        <h1>Compare</h1>
        <NoDataYet />
      </>
    );
  }
  const synthetic = series.some((s) => s.synthetic);
  // The basis rides along in the presets and the symbol form when it is not the default.
  const basis: [string, string][] = adjustment === DEFAULT_COMPARE_ADJUSTMENT ? [] : [["adjustment", adjustment]];
  const href = (r: string) => `?${new URLSearchParams([...chosen.map((s) => ["symbols", s]), ["range", r], ...basis])}`;
  return (
    <>
      <h1>Compare: % change from the start of the range {synthetic ? <span className="badge badge-synthetic">Synthetic data</span> : null}</h1>
      <div className="toolbar">
        <Form method="get" onChange={(e) => submit(e.currentTarget, { preventScrollReset: true })}>
          <input type="hidden" name="range" value={range} />
          {basis.map(([k, v]) => (
            <input key={k} type="hidden" name={k} value={v} />
          ))}
          <fieldset>
            <legend>Symbols (up to {MAX_SYMBOLS})</legend>
            <div className="compare-symbols">
              {all.map((s) => (
                <label key={s}>
                  <input type="checkbox" name="symbols" value={s} defaultChecked={chosen.includes(s)} /> {s}
                </label>
              ))}
            </div>
            <noscript>
              <button type="submit">Compare</button>
            </noscript>
          </fieldset>
        </Form>
        <BasisSelector
          id="cmp-basis"
          current={adjustment}
          hint={
            adjustment === DEFAULT_COMPARE_ADJUSTMENT
              ? "Total return by default: a % change without dividends understates what holders earned."
              : `${BASIS_HINTS[adjustment]} A % change without dividends understates what holders earned.`
          }
        />
        <RangePresets id="cmp-range" current={range} hrefFor={href} />
      </div>
      {series.length > 0 ? (
        <>
          <p>
            {BASIS_LABELS[adjustment]}, from {from ?? series.map((s) => s.date[0]).sort()[0]} to {to}:{" "}
            {series.map((s, i) => (
              <span key={s.symbol}>
                {i > 0 ? ", " : ""}
                <Link to={`/chart/${encodeURIComponent(s.symbol)}`}>{s.symbol}</Link> <span data-testid={`pct-${s.symbol}`}>{fmtSigned(s.pct[s.pct.length - 1] ?? 0)}%</span>
              </span>
            ))}
          </p>
          <Chart figure={figure} testId="compare-chart" label={`Percent change of ${series.map((s) => s.symbol).join(", ")}, ${BASIS_LABELS[adjustment].toLowerCase()}`} />
        </>
      ) : (
        <p className="empty">No bars in this range for the chosen symbols.</p>
      )}
    </>
  );
}
