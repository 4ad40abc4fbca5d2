/** The soak test's result, its small table, and its rows in the bench table. */
import { percentile } from "./measure";
import { fmtInt, fmtMs, renderTable, type Line, type TableRow } from "./table-format";

export interface Latency {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** One kind of traffic: chart pages, records pages, CSV export, or the editors' form round trips. */
export interface Traffic {
  requests: number;
  perSecond: number;
  latencyMs: Latency;
  statusCodes: Record<string, number>;
  /** Responses outside 200–399 that were not expected (an editor's deliberate stale edit expects 409). */
  unexpectedStatus: number;
  /** Connection errors and timeouts. */
  errors: number;
}

export interface Verification {
  /** Records the editors owned. */
  records: number;
  acknowledged: number;
  /** Audit entries of action "update" on those records. */
  auditEntries: number;
  /** Acknowledged edits whose values are not the record's final values or not in the audit trail. */
  lost: string[];
  /** Audit entries that match no acknowledged edit, or a broken before → after chain. */
  auditProblems: string[];
}

export interface SoakResult {
  generatedAt: string;
  seconds: number;
  server: string;
  config: {
    readers: Record<string, number>;
    editors: number;
    timeoutSeconds: number;
    rate: number | null;
    symbols: string[];
    years: number;
    documents: number;
    recordsPerEditor: number;
  };
  readers: Record<string, Traffic>;
  editors: Traffic & { acknowledged: number; staleProbes: number; staleRefused: number };
  total: Traffic;
  verification: Verification;
  /** The first few error messages, for the reader of the table. */
  errorSamples: string[];
  ok: boolean;
}

const r1 = (n: number) => Math.round(n * 10) / 10;

export function latencyOf(ms: readonly number[]): Latency {
  return { p50: r1(percentile(ms, 0.5)), p95: r1(percentile(ms, 0.95)), p99: r1(percentile(ms, 0.99)), max: r1(ms.length ? ms.reduce((a, b) => Math.max(a, b), 0) : Number.NaN) };
}

const lat = (l: Latency) => `p50 ${fmtMs(l.p50)} / p95 ${fmtMs(l.p95)} / p99 ${fmtMs(l.p99)}`;
const traffic = (t: Traffic) => `${r1(t.perSecond)} req/s (${fmtInt(t.requests)}), ${lat(t.latencyMs)}`;

export function soakRows(r: SoakResult): Line[] {
  const v = r.verification;
  const bad = r.total.errors + r.total.unexpectedStatus;
  const readers = Object.values(r.config.readers).reduce((a, b) => a + b, 0);
  const rows: TableRow[] = [
    {
      figure: `soak: all requests (${readers} readers, ${r.config.editors} editors)`,
      value: traffic(r.total),
      target: "none",
      comparedWith: `${r.seconds} s on loopback, production build`,
      status: "measured",
    },
    ...Object.entries(r.readers).map(([kind, t]): TableRow => ({
      figure: `    ${kind}`,
      value: traffic(t),
      target: "",
      comparedWith: `${r.config.readers[kind]} concurrent reader(s)`,
      status: "",
    })),
    {
      figure: "    editors (form GET, POST, redirect)",
      value: `${traffic(r.editors)}; ${r.editors.acknowledged} edits saved`,
      target: "",
      comparedWith: `${r.editors.staleRefused}/${r.editors.staleProbes} stale edits refused (409)`,
      status: "",
    },
    {
      figure: "soak: errors, unexpected statuses",
      value: `${r.total.errors} errors, ${r.total.unexpectedStatus} unexpected`,
      target: "0",
      comparedWith: "every response (non-2xx/3xx, timeouts)",
      status: bad === 0 ? "pass" : "MISSED",
    },
    {
      figure: "soak: lost updates",
      value: `${v.lost.length} lost; audit ${v.auditEntries} entries / ${v.acknowledged} saved edits`,
      target: "0; one entry per edit",
      comparedWith: "the database after the run",
      status: v.lost.length === 0 && v.auditProblems.length === 0 && v.auditEntries === v.acknowledged ? "pass" : "MISSED",
    },
  ];
  return [{ section: `Soak (${r.generatedAt.slice(0, 16).replace("T", " ")} UTC, from bench-results/soak.json; not re-run by the bench)` }, ...rows];
}

export function renderSoakTable(r: SoakResult): string {
  const lines = [
    `Soak test: ${r.server}; ${r.config.symbols.length} symbols × ${r.config.years} years (${fmtInt(r.config.documents)} records).`,
    "",
    renderTable(soakRows(r).slice(1)),
  ];
  if (r.errorSamples.length) lines.push("", "First errors:", ...r.errorSamples.map((e) => `  - ${e}`));
  if (r.verification.lost.length) lines.push("", "Lost updates:", ...r.verification.lost.slice(0, 10).map((e) => `  - ${e}`));
  if (r.verification.auditProblems.length) lines.push("", "Audit problems:", ...r.verification.auditProblems.slice(0, 10).map((e) => `  - ${e}`));
  lines.push("", r.ok ? "OK: no errors, no lost update." : "FAILED: see above.");
  return lines.join("\n");
}
