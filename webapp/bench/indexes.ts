/**
 * Which index of the collection would serve a command on MongoDB: a prefix
 * analysis of the filter's equality and range fields and of the sort against
 * each index's keys (listIndexes). Not the query planner, but enough to tell
 * "reads only the matching index entries" from "reads every document", which
 * is the difference between MongoDB and FerretDB 1.24 (that scans for every
 * filter but _id) that the figures hinge on.
 */
import { DAILY_PRICE_INDEXES } from "@stock-market/pipeline/db/daily-prices.server";
import type { Db, Document } from "mongodb";
import type { SentCommand } from "./monitor";

export interface IndexInfo {
  name: string;
  key: [field: string, dir: number][];
  /** Holds only documents that have the field: it can answer `{field: {$exists: true}}`. */
  sparse: boolean;
}

export type Served = "index" | "index order + limit" | "scan";

export interface Plan {
  /** index: only the matching entries are read; index order + limit: stops after skip+limit; scan: every document. */
  served: Served;
  index: string | null;
  /** Human-readable: which fields the index gives, what is left to check on each document. */
  how: string;
}

/**
 * The collection's indexes. `sparse` is what the server reports or, failing
 * that, what DAILY_PRICE_INDEXES declares: FerretDB 1.24 accepts the option
 * but does not list it back (and scans either way).
 */
export async function listIndexes(db: Db, collection: string): Promise<IndexInfo[]> {
  const raw = await db.collection(collection).listIndexes().toArray();
  const declaredSparse = new Set(DAILY_PRICE_INDEXES.filter((d) => d.options.sparse).map((d) => d.options.name));
  return raw.map((i) => ({ name: String(i.name), key: Object.entries(i.key as Record<string, number>), sparse: i.sparse === true || declaredSparse.has(String(i.name)) }));
}

const RANGE_OPS = new Set(["$gt", "$gte", "$lt", "$lte"]);
const isOperatorObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" &&
  v !== null &&
  !(v instanceof Date) &&
  !Array.isArray(v) &&
  Object.keys(v).some((k) => k.startsWith("$")) &&
  (v as { _bsontype?: unknown })._bsontype === undefined;

/** Splits a filter's top-level fields into equality, range and residual (checked on each fetched document). */
export function classify(filter: Document): { eq: Set<string>; range: Set<string>; exists: Set<string>; residual: string[] } {
  const eq = new Set<string>();
  const range = new Set<string>();
  const exists = new Set<string>();
  const residual: string[] = [];
  for (const [field, cond] of Object.entries(filter)) {
    if (field.startsWith("$")) residual.push(field);
    else if (!isOperatorObject(cond)) eq.add(field);
    else {
      const ops = Object.keys(cond);
      // $in is a set of point bounds on the index, as good as equality for a prefix.
      if (ops.length === 1 && (ops[0] === "$eq" || (ops[0] === "$in" && Array.isArray(cond.$in)))) eq.add(field);
      else if (ops.length === 1 && ops[0] === "$exists" && cond.$exists === true) exists.add(field);
      else if (ops.every((o) => RANGE_OPS.has(o))) range.add(field);
      else residual.push(`${field} ${ops.join(",")}`);
    }
  }
  return { eq, range, exists, residual };
}

interface Candidate extends Plan {
  score: number;
}

function evaluate(cmd: SentCommand, index: IndexInfo): Candidate {
  const { eq, range, exists, residual } = classify(cmd.filter);
  const keys = index.key;
  let i = 0;
  const used: string[] = [];
  while (i < keys.length && eq.has(keys[i]![0])) used.push(keys[i++]![0]);
  // A sparse index holds exactly the documents that have its first field: `$exists: true` on it is its whole range.
  const rangeField = i < keys.length && (range.has(keys[i]![0]) || (i === 0 && index.sparse && exists.has(keys[0]![0]))) ? keys[i]![0] : undefined;
  for (const f of exists) if (f !== rangeField) residual.push(`${f} $exists`);
  const unusedFilter = [...eq, ...range].filter((f) => !used.includes(f) && f !== rangeField);
  const leftToCheck = [...unusedFilter, ...residual];
  const selective = used.length > 0 || rangeField !== undefined;

  // distinct: the index hands out the key's values only if nothing else must be read from the documents.
  if (cmd.name === "distinct") {
    const keyed = keys[used.length]?.[0] === cmd.key || used.includes(cmd.key ?? "");
    if (keyed && leftToCheck.length === 0) return { served: "index", index: index.name, how: `distinct values of ${cmd.key} from the index`, score: 10 };
    if (selective) {
      const bounds = [...used.map((f) => `${f} =`), ...(rangeField ? [`${rangeField} ${exists.has(rangeField) ? "present (sparse)" : "range"}`] : [])].join(", ");
      const check = leftToCheck.length ? `, ${leftToCheck.join(", ")} checked on each` : "";
      return { served: "index", index: index.name, how: `${bounds}: only the matching documents are read${check}`, score: used.length * 10 + (rangeField ? 5 : 0) };
    }
    return { served: "scan", index: null, how: `${leftToCheck.join(", ")} is not in any index: every document is read`, score: 0 };
  }

  // The sort, less the fields pinned by equality; served if the index continues with it (all same or all reversed direction).
  const sort = Object.entries(cmd.sort ?? {}).filter(([f]) => !eq.has(f)) as [string, number][];
  const from = rangeField && sort[0]?.[0] !== rangeField ? -1 : i;
  let sortServed = sort.length === 0;
  let reversed = false;
  if (!sortServed && from >= 0) {
    const next = keys.slice(from, from + sort.length);
    const same = next.length === sort.length && next.every(([f, d], j) => f === sort[j]![0] && d === sort[j]![1]);
    const opposite = next.length === sort.length && next.every(([f, d], j) => f === sort[j]![0] && d === -sort[j]![1]);
    sortServed = same || opposite;
    reversed = opposite && !same;
  }
  const check = leftToCheck.length ? `; ${leftToCheck.join(", ")} checked on each` : "";
  const order = sort.length ? (sortServed ? `, order ${sort.map(([f]) => f).join(",")}${reversed ? " (walked backwards)" : ""} from the index` : ", then sorted in memory") : "";
  const prefix = [...used.map((f) => `${f} =`), ...(rangeField ? [`${rangeField} range`] : [])].join(", ");
  if (selective) {
    return { served: "index", index: index.name, how: `${prefix}${order}${check} matching entry`, score: used.length * 10 + (rangeField ? 5 : 0) + (sortServed ? 3 : 0) };
  }
  if (sort.length && sortServed && cmd.limit) {
    return {
      served: "index order + limit",
      index: index.name,
      how: `walks the index in sort order${reversed ? " (backwards)" : ""}, stops after ${(cmd.skip ?? 0) + cmd.limit} match(es)${check}`,
      score: 2,
    };
  }
  return { served: "scan", index: null, how: `no index prefix in the filter${leftToCheck.length ? ` (${leftToCheck.join(", ")})` : ""}: every document is read`, score: 0 };
}

/** The best index for a command by the prefix rules, or a scan. */
export function planFor(cmd: SentCommand, indexes: readonly IndexInfo[]): Plan {
  let best: Candidate = { served: "scan", index: null, how: "no index: every document is read", score: -1 };
  for (const ix of indexes) {
    const c = evaluate(cmd, ix);
    if (c.score > best.score) best = c;
  }
  const { score: _score, ...plan } = best;
  return plan;
}
