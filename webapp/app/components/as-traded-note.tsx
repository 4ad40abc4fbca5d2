/**
 * Records are the stored facts: prices as they traded that day. The charts
 * adjust them on read; here a person sees and edits the facts, and is told so.
 */
export function AsTradedNote({ editing = false }: { editing?: boolean }) {
  return (
    <p className="as-traded" data-testid="as-traded-note">
      <strong>Prices as traded (not adjusted for splits or dividends).</strong>{" "}
      {editing ? "Enter the values of that day as they traded; the charts apply later splits and dividends themselves." : "The charts adjust them on read; pick a basis there."}
    </p>
  );
}
