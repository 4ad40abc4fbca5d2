import { lazy, Suspense, useEffect, useState } from "react";
import type { Figure } from "~/lib/figures";

// The Plotly chunk (~1.3 MB) is fetched only when a chart is on screen.
const Plot = lazy(() => import("./plot.client"));

function useHydrated(): boolean {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  return hydrated;
}

/** A Plotly figure, drawn in the browser only; the server renders a placeholder of the same size. */
export function Chart({ figure, label, testId }: { figure: Figure; label: string; testId: string }) {
  const hydrated = useHydrated();
  const placeholder = (
    <div className="plot plot-loading" aria-busy="true">
      Loading chart…
    </div>
  );
  return hydrated ? (
    <Suspense fallback={placeholder}>
      <Plot figure={figure} label={label} testId={testId} />
    </Suspense>
  ) : (
    placeholder
  );
}
