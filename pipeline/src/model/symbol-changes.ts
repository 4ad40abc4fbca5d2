/**
 * A symbol's generation and the short log of what its last writes changed,
 * kept in its summary so a reader that holds the symbol's records in memory
 * can bring them up to date by re-reading only the dates that changed
 * (docs/decisions/071-symbol-summaries-and-read-cache.md). Pure: the
 * summaries module stores it, the web app's record store reads it.
 *
 * Every write that changes a live record of the symbol appends a mark
 * `[gen, dates]` AFTER the write landed. A reader labels what it read with
 * the generation it saw BEFORE reading, so its copy is never older than its
 * label, and every date changed since the label is listed in a later mark.
 */

/** One write: the generation it produced and the live dates it changed; null dates: too many to list. */
export type ChangeMark = [gen: string, dates: string[] | null];

export interface SymbolChanges {
  /** Absent on summaries written before generations existed: reads as "". */
  gen?: string;
  /** Oldest first; the last mark's gen is `gen`. The first mark may be a base (a rebuild) with no dates. */
  log?: ChangeMark[];
}

/** Marks kept per symbol: a reader further behind reads the symbol whole. */
export const MAX_MARKS = 8;
/** Dates listed per mark: a bigger write (a back-fill) makes readers read the symbol whole. */
export const MAX_MARK_DATES = 32;

export const genOf = (c: SymbolChanges | null | undefined): string => c?.gen ?? "";

/** The changes after one more write of `dates` under the new generation `gen`. */
export function marked(old: SymbolChanges | undefined, gen: string, dates: readonly string[]): Required<SymbolChanges> {
  const unique = [...new Set(dates)].sort();
  const mark: ChangeMark = [gen, unique.length > MAX_MARK_DATES ? null : unique];
  const base: ChangeMark[] = old?.log ?? (old?.gen === undefined ? [["", []]] : []);
  return { gen, log: [...base, mark].slice(-MAX_MARKS) };
}

/** A new base: what changed before `gen` is not known (a rebuild from the records). */
export const rebased = (gen: string): Required<SymbolChanges> => ({ gen, log: [[gen, []]] });

/**
 * The dates changed since a reader's label `since`, ascending; null when the
 * log no longer reaches back to it (or a write listed no dates): the reader
 * must read the symbol whole.
 */
export function changedSince(c: SymbolChanges | null | undefined, since: string): string[] | null {
  if (genOf(c) === since) return [];
  const log = c?.log ?? [];
  const at = log.findIndex(([g]) => g === since);
  if (at < 0) return null;
  const out = new Set<string>();
  for (const [, dates] of log.slice(at + 1)) {
    if (dates === null) return null;
    for (const d of dates) out.add(d);
  }
  return [...out].sort();
}
