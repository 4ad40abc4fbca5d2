/**
 * The two bases of bars in the lake. Since the pipeline stores prices as
 * traded it fetches `adjusted=false`; every object stored before holds bars
 * split-adjusted as of its request (`adjusted: true`). Such an object is
 * never loaded: a load refuses it naming the command that re-fetches it, and
 * reprocess skips it when as-traded objects hold all of its rows, or refuses
 * before writing anything (docs/migration-as-traded.md).
 */
import type { TickerSelection } from "../config.server.js";
import { OldBasisError } from "../errors.js";
import { parseKey } from "../lake/layout.js";
import { parseAggregates } from "../transform/bars.js";
import type { Context } from "./context.server.js";

/** How many objects a message names before "and N more". */
const NAMED = 10;

/** A value safe to paste into a shell as one word (tickers are plain, but a key may decode to anything). */
function shellWord(s: string): string {
  return /^[A-Za-z0-9._:,=/-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `stock-pipeline backfill --refetch …`: re-fetches these tickers' range pages over from..to as traded, and loads them. */
export function backfillRefetchCommand(from: string, to: string, tickers: readonly string[]): string {
  return `stock-pipeline backfill --refetch --from ${from} --to ${to} --tickers ${shellWord([...tickers].join(","))}`;
}

/** The command that replaces one lake object by its as-traded counterpart, or undefined for a key no command writes. */
export function refetchCommand(key: string): string | undefined {
  const p = parseKey(key);
  if (p?.kind === "grouped") return `stock-pipeline run --date ${p.date}`;
  if (p?.kind === "range") return backfillRefetchCommand(p.from, p.to, [p.ticker]);
  return undefined;
}

/** Why an object's basis is not as traded, in words. */
function basisWords(adjusted: boolean | undefined): string {
  return adjusted === true
    ? "split-adjusted bars (adjusted: true, fetched before the pipeline stored prices as traded)"
    : 'bars of unknown basis (no "adjusted" field, so they may be split-adjusted)';
}

/** What loadObject throws for an object whose envelope is not `adjusted: false`. */
export function oldBasisObjectError(key: string, adjusted: boolean | undefined): OldBasisError {
  const command = refetchCommand(key);
  const fix = command ? `re-fetch it as traded with: ${command}` : "re-fetch its bars as traded (docs/migration-as-traded.md)";
  return new OldBasisError(`lake object ${key} holds ${basisWords(adjusted)}; it is not loaded, as it would mix them with the as-traded records: ${fix}`, [key], command ?? "");
}

/** What reprocess loads of the keys it selected, and the old-basis objects it skips. */
export interface BasisPlan {
  /** In the given order: the as-traded objects (and those no plan can read: loading them reports why). */
  load: string[];
  /** Old-basis objects every in-scope row of which an as-traded object in `load` also holds. */
  superseded: string[];
}

export interface BasisScope {
  from: string;
  to: string;
  tickers: TickerSelection;
}

const rowKey = (symbol: string, date: string) => `${symbol}\u0000${date}`;

/** The objects' names for a message: the first ten, then how many more. */
export function nameObjects(keys: readonly string[]): string {
  const shown = keys.slice(0, NAMED).join(", ");
  return keys.length > NAMED ? `${shown} and ${keys.length - NAMED} more` : shown;
}

/**
 * Sorts the keys reprocess selected by basis. As-traded objects load; an
 * old-basis object is skipped (and named in a log line) when every
 * (symbol, date) it holds in scope is also in an as-traded object in scope;
 * if any in-scope row exists only on the old basis, throws OldBasisError
 * naming those objects and the one back-fill that re-fetches them, before
 * anything is written. Reads each object once (an as-traded one only as
 * far as its envelope), and the as-traded ones a second time only when
 * there is an old one to compare them with.
 */
export async function planBasis(ctx: Pick<Context, "lake" | "log">, keys: readonly string[], scope: BasisScope): Promise<BasisPlan> {
  // The same scope as the load itself, so "in scope" means what would be written.
  const parse = (key: string, body: Uint8Array) => {
    const p = parseKey(key);
    return parseAggregates(key, body, { tickers: scope.tickers, from: scope.from, to: scope.to, ...(p?.kind === "grouped" && { expectedDate: p.date }) });
  };
  const asTraded: string[] = [];
  const old = new Map<string, Set<string>>();
  let unknown = false;
  for (const key of keys) {
    const { body } = await ctx.lake.get(key);
    // The common case, every object as traded, costs one JSON.parse each: the rows are validated by the load.
    if (saysAsTraded(body)) {
      asTraded.push(key);
      continue;
    }
    const parsed = parse(key, body);
    if (parsed.adjusted === false) asTraded.push(key);
    else {
      old.set(key, new Set(parsed.bars.map((b) => rowKey(b.symbol, b.date))));
      unknown ||= parsed.adjusted === undefined;
    }
  }
  if (old.size === 0) return { load: [...keys], superseded: [] };

  const covered = new Set<string>();
  for (const key of asTraded) for (const b of parse(key, (await ctx.lake.get(key)).body).bars) covered.add(rowKey(b.symbol, b.date));
  const superseded: string[] = [];
  const uncovered = new Map<string, string[]>();
  for (const [key, rows] of old) {
    const only = [...rows].filter((r) => !covered.has(r));
    if (only.length === 0) superseded.push(key);
    else uncovered.set(key, only);
  }
  if (uncovered.size > 0) throw refusal(scope, uncovered, unknown);
  ctx.log(
    `reprocess: ${superseded.length} lake object(s) on the old basis (split-adjusted) not loaded, superseded by as-traded objects holding every one of their rows in scope: ${nameObjects(superseded)}`,
  );
  const skip = new Set(superseded);
  return { load: keys.filter((k) => !skip.has(k)), superseded };
}

/** True when the body is a JSON object whose `adjusted` is false; anything else (unreadable included) is for parseAggregates to judge. */
function saysAsTraded(body: Uint8Array): boolean {
  try {
    const json: unknown = JSON.parse(Buffer.from(body).toString("utf8"));
    return typeof json === "object" && json !== null && (json as { adjusted?: unknown }).adjusted === false;
  } catch {
    return false;
  }
}

function refusal(scope: BasisScope, uncovered: Map<string, string[]>, unknown: boolean): OldBasisError {
  const symbols = new Set<string>();
  let from = "9999-12-31";
  let to = "0000-01-01";
  let rows = 0;
  for (const list of uncovered.values()) {
    for (const r of list) {
      const [symbol, date] = r.split("\u0000") as [string, string];
      symbols.add(symbol);
      if (date < from) from = date;
      if (date > to) to = date;
      rows++;
    }
  }
  const keys = [...uncovered.keys()];
  const command = backfillRefetchCommand(from, to, [...symbols].sort());
  return new OldBasisError(
    `reprocess ${scope.from}..${scope.to} refused, nothing written: ${keys.length} lake object(s) hold split-adjusted bars (fetched before the pipeline stored prices as traded${unknown ? ", or not saying their basis" : ""}) ` +
      `for ${rows} (symbol, date) row(s) that no as-traded object covers, and loading them would mix the two bases: ${nameObjects(keys)}. ` +
      `Re-fetch them as traded with: ${command}; then reprocess again`,
    keys,
    command,
  );
}
