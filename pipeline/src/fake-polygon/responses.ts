/**
 * Response bodies and messages of the fake Polygon server, in the exact
 * formats documented in /work/shared/polygon-api.md.
 */
import { hash32 } from "./synthetic.js";

export const PRICING = "https://polygon.io/pricing";
export const MESSAGES = {
  missingKey: "API Key was not provided",
  unknownKey: "Unknown API Key",
  todayBeforeEod: `Attempted to request today's data before end of day. Please upgrade your plan at ${PRICING}`,
  timeframe: `Your plan doesn't include this data timeframe. Please upgrade your plan at ${PRICING}`,
  entitlement: `You are not entitled to this data. Please upgrade your plan at ${PRICING}`,
  rateLimit: `You've exceeded the maximum requests per minute, please wait or upgrade your subscription to continue. ${PRICING}`,
  dataNotFound: "Data not found.",
  tickerNotFound: "Ticker not found.",
  notFound: "Not found",
} as const;

export function badTimeParam(param: string): string {
  return `Could not parse the time parameter: '${param}'. Use YYYY-MM-DD or Unix MS Timestamps`;
}

/** A response before serialisation: `json` is sent as application/json, `text` as is. */
export interface FakeResponse {
  status: number;
  json?: unknown;
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/**
 * A deterministic request id ("synthetic-" + 16 hex digits) derived from the
 * request (the key is left out), so the same request gives identical bytes.
 */
export function requestIdFor(method: string, path: string, query: Record<string, string>): string {
  const q = Object.keys(query)
    .filter((k) => k !== "apiKey")
    .sort()
    .map((k) => `${k}=${query[k]}`)
    .join("&");
  const s = `${method} ${path}?${q}`;
  const a = hash32(s).toString(16).padStart(8, "0");
  const b = hash32(`${s}#2`).toString(16).padStart(8, "0");
  return `synthetic-${a}${b}`;
}

export function errorResponse(status: number, requestId: string, error: string): FakeResponse {
  return { status, json: { status: "ERROR", request_id: requestId, error } };
}

export function notAuthorized(requestId: string, message: string): FakeResponse {
  return { status: 403, json: { status: "NOT_AUTHORIZED", request_id: requestId, message } };
}

export function notFound(requestId: string, message: string = MESSAGES.notFound): FakeResponse {
  return { status: 404, json: { status: "NOT_FOUND", request_id: requestId, message } };
}

export function gatewayHtml(status: number, statusText: string): string {
  return [
    "<html>",
    `<head><title>${status} ${statusText}</title></head>`,
    "<body>",
    `<center><h1>${status} ${statusText}</h1></center>`,
    "<hr><center>nginx</center>",
    "</body>",
    "</html>",
    "",
  ].join("\r\n");
}

/** Opaque pagination cursor: base64url of a query string (as the real one looks). */
export function encodeCursor(params: Record<string, string>): string {
  return Buffer.from(new URLSearchParams(params).toString(), "utf8").toString("base64url");
}

export function decodeCursor(cursor: string): Record<string, string> | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const params = Object.fromEntries(new URLSearchParams(text));
  return Object.keys(params).length > 0 ? params : undefined;
}

/** Query booleans the way the API reads them: "true"/"false", else the default. */
export function queryBool(value: string | undefined, fallback: boolean): boolean {
  if (value === "true") return true;
  if (value === "false") return false;
  return fallback;
}
