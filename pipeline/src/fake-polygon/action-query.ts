/**
 * Query parameters of /stocks/v1/splits and /stocks/v1/dividends: filters
 * (`field`, `field.any_of`, `field.gt|gte|lt|lte`), `sort` (`field.asc|desc`,
 * comma-separated), `limit` and the opaque `cursor`, checked the way the API
 * does (400 ERROR for a value it cannot parse).
 */
import { isIsoDate } from "./ny-time.js";
import { decodeCursor } from "./responses.js";

export type FieldType = { kind: "string" } | { kind: "date" } | { kind: "int" } | { kind: "enum"; values: readonly string[] };

export interface QuerySpec {
  /** Filterable fields and how their values parse. */
  filters: Record<string, FieldType>;
  /** Fields `sort` accepts (all stored as is on the action, none derived). */
  sortable: readonly string[];
  defaultSort: string;
}

const OPS = ["any_of", "gt", "gte", "lt", "lte"] as const;
type Op = "eq" | (typeof OPS)[number];

export interface Condition {
  field: string;
  op: Op;
  /** One value, or several for any_of; numbers for int fields. */
  values: Array<string | number>;
}

export interface ActionQuery {
  conditions: Condition[];
  sort: Array<{ field: string; desc: boolean }>;
  limit: number;
  offset: number;
  /** The caller's own parameters, to carry in the next page's cursor. */
  params: Record<string, string>;
}

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 5000;

function parseValue(field: string, key: string, type: FieldType, raw: string): string | number | { error: string } {
  switch (type.kind) {
    case "date":
      return isIsoDate(raw) ? raw : { error: `Could not parse the date parameter '${key}': '${raw}'. Use YYYY-MM-DD` };
    case "int":
      return /^\d{1,9}$/.test(raw) ? Number(raw) : { error: `Could not parse the integer parameter '${key}': '${raw}'` };
    case "enum":
      return type.values.includes(raw) ? raw : { error: `Invalid value '${raw}' for '${key}': ${field} must be one of ${type.values.join(", ")}` };
    default:
      return raw !== "" ? raw : { error: `'${key}' must not be empty` };
  }
}

/** Reads a request's (or its cursor's) parameters; `{ error }` is a 400 for the caller. */
export function parseActionQuery(query: Record<string, string>, spec: QuerySpec): ActionQuery | { error: string } {
  let params: Record<string, string> = {};
  let offset = 0;
  if (query.cursor !== undefined) {
    const decoded = decodeCursor(query.cursor);
    const parsedOffset = Number(decoded?.offset);
    if (!decoded || !Number.isSafeInteger(parsedOffset) || parsedOffset < 0) return { error: "Invalid cursor" };
    offset = parsedOffset;
    for (const [k, v] of Object.entries(decoded)) if (k !== "offset") params[k] = v;
  } else {
    params = Object.fromEntries(Object.entries(query).filter(([k]) => k !== "apiKey"));
  }

  const conditions: Condition[] = [];
  for (const [key, raw] of Object.entries(params)) {
    const dot = key.indexOf(".");
    const field = dot < 0 ? key : key.slice(0, dot);
    const type = spec.filters[field];
    if (!type) continue; // parameters the fake does not model are ignored rather than refused
    const op = (dot < 0 ? "eq" : key.slice(dot + 1)) as Op;
    if (op !== "eq" && !(OPS as readonly string[]).includes(op)) return { error: `Unknown filter '${key}'` };
    const values: Array<string | number> = [];
    for (const part of op === "any_of" ? raw.split(",") : [raw]) {
      const value = parseValue(field, key, type, part.trim());
      if (typeof value === "object") return value;
      values.push(value);
    }
    conditions.push({ field, op, values });
  }

  const rawLimit = params.limit;
  let limit = DEFAULT_LIMIT;
  if (rawLimit !== undefined) {
    limit = /^\d{1,9}$/.test(rawLimit) ? Number(rawLimit) : Number.NaN;
    if (!(limit >= 1 && limit <= MAX_LIMIT)) return { error: `Invalid limit '${rawLimit}': it must be an integer from 1 to ${MAX_LIMIT}` };
  }

  const sort: ActionQuery["sort"] = [];
  for (const item of (params.sort ?? spec.defaultSort).split(",")) {
    const m = /^([a-z_]+)(?:\.(asc|desc))?$/.exec(item.trim());
    if (!m || !spec.sortable.includes(m[1]!)) {
      return { error: `Invalid sort '${item}': use field.asc or field.desc with one of ${spec.sortable.join(", ")}` };
    }
    sort.push({ field: m[1]!, desc: m[2] === "desc" });
  }
  return { conditions, sort, limit, offset, params };
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** True when `row` passes every condition. */
export function matchesAll(row: object, conditions: readonly Condition[]): boolean {
  const r = row as Record<string, unknown>;
  return conditions.every(({ field, op, values }) => {
    const v = r[field];
    if (v === undefined) return false;
    switch (op) {
      case "eq":
      case "any_of":
        return values.some((x) => compare(v, x) === 0);
      case "gt":
        return compare(v, values[0]) > 0;
      case "gte":
        return compare(v, values[0]) >= 0;
      case "lt":
        return compare(v, values[0]) < 0;
      default:
        return compare(v, values[0]) <= 0;
    }
  });
}

/** The comparator of a parsed sort; ties end on `id` so every page is deterministic. */
export function comparator(sort: ActionQuery["sort"]): (a: object, b: object) => number {
  return (a, b) => {
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    for (const { field, desc } of sort) {
      const c = compare(x[field], y[field]);
      if (c !== 0) return desc ? -c : c;
    }
    return compare(x.id, y.id);
  };
}

/** The tightest [from, to] the conditions on `field` allow (for an index lookup); undefined ends are open. */
export function rangeOf(conditions: readonly Condition[], field: string): { from?: string; to?: string } {
  const out: { from?: string; to?: string } = {};
  const raise = (v: string): void => void (out.from === undefined || v > out.from ? (out.from = v) : undefined);
  const lower = (v: string): void => void (out.to === undefined || v < out.to ? (out.to = v) : undefined);
  for (const { field: f, op, values } of conditions) {
    if (f !== field) continue;
    const strings = values.map(String).sort();
    if (op === "eq" || op === "any_of") {
      raise(strings[0]!);
      lower(strings[strings.length - 1]!);
    } else if (op === "gt" || op === "gte") raise(strings[0]!);
    else lower(strings[0]!);
  }
  return out;
}

/** The exact tickers the conditions name (`ticker`, `ticker.any_of`), or undefined when they name none. */
export function namedTickers(conditions: readonly Condition[]): string[] | undefined {
  let named: string[] | undefined;
  for (const { field, op, values } of conditions) {
    if (field !== "ticker" || (op !== "eq" && op !== "any_of")) continue;
    const set = values.map(String);
    named = named === undefined ? set : named.filter((t) => set.includes(t));
  }
  return named === undefined ? undefined : [...new Set(named)];
}
