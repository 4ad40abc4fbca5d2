/**
 * The soak's readers: one autocannon instance per kind of page (chart pages,
 * filtered records pages, CSV export), each a closed loop of N connections
 * with one request in flight per connection, so the load is bounded by the
 * concurrency (and by --rate when given) rather than by how fast we can send.
 */
import autocannon, { type Result } from "autocannon";
import { latencyOf, type Traffic } from "./soak-report";

export type ReaderKind = "chart pages" | "records pages" | "CSV export";

export interface ReaderPlan {
  baseUrl: string;
  seconds: number;
  timeoutSeconds: number;
  /** Total requests per second across all readers; null: as fast as the server answers. */
  rate: number | null;
  connections: Record<ReaderKind, number>;
  symbols: readonly string[];
  /** Trading days covered by the seed, oldest first. */
  days: readonly string[];
}

const RANGES = ["1M", "6M", "YTD", "1Y", "5Y", "MAX"];
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

function pathFor(kind: ReaderKind, p: ReaderPlan): string {
  const symbol = encodeURIComponent(pick(p.symbols));
  if (kind === "chart pages") {
    const ma = Math.random() < 0.5 ? "&ma=50&ma=200" : "";
    return `/chart/${symbol}?range=${pick(RANGES)}${ma}`;
  }
  // A window of about a year somewhere in the seeded range, as a person filtering would pick.
  const i = Math.floor(Math.random() * Math.max(1, p.days.length - 252));
  const from = p.days[i]!;
  const to = p.days[Math.min(p.days.length - 1, i + 251)]!;
  if (kind === "CSV export") return `/records.csv?symbol=${symbol}&from=${from}&to=${to}`;
  const variants = [
    `/records?symbol=${symbol}`,
    `/records?symbol=${symbol}&from=${from}&to=${to}&page=${1 + Math.floor(Math.random() * 3)}`,
    `/records?symbol=${symbol}&sort=close&dir=asc`,
    `/records?source=manual`,
    `/records?from=${from}&to=${to}&sort=volume`,
  ];
  return pick(variants);
}

export interface ReaderOutcome {
  byKind: Record<ReaderKind, Traffic>;
  /** Every response time, for the all-traffic percentiles. */
  latencies: number[];
  errorSamples: string[];
}

/** Runs every reader kind at once for `seconds`; resolves when all have stopped. */
export async function runReaders(p: ReaderPlan, onResponse: () => void): Promise<ReaderOutcome> {
  const kinds = (Object.keys(p.connections) as ReaderKind[]).filter((k) => p.connections[k] > 0);
  const total = kinds.reduce((a, k) => a + p.connections[k], 0);
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  const runs = kinds.map(async (kind) => {
    const times: number[] = [];
    const instance = autocannon({
      url: p.baseUrl,
      title: kind,
      connections: p.connections[kind],
      duration: p.seconds,
      timeout: p.timeoutSeconds,
      // The rate is shared out by connections, so each kind keeps its share of the mix.
      ...(p.rate ? { overallRate: Math.max(1, Math.round((p.rate * p.connections[kind]) / total)) } : {}),
      requests: [{ setupRequest: (req) => ({ ...req, method: "GET", path: pathFor(kind, p) }) }],
    });
    instance.on("response", (_client: unknown, _status: number, _bytes: number, ms: number) => {
      times.push(ms);
      onResponse();
    });
    instance.on("reqError", (e: Error) => {
      if (errorSamples.length < 10) errorSamples.push(`${kind}: ${e.message}`);
    });
    const result: Result = await instance;
    latencies.push(...times);
    return [kind, toTraffic(result, times)] as const;
  });
  const byKind = Object.fromEntries(await Promise.all(runs)) as Record<ReaderKind, Traffic>;
  return { byKind, latencies, errorSamples };
}

function toTraffic(r: Result, times: number[]): Traffic {
  const statusCodes = Object.fromEntries(Object.entries(r.statusCodeStats).map(([code, s]) => [code, s.count]));
  const unexpectedStatus = Object.entries(statusCodes)
    .filter(([code]) => Number(code) < 200 || Number(code) >= 400)
    .reduce((a, [, n]) => a + n, 0);
  return { requests: times.length, perSecond: times.length / r.duration, latencyMs: latencyOf(times), statusCodes, unexpectedStatus, errors: r.errors };
}
