/**
 * The server's own account of a command (explain, queryPlanner), untimed: on
 * FerretDB its SQLite plan and whether filter and sort were pushed down to
 * SQLite; on MongoDB the winning plan's stages and index. The bench prints it
 * beside the prefix analysis, so a run against a real MongoDB
 * (BENCH_MONGODB_URI) shows the planner's choice, not only ours.
 */
import type { Db, Document } from "mongodb";
import type { SentCommand } from "./monitor";

function explainable(c: SentCommand): Document | undefined {
  switch (c.name) {
    case "find":
      return { find: c.collection, filter: c.filter, ...(c.sort ? { sort: c.sort } : {}), ...(c.limit ? { limit: c.limit } : {}), ...(c.skip ? { skip: c.skip } : {}) };
    case "aggregate":
      return { aggregate: c.collection, pipeline: [{ $match: c.filter }, ...(c.isCount ? [{ $group: { _id: 1, n: { $sum: 1 } } }] : [])], cursor: {} };
    case "distinct":
      return { distinct: c.collection, key: c.key, query: c.filter };
    default:
      return undefined;
  }
}

/** MongoDB: "FETCH < IXSCAN symbol_date_unique"; stages from the root down. */
function mongoPlan(node: unknown): string[] {
  if (!node || typeof node !== "object") return [];
  const n = node as { stage?: string; indexName?: string; inputStage?: unknown; inputStages?: unknown[]; queryPlan?: unknown };
  const here = n.stage ? [`${n.stage}${n.indexName ? ` ${n.indexName}` : ""}`] : [];
  const below = n.inputStage ? mongoPlan(n.inputStage) : n.queryPlan ? mongoPlan(n.queryPlan) : (n.inputStages ?? []).flatMap(mongoPlan);
  return [...here, ...below];
}

function find(doc: unknown, key: string): unknown {
  if (!doc || typeof doc !== "object") return undefined;
  if (key in doc) return (doc as Record<string, unknown>)[key];
  for (const v of Object.values(doc)) {
    const r = find(v, key);
    if (r !== undefined) return r;
  }
  return undefined;
}

export async function serverExplain(db: Db, c: SentCommand): Promise<string | null> {
  const cmd = explainable(c);
  if (!cmd) return null;
  try {
    const e = await db.command({ explain: cmd, verbosity: "queryPlanner" });
    if ("filterPushdown" in e || "ferretdbVersion" in (e.serverInfo ?? {})) {
      const plan = ((e.queryPlanner as { Plan?: string[] } | undefined)?.Plan ?? []).map((p) => p.replace(/^.*detail=/, "")).join("; ");
      return `FerretDB: ${plan || "?"}; filter pushdown ${e.filterPushdown ? "yes" : "no"}, sort pushdown ${e.sortPushdown ? "yes" : "no"}`;
    }
    const winning = find(e, "winningPlan");
    return winning ? `MongoDB planner: ${mongoPlan(winning).join(" < ")}` : null;
  } catch (err) {
    return `explain failed: ${err instanceof Error ? err.message : String(err)}`;
  }
}
