import { Link } from "@remix-run/react";
import { RANGE_PRESETS, type RangePreset } from "~/lib/chart-data";

/** The 1M … Max links of a chart view; the current one is marked for assistive technology and styling. */
export function RangePresets({ id, current, hrefFor }: { id: string; current: RangePreset | "custom"; hrefFor: (r: RangePreset) => string }) {
  return (
    <nav aria-label="Range" className="field">
      <span className="label" id={id}>
        Range
      </span>
      <div className="presets" aria-labelledby={id}>
        {RANGE_PRESETS.map((r) => (
          <Link key={r} to={hrefFor(r)} aria-current={current === r ? "true" : undefined} preventScrollReset>
            {r === "MAX" ? "Max" : r}
          </Link>
        ))}
      </div>
    </nav>
  );
}
