/**
 * Helpers for the read-API tests: a GET that keeps status, headers, text and
 * parsed JSON; a CSV reader; and a small JSON Schema check (the subset the
 * OpenAPI document uses: $ref, type, required, properties,
 * additionalProperties: false, items, enum, const, pattern).
 */
import { url } from "./browser";

export interface Bar {
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}
export interface BarsBody {
  symbol: string;
  adjustment: string;
  bars: Bar[];
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body when it is JSON, else undefined. */
  json: unknown;
}

/** GET `path` (on the test server, or a full URL), redirects not followed. */
export async function getApi(path: string, headers: Record<string, string> = {}): Promise<ApiAnswer> {
  const r = await fetch(path.startsWith("http") ? path : url(path), { headers, redirect: "manual" });
  const text = await r.text();
  const json = (r.headers.get("Content-Type") ?? "").startsWith("application/json") ? (JSON.parse(text) as unknown) : undefined;
  return { status: r.status, headers: r.headers, text, json };
}

/** RFC 4180 rows (the API quotes nothing it serves, but a quoted cell would still read right). */
export function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.split("\r\n")) {
    if (line === "") continue;
    const cells: string[] = [];
    for (const m of line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)) {
      cells.push(m[1]!.startsWith('"') ? m[1]!.slice(1, -1).replace(/""/g, '"') : m[1]!);
      if (m[2] === "") break;
    }
    rows.push(cells);
  }
  return rows;
}

export type JsonSchema = Record<string, unknown>;

/** A checker for `schema` (refs resolved in `defs`): the list of problems with a value, empty when it conforms. */
export function validate(schema: JsonSchema, defs: Record<string, JsonSchema>): (value: unknown) => string[] {
  const check = (s: JsonSchema, v: unknown, at: string): string[] => {
    if (typeof s.$ref === "string") return check(defs[s.$ref.split("/").pop()!]!, v, at);
    const problems: string[] = [];
    const types = s.type === undefined ? [] : ([] as string[]).concat(s.type as string | string[]);
    const typeOf = v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "number" && Number.isInteger(v) ? "integer" : typeof v;
    if (types.length && !types.some((t) => t === typeOf || (t === "number" && typeOf === "integer"))) return [`${at}: ${typeOf} is not ${types.join("|")}`];
    if (Array.isArray(s.enum) && !s.enum.includes(v)) problems.push(`${at}: ${JSON.stringify(v)} is not one of ${JSON.stringify(s.enum)}`);
    if ("const" in s && s.const !== v) problems.push(`${at}: ${JSON.stringify(v)} is not ${JSON.stringify(s.const)}`);
    if (typeof s.pattern === "string" && typeof v === "string" && !new RegExp(s.pattern, "u").test(v)) problems.push(`${at}: ${JSON.stringify(v)} does not match ${s.pattern}`);
    if (typeOf === "object") {
      const o = v as Record<string, unknown>;
      const props = (s.properties ?? {}) as Record<string, JsonSchema>;
      for (const k of (s.required ?? []) as string[]) if (!(k in o)) problems.push(`${at}: missing ${k}`);
      for (const [k, x] of Object.entries(o)) {
        if (props[k]) problems.push(...check(props[k], x, `${at}.${k}`));
        else if (s.additionalProperties === false) problems.push(`${at}: unexpected property ${k}`);
      }
    }
    if (typeOf === "array" && s.items) (v as unknown[]).forEach((x, i) => problems.push(...check(s.items as JsonSchema, x, `${at}[${i}]`)));
    return problems;
  };
  return (value) => check(schema, value, "$");
}
