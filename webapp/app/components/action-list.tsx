import type { ActionMarker, ActionsOfWindow } from "~/lib/action-markers";

const KIND_LABEL: Record<ActionMarker["kind"], string> = { split: "Split", dividend: "Dividend" };
const STATUS_LABEL: Record<ActionMarker["status"], string> = {
  applied: "applied",
  "not-on-basis": "not on this basis",
  skipped: "left out",
  "no-effect": "no earlier bar",
  announced: "announced",
};

function Item({ m }: { m: ActionMarker }) {
  return (
    <li data-testid={`action-${m.id}`} data-status={m.status}>
      <span className={`badge badge-${m.kind}`}>{KIND_LABEL[m.kind]}</span> <strong>{m.title}</strong>: {m.effect}{" "}
      <span className={`badge${m.status === "applied" ? " badge-ok" : m.status === "skipped" ? " badge-bad" : ""}`}>{STATUS_LABEL[m.status]}</span>
    </li>
  );
}

/**
 * The window's splits and dividends in plain HTML (what the chart's markers
 * show, readable without the canvas), the announced ones, and a warning when
 * the basis had to leave an action out.
 */
export function ActionList({ actions, from, to }: { actions: ActionsOfWindow; from: string; to: string }) {
  return (
    <section aria-labelledby="actions-heading" className="actions-list">
      <h2 id="actions-heading">
        Splits and dividends from {from} to {to}
      </h2>
      {actions.markers.length === 0 ? (
        <p data-testid="no-actions">None in this window.</p>
      ) : (
        <ul data-testid="window-actions">
          {actions.markers.map((m) => (
            <Item key={`${m.kind}-${m.id}`} m={m} />
          ))}
        </ul>
      )}
      {actions.announced.length > 0 ? (
        <>
          <p>Announced, dated after the latest session (not applied before they happen):</p>
          <ul data-testid="announced-actions">
            {actions.announced.map((m) => (
              <Item key={`${m.kind}-${m.id}`} m={m} />
            ))}
          </ul>
        </>
      ) : null}
      {actions.skipped.length > 0 ? (
        <div className="warning" role="note" data-testid="skipped-actions">
          This basis leaves out {actions.skipped.length === 1 ? "one action" : `${actions.skipped.length} actions`}, so prices before{" "}
          {actions.skipped.length === 1 ? "it are" : "them are"} not adjusted for {actions.skipped.length === 1 ? "it" : "them"}:
          <ul>
            {actions.skipped.map((m) => (
              <li key={`${m.kind}-${m.id}`}>
                <strong>{m.title}</strong>: {m.effect.replace(/^not applied: /, "")}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}
