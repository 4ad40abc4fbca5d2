/**
 * A Polygon.io/Massive-compatible fake HTTP server serving deterministic
 * SYNTHETIC data (every response carries `X-Synthetic-Data: true` and
 * request ids starting "synthetic-"). Used by tests and the offline demo.
 * Reproduces the behaviours of /work/shared/polygon-api.md: both auth forms,
 * empty weekend/holiday days, fractional volumes, OTC rows, pagination with a
 * key-free absolute next_url, the plan's 403s, and injectable faults.
 * Corporate actions: GET /stocks/v1/splits and GET /stocks/v1/dividends list
 * a deterministic synthetic schedule (plus FakePolygonOptions.corporateActions),
 * as visible at the fake's clock; bars are as traded with `adjusted=false` and
 * split-adjusted up to the clock with `adjusted=true` (the default).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { nyDateOf } from "../calendar/nyse.js";
import { handleControl } from "./control.js";
import { actionBookFor } from "./action-book.js";
import { FaultQueue, applyFault, type Fault } from "./faults.js";
import { MESSAGES, errorResponse, notFound, requestIdFor, type FakeResponse } from "./responses.js";
import { groupedDaily, openClose, previousClose, rangeAggs, type RouteContext } from "./routes-aggs.js";
import { listDividends, listSplits } from "./routes-actions.js";
import { listTickers, tickerDetails, upcomingMarketStatus } from "./routes-reference.js";
import type { CorporateActionsOption } from "./synthetic-actions.js";
import { syntheticUniverse } from "./synthetic.js";

export type { Fault, FaultKind } from "./faults.js";
export type { Bar } from "./synthetic.js";
export type { CorporateActionsOption, SplitRatio, SyntheticDividend, SyntheticSplit, TickerActions } from "./synthetic-actions.js";
export { adjustedFactor, asTradedFactor } from "./synthetic-actions.js";
export { syntheticActions } from "./action-book.js";
export { expectedFakeBar, type BarView } from "./served-bars.js";

export interface FakePolygonOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Loopback address only (default "127.0.0.1"). */
  host?: string;
  /** Accepted API keys (default ["test-key"]). */
  apiKeys?: readonly string[];
  /** Seed of the synthetic data (default "demo"). */
  seed?: string;
  /** Number of tickers in the universe (default 11000, OTC ones included). */
  universeSize?: number;
  /** Bars per range page before next_url is emitted (default 5000); a page holds min(limit, rangePageSize) bars. */
  rangePageSize?: number;
  /** Absolute base URL used to build next_url (default: this server's own URL). */
  nextUrlBase?: string;
  /** The current New York date, "YYYY-MM-DD" (default: the real clock). Sessions before it are complete; it gets 403 before-EOD. */
  today?: () => string;
  /** Oldest date the simulated plan covers; older requests get 403 NOT_AUTHORIZED. */
  historyStart?: string;
  /**
   * Splits and dividends added to the synthetic schedule; tickers in
   * `replaceSyntheticFor` get only these. Checked at start (throws on a bad one).
   */
  corporateActions?: CorporateActionsOption;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization?: string;
}

export interface FakePolygonStats {
  total: number;
  byRoute: Record<string, number>;
}

export interface FakePolygon {
  url: string;
  port: number;
  close(): Promise<void>;
  stats(): FakePolygonStats;
  /** API requests received since the last resetStats() (control requests excluded). */
  readonly requests: ReadonlyArray<RecordedRequest>;
  resetStats(): void;
  inject(fault: Fault): void;
  clearFaults(): void;
  /** Requests waiting on a "hold" fault right now. */
  readonly held: number;
  /** Lets every held request answer (normally); returns how many there were. */
  releaseHeld(): number;
}

type Handler = (ctx: RouteContext, params: string[]) => FakeResponse;

const ROUTES: ReadonlyArray<{ name: string; re: RegExp; handle: Handler }> = [
  { name: "grouped", re: /^\/v2\/aggs\/grouped\/locale\/us\/market\/stocks\/([^/]+)$/, handle: (c, [d]) => groupedDaily(c, d!) },
  {
    name: "range",
    re: /^\/v2\/aggs\/ticker\/([^/]+)\/range\/([^/]+)\/([^/]+)\/([^/]+)\/([^/]+)$/,
    handle: (c, [ticker, multiplier, timespan, from, to]) => rangeAggs(c, { ticker: ticker!, multiplier: multiplier!, timespan: timespan!, from: from!, to: to! }),
  },
  { name: "prev", re: /^\/v2\/aggs\/ticker\/([^/]+)\/prev$/, handle: (c, [t]) => previousClose(c, t!) },
  { name: "open-close", re: /^\/v1\/open-close\/([^/]+)\/([^/]+)$/, handle: (c, [t, d]) => openClose(c, t!, d!) },
  { name: "market-upcoming", re: /^\/v1\/marketstatus\/upcoming$/, handle: (c) => ({ status: 200, json: upcomingMarketStatus(c.today) }) },
  { name: "tickers", re: /^\/v3\/reference\/tickers$/, handle: (c) => listTickers(c) },
  { name: "ticker-details", re: /^\/v3\/reference\/tickers\/([^/]+)$/, handle: (c, [t]) => tickerDetails(c, t!) },
  { name: "splits", re: /^\/stocks\/v1\/splits$/, handle: (c) => listSplits(c) },
  { name: "dividends", re: /^\/stocks\/v1\/dividends$/, handle: (c) => listDividends(c) },
];

function matchRoute(method: string, path: string): { name: string; handle: Handler; params: string[] } | undefined {
  if (method !== "GET") return undefined;
  for (const route of ROUTES) {
    const m = route.re.exec(path);
    if (!m) continue;
    try {
      return { name: route.name, handle: route.handle, params: m.slice(1).map((s) => decodeURIComponent(s)) };
    } catch {
      return undefined; // malformed percent-encoding
    }
  }
  return undefined;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

function apiKeyOf(req: IncomingMessage, query: Record<string, string>): string | undefined {
  const header = req.headers.authorization;
  const bearer = header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
  return bearer ?? (query.apiKey ? query.apiKey : undefined);
}

export function send(res: ServerResponse, response: FakeResponse): void {
  const body = response.text ?? JSON.stringify(response.json);
  res.writeHead(response.status, {
    "Content-Type": response.contentType ?? "application/json",
    "Content-Length": Buffer.byteLength(body),
    "X-Synthetic-Data": "true",
    ...response.headers,
  });
  res.end(body);
}

export async function startFakePolygon(options: FakePolygonOptions = {}): Promise<FakePolygon> {
  const host = options.host ?? "127.0.0.1";
  if (!LOOPBACK.has(host) && !host.startsWith("127.")) throw new Error(`fake Polygon server listens on loopback only, not ${host}`);
  const apiKeys = new Set(options.apiKeys ?? ["test-key"]);
  const seed = options.seed ?? "demo";
  const universe = syntheticUniverse(options.universeSize ?? 11_000);
  const universeSet = new Set(universe);
  const actions = actionBookFor(seed, universe, options.corporateActions);
  const rangePageSize = Math.max(1, Math.floor(options.rangePageSize ?? 5000));
  const today = options.today ?? (() => nyDateOf(Date.now()));
  const faults = new FaultQueue();
  const requests: RecordedRequest[] = [];
  const byRoute: Record<string, number> = {};
  let total = 0;
  const closing = new AbortController();
  let nextUrlBase = "";
  let holds: Array<() => void> = [];
  const releaseHeld = (): number => {
    const released = holds;
    holds = [];
    for (const release of released) release();
    return released.length;
  };

  const resetStats = (): void => {
    requests.length = 0;
    total = 0;
    for (const k of Object.keys(byRoute)) delete byRoute[k];
  };
  const stats = (): FakePolygonStats => ({ total, byRoute: { ...byRoute } });

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? "GET";
    const path = url.pathname;
    const query = Object.fromEntries(url.searchParams);
    const route = matchRoute(method, path);
    total += 1;
    const routeName = route?.name ?? "not-found";
    byRoute[routeName] = (byRoute[routeName] ?? 0) + 1;
    const recorded: RecordedRequest = { method, path, query };
    if (req.headers.authorization !== undefined) recorded.authorization = req.headers.authorization;
    requests.push(recorded);

    const requestId = requestIdFor(method, path, query);
    const normal = (): FakeResponse => {
      const key = apiKeyOf(req, query);
      if (key === undefined) return errorResponse(401, requestId, MESSAGES.missingKey);
      if (!apiKeys.has(key)) return errorResponse(401, requestId, MESSAGES.unknownKey);
      if (!route) return notFound(requestId);
      const ctx: RouteContext = { seed, universe, universeSet, today: today(), rangePageSize, nextUrlBase, requestId, query, actions };
      if (options.historyStart !== undefined) ctx.historyStart = options.historyStart;
      return route.handle(ctx, route.params);
    };

    const fault = faults.take(path);
    if (fault?.kind === "reset") {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === "delay") await sleep(fault.delayMs ?? 1000, undefined, { signal: closing.signal });
    if (fault?.kind === "hold") {
      const limit = new AbortController();
      const released = new Promise<void>((resolve) => holds.push(resolve));
      try {
        await Promise.race([released, sleep(fault.delayMs ?? 60_000, undefined, { signal: AbortSignal.any([closing.signal, limit.signal]) })]);
      } finally {
        limit.abort();
      }
    }
    send(res, fault ? applyFault(fault, requestId, normal) : normal());
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://fake-polygon.invalid");
    const work = url.pathname.startsWith("/__fake/") ? handleControl(req, res, url, { stats, resetStats, faults, requests, releaseHeld }) : handleApi(req, res, url);
    work.catch((err: unknown) => {
      if (closing.signal.aborted || res.headersSent || res.destroyed) return;
      send(res, errorResponse(500, "synthetic-internal-error", `fake server error: ${err instanceof Error ? err.message : String(err)}`));
    });
  });
  server.keepAliveTimeout = 1000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  nextUrlBase = (options.nextUrlBase ?? url).replace(/\/+$/, "");

  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        closing.abort();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
    stats,
    get requests() {
      return requests;
    },
    resetStats,
    inject: (fault: Fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    get held() {
      return holds.length;
    },
    releaseHeld,
  };
}
