import Plotly from "plotly.js-finance-dist-min";
import { useEffect, useRef, useState } from "react";
import type { Figure } from "~/lib/figures";

/**
 * Draws a figure with the Plotly finance bundle. Browser-only (Plotly touches
 * `self` on import): loaded lazily by chart.tsx, never on the server.
 */
export default function Plot({ figure, label, testId }: { figure: Figure; label: string; testId: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const [drawn, setDrawn] = useState<number | null>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    let live = true;
    void Plotly.react(el, figure.data, figure.layout, { responsive: true, displaylogo: false }).then(() => {
      if (live) setDrawn((n) => (n ?? 0) + 1);
    });
    return () => {
      live = false;
    };
  }, [figure]);
  useEffect(() => {
    const el = ref.current;
    return () => {
      if (el) Plotly.purge(el);
    };
  }, []);
  return <div ref={ref} className="plot" role="img" aria-label={label} data-testid={testId} data-drawn={drawn ?? undefined} />;
}
