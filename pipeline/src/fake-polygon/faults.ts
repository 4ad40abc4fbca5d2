/**
 * Fault injection for the fake Polygon server: a FIFO queue of faults, each
 * applied to the next `times` requests whose path contains `match`.
 * "hold" keeps a request waiting until the test releases it (releaseHeld(),
 * POST /__fake/release): a slow answer whose end the test decides, so that it
 * can act (kill a process, break a path) while a command is mid-flight.
 * "missing-fields" deletes keys from every row of `results`: a response whose
 * rows lack a field the client needs (a split without its ratio, a bar without `c`).
 */
import { STATUS_CODES } from "node:http";
import { MESSAGES, errorResponse, gatewayHtml, notAuthorized, type FakeResponse } from "./responses.js";

export const FAULT_KINDS = ["status", "html", "reset", "delay", "hold", "truncated", "invalid-json", "empty-results", "rate-limit", "entitlement", "missing-fields"] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Fault {
  /** How many matching requests this fault applies to (>= 1). */
  times: number;
  /** Substring of the request path; absent = any API request. */
  match?: string;
  kind: FaultKind;
  /** HTTP status for "status" (default 500) and "html" (default 504). */
  status?: number;
  /**
   * Wait for "delay" (default 1000 ms), then answer normally. For "hold", the
   * longest wait (default 60000 ms) if nobody releases the request first.
   */
  delayMs?: number;
  /** "empty-results": drop `results` ("missing", default) or send `results: null`. */
  emptyForm?: "missing" | "null";
  /** Adds a `Retry-After: N` header to the faulted response. */
  retryAfterSeconds?: number;
  /** "missing-fields": the keys deleted from every row of `results` (non-empty). */
  fields?: string[];
}

/** Checks a fault received as JSON; throws an Error naming the bad field. */
export function parseFault(value: unknown): Fault {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("a fault must be a JSON object");
  const f = value as Record<string, unknown>;
  if (typeof f.kind !== "string" || !(FAULT_KINDS as readonly string[]).includes(f.kind)) {
    throw new Error(`fault.kind must be one of ${FAULT_KINDS.join(", ")}`);
  }
  if (typeof f.times !== "number" || !Number.isInteger(f.times) || f.times < 1) throw new Error("fault.times must be an integer >= 1");
  const fault: Fault = { times: f.times, kind: f.kind as FaultKind };
  if (f.match !== undefined) {
    if (typeof f.match !== "string") throw new Error("fault.match must be a string");
    fault.match = f.match;
  }
  if (f.status !== undefined) {
    if (typeof f.status !== "number" || !Number.isInteger(f.status) || f.status < 100 || f.status > 599) {
      throw new Error("fault.status must be an HTTP status code");
    }
    fault.status = f.status;
  }
  for (const k of ["delayMs", "retryAfterSeconds"] as const) {
    const v = f[k];
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new Error(`fault.${k} must be a number >= 0`);
    fault[k] = v;
  }
  if (f.emptyForm !== undefined) {
    if (f.emptyForm !== "missing" && f.emptyForm !== "null") throw new Error('fault.emptyForm must be "missing" or "null"');
    fault.emptyForm = f.emptyForm;
  }
  if (f.fields !== undefined || fault.kind === "missing-fields") {
    if (!Array.isArray(f.fields) || f.fields.length === 0 || !f.fields.every((x) => typeof x === "string" && x !== "")) {
      throw new Error("fault.fields must be a non-empty array of field names");
    }
    fault.fields = [...(f.fields as string[])];
  }
  return fault;
}

export class FaultQueue {
  private entries: Array<{ fault: Fault; remaining: number }> = [];

  add(fault: Fault): void {
    this.entries.push({ fault: { ...fault }, remaining: fault.times });
  }

  clear(): void {
    this.entries = [];
  }

  /** Faults still queued, with how many uses each has left. */
  pending(): Array<Fault & { remaining: number }> {
    return this.entries.map((e) => ({ ...e.fault, remaining: e.remaining }));
  }

  /** Consumes one use of the first queued fault matching `path`. */
  take(path: string): Fault | undefined {
    const index = this.entries.findIndex((e) => e.fault.match === undefined || path.includes(e.fault.match));
    const entry = this.entries[index];
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.entries.splice(index, 1);
    return entry.fault;
  }
}

function serialize(response: FakeResponse): string {
  return response.text ?? JSON.stringify(response.json);
}

/** Empties a normal body: resultsCount/queryCount 0, `results` absent or null, no count/next_url. */
function emptied(response: FakeResponse, form: "missing" | "null"): FakeResponse {
  const json = response.json;
  if (typeof json !== "object" || json === null) return response;
  if (Array.isArray(json)) return { ...response, status: 200, json: [] };
  const out: Record<string, unknown> = { ...(json as Record<string, unknown>) };
  if (out.status !== "OK") return response;
  delete out.results;
  delete out.count;
  delete out.next_url;
  if ("queryCount" in out) out.queryCount = 0;
  if ("resultsCount" in out) out.resultsCount = 0;
  if (form === "null") out.results = null;
  return { ...response, status: 200, json: out };
}

/** The response with `fields` deleted from each object row of `results` (anything else passes through). */
function withoutFields(response: FakeResponse, fields: readonly string[]): FakeResponse {
  const json = response.json as Record<string, unknown> | undefined;
  if (typeof json !== "object" || json === null || !Array.isArray(json.results)) return response;
  const results = json.results.map((row: unknown) => {
    if (typeof row !== "object" || row === null) return row;
    const copy: Record<string, unknown> = { ...(row as Record<string, unknown>) };
    for (const f of fields) delete copy[f];
    return copy;
  });
  return { ...response, json: { ...json, results } };
}

/**
 * The response for a faulted request ("reset", "delay" and "hold" are handled by the
 * server, which owns the socket and the clock). `normal` builds the response
 * the request would have had without the fault.
 */
export function applyFault(fault: Fault, requestId: string, normal: () => FakeResponse): FakeResponse {
  let response: FakeResponse;
  switch (fault.kind) {
    case "status": {
      const status = fault.status ?? 500;
      response = errorResponse(status, requestId, STATUS_CODES[status] ?? "Error");
      break;
    }
    case "html": {
      const status = fault.status ?? 504;
      // nginx's wording, as seen from the API's gateway.
      const text = status === 504 ? "Gateway Time-out" : (STATUS_CODES[status] ?? "Error");
      response = { status, text: gatewayHtml(status, text), contentType: "text/html" };
      break;
    }
    case "rate-limit":
      response = errorResponse(fault.status ?? 429, requestId, MESSAGES.rateLimit);
      break;
    case "entitlement":
      response = notAuthorized(requestId, MESSAGES.entitlement);
      break;
    case "truncated": {
      const body = serialize(normal());
      response = { status: 200, text: body.slice(0, Math.floor(body.length / 2)), contentType: "application/json" };
      break;
    }
    case "invalid-json":
      response = { status: 200, text: "upstream connect error or disconnect/reset before headers. <not json>", contentType: "application/json" };
      break;
    case "empty-results":
      response = emptied(normal(), fault.emptyForm ?? "missing");
      break;
    case "missing-fields":
      response = withoutFields(normal(), fault.fields ?? []);
      break;
    default:
      response = normal();
  }
  if (fault.retryAfterSeconds !== undefined) {
    response = { ...response, headers: { ...response.headers, "Retry-After": String(fault.retryAfterSeconds) } };
  }
  return response;
}
