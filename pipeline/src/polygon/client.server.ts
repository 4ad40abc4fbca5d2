import { createHash } from "node:crypto";
import { ApiError } from "../errors.js";
import { Pacer } from "./pacer.js";

/** One HTTP response exactly as received, plus what we learned about it. */
export interface RawResponse {
  /** Path and query as requested, relative to the base URL. Never holds the key. */
  path: string;
  status: number;
  body: Buffer;
  contentType: string;
  requestedAt: string;
  requestId: string | undefined;
  resultsCount: number;
  /** Path+query of the next page (re-targeted to our base URL), if any. */
  nextPath: string | undefined;
  sha256: string;
}

export interface PolygonClientOptions {
  baseUrl: string;
  apiKey: string;
  maxRequestsPerMinute: number;
  timeoutMs: number;
  maxRetries: number;
  retryBaseMs: number;
  log?: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

const MAX_BACKOFF_MS = 60_000;

/** Filters of the corporate-actions endpoints; keys as the API spells them (`ticker.any_of`, `execution_date.gte`). */
export type ActionQuery = Readonly<Record<string, string | number>>;

/** URLSearchParams keeps dotted keys literal and encodes the values (a comma list becomes %2C-separated). */
function queryString(query: ActionQuery): string {
  return new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
}

type Attempt = { ok: true; response: RawResponse } | { ok: false; retry: boolean; kind: string; status?: number; detail: string; retryAfterMs?: number };

/**
 * Polygon/Massive REST client: header auth (the key never enters a URL),
 * pacing across the run, retries with exponential backoff and full jitter for
 * 429/5xx/timeouts/network errors/unreadable bodies, and an immediate, named
 * failure for 400/401/403/404.
 */
export class PolygonClient {
  /** HTTP requests sent, retries included. */
  requestCount = 0;
  private readonly pacer: Pacer;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: PolygonClientOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.pacer = new Pacer(options.maxRequestsPerMinute, Date.now, this.sleep);
  }

  /** Grouped daily bars of every US ticker for one session, as traded (adjustments are applied on read). */
  grouped(date: string, opts: { tradingDay: boolean; includeOtc?: boolean }): Promise<RawResponse> {
    const path = `/v2/aggs/grouped/locale/us/market/stocks/${date}?adjusted=false&include_otc=${opts.includeOtc ? "true" : "false"}`;
    // An empty answer for a session the calendar says was open is a known
    // transient upstream fault: retry it, and fail rather than report success.
    return this.get(path, { emptyIsError: opts.tradingDay ? `no bars for trading day ${date}` : undefined });
  }

  /** First page of daily range aggregates for one ticker, both ends inclusive, as traded. */
  rangeFirstPage(ticker: string, from: string, to: string): Promise<RawResponse> {
    return this.get(`/v2/aggs/ticker/${encodeURIComponent(ticker)}/range/1/day/${from}/${to}?adjusted=false&sort=asc&limit=50000`);
  }

  /**
   * First page of `GET /stocks/v1/splits` for a filter such as
   * `{ "execution_date.gte": "2025-01-03", limit: 5000 }`. An empty `results`
   * is a normal answer here (most days nothing splits), never retried.
   */
  splits(query: ActionQuery): Promise<RawResponse> {
    return this.get(`/stocks/v1/splits?${queryString(query)}`);
  }

  /** First page of `GET /stocks/v1/dividends` for a filter such as `{ ex_dividend_date: "2025-01-03", limit: 5000 }`. */
  dividends(query: ActionQuery): Promise<RawResponse> {
    return this.get(`/stocks/v1/dividends?${queryString(query)}`);
  }

  /** A later page, from the `nextPath` of the previous one. */
  nextPage(nextPath: string): Promise<RawResponse> {
    return this.get(nextPath);
  }

  /** GET with pacing and retries; returns the successful response or throws ApiError. */
  async get(path: string, opts: { emptyIsError?: string } = {}): Promise<RawResponse> {
    const route = path.split("?")[0]!;
    let last: Extract<Attempt, { ok: false }> | undefined;
    let attempts = 0;
    for (let attempt = 1; attempt <= this.options.maxRetries + 1; attempt++) {
      attempts = attempt;
      await this.pacer.take((ms) => {
        if (ms >= 1000) this.options.log?.(`pacing: waiting ${(ms / 1000).toFixed(1)} s to stay under ${this.options.maxRequestsPerMinute} requests/minute`);
      });
      let result = await this.attempt(path);
      if (result.ok && opts.emptyIsError && result.response.resultsCount === 0) {
        result = { ok: false, retry: true, kind: "empty", status: 200, detail: opts.emptyIsError };
      }
      if (result.ok) return result.response;
      last = result;
      if (!result.retry) break;
      if (attempt <= this.options.maxRetries) {
        const backoff = Math.min(MAX_BACKOFF_MS, this.options.retryBaseMs * 2 ** (attempt - 1));
        const wait = result.retryAfterMs ?? Math.round(backoff / 2 + Math.random() * (backoff / 2));
        this.options.log?.(`GET ${route}: ${result.detail}; retry ${attempt}/${this.options.maxRetries} in ${(wait / 1000).toFixed(1)} s`);
        await this.sleep(wait);
      }
    }
    const f = last!;
    throw new ApiError(`Polygon API: ${f.detail} (GET ${route}${attempts > 1 ? `, ${attempts} attempts` : ""})`, {
      path: route,
      status: f.status,
      kind: f.kind,
      attempts,
    });
  }

  private async attempt(path: string): Promise<Attempt> {
    this.requestCount++;
    const requestedAt = new Date().toISOString();
    let res: Response;
    let body: Buffer;
    try {
      res = await fetch(this.options.baseUrl + path, {
        headers: { Authorization: `Bearer ${this.options.apiKey}`, Accept: "application/json" },
        signal: AbortSignal.timeout(this.options.timeoutMs),
        // Not followed (see the 3xx case below), and not "error": that surfaced as a retried network error.
        redirect: "manual",
      });
      body = Buffer.from(await res.arrayBuffer());
    } catch (e) {
      const timeout = e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError");
      return timeout
        ? { ok: false, retry: true, kind: "timeout", detail: `no answer within ${this.options.timeoutMs} ms` }
        : { ok: false, retry: true, kind: "network", detail: `network error (${networkCause(e)})` };
    }
    const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"));
    const contentType = res.headers.get("content-type") ?? "";
    const message = errorMessage(body, this.options.apiKey);
    // A redirect never fixes itself on retry; it means a wrong base URL (http:// for https://, an old host).
    if (res.status >= 300 && res.status < 400) {
      const to = (res.headers.get("location") ?? "").slice(0, 200);
      return {
        ok: false,
        retry: false,
        kind: "bad-request",
        status: res.status,
        detail: `HTTP ${res.status} redirect${to ? ` to ${to}` : ""}, not followed; check POLYGON_BASE_URL`,
      };
    }
    if (res.status === 429) return { ok: false, retry: true, kind: "rate-limit", status: 429, detail: "HTTP 429 rate limit", retryAfterMs };
    if (res.status >= 500) return { ok: false, retry: true, kind: "server", status: res.status, detail: `HTTP ${res.status} from the server`, retryAfterMs };
    if (res.status !== 200) return { ok: false, retry: false, ...classifyClientError(res.status, message) };

    let json: unknown;
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch {
      return { ok: false, retry: true, kind: "bad-body", status: 200, detail: "HTTP 200 with a body that is not valid JSON (truncated?)" };
    }
    if (!isEnvelope(json)) {
      return { ok: false, retry: true, kind: "bad-body", status: 200, detail: "HTTP 200 with a body that is not a Polygon response envelope" };
    }
    return {
      ok: true,
      response: {
        path,
        status: res.status,
        body,
        contentType,
        requestedAt,
        requestId: typeof json.request_id === "string" ? json.request_id : undefined,
        resultsCount: Array.isArray(json.results) ? json.results.length : 0,
        nextPath: typeof json.next_url === "string" ? retarget(json.next_url) : undefined,
        sha256: createHash("sha256").update(body).digest("hex"),
      },
    };
  }
}

interface Envelope {
  status: string;
  request_id?: unknown;
  results?: unknown;
  next_url?: unknown;
}

function isEnvelope(json: unknown): json is Envelope {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return false;
  const o = json as Record<string, unknown>;
  const statusOk = o.status === "OK" || o.status === "DELAYED";
  const resultsOk = o.results === undefined || o.results === null || Array.isArray(o.results);
  return statusOk && resultsOk;
}

/** next_url may name another host (api.polygon.io vs api.massive.com): keep only path and query. */
function retarget(nextUrl: string): string | undefined {
  try {
    const u = new URL(nextUrl);
    u.searchParams.delete("apiKey");
    return u.pathname + u.search;
  } catch {
    return undefined;
  }
}

function classifyClientError(status: number, message: string): { kind: string; status: number; detail: string } {
  const said = message ? `: "${message}"` : "";
  if (status === 401 || /api key/i.test(message)) {
    return /not provided/i.test(message)
      ? { kind: "auth", status, detail: `the API key was not sent (HTTP ${status}${said}); set POLYGON_API_KEY` }
      : { kind: "auth", status, detail: `the API key was rejected (HTTP ${status}${said}); check POLYGON_API_KEY` };
  }
  if (status === 403) {
    if (/today'?s data/i.test(message)) {
      return {
        kind: "not-yet-available",
        status,
        detail: `today's session is not available yet on this plan (HTTP 403${said}); run it after the end of day or for an earlier date`,
      };
    }
    if (/timeframe/i.test(message)) {
      return { kind: "entitlement", status, detail: `the date is outside the history your plan covers (HTTP 403${said})` };
    }
    return { kind: "entitlement", status, detail: `your plan is not entitled to this data (HTTP 403${said})` };
  }
  if (status === 404) return { kind: "not-found", status, detail: `not found (HTTP 404${said})` };
  return { kind: "bad-request", status, detail: `the request was refused (HTTP ${status}${said})` };
}

/** `error` or `message` from a JSON error body; HTML gateway pages give "". */
function errorMessage(body: Buffer, apiKey: string): string {
  try {
    const j = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
    const m = j.error ?? j.message;
    if (typeof m !== "string") return "";
    // A server or proxy may echo the credentials back: keep the key out of our messages (before slicing, so no part of it stays).
    return (apiKey ? m.split(apiKey).join("***") : m).slice(0, 300);
  } catch {
    return "";
  }
}

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 5 * 60_000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.min(at - Date.now(), 5 * 60_000));
}

function networkCause(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
}
