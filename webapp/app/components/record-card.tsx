import { fmtPrice, fmtTime, fmtVolume } from "~/lib/format";
import type { RecordRow } from "~/models/records.server";

/** A record's values and provenance, e.g. the newer values of a conflict. */
export function RecordCard({ row, testId }: { row: RecordRow; testId?: string }) {
  return (
    <dl className="stats" data-testid={testId}>
      <div>
        <dt>Open</dt>
        <dd>{fmtPrice(row.open)}</dd>
      </div>
      <div>
        <dt>High</dt>
        <dd>{fmtPrice(row.high)}</dd>
      </div>
      <div>
        <dt>Low</dt>
        <dd>{fmtPrice(row.low)}</dd>
      </div>
      <div>
        <dt>Close</dt>
        <dd>{fmtPrice(row.close)}</dd>
      </div>
      <div>
        <dt>Volume</dt>
        <dd>{fmtVolume(row.volume)}</dd>
      </div>
      <div>
        <dt>Source</dt>
        <dd>
          {row.source === "manual" ? <span className="badge badge-manual">manual · {row.updatedBy ?? "a person"}</span> : <span className="badge">{row.feed ?? "pipeline"}</span>}
        </dd>
      </div>
      <div>
        <dt>Last change</dt>
        <dd>{fmtTime(row.updatedAt)}</dd>
      </div>
    </dl>
  );
}
