/**
 * The curated layer's coverage (decision 080), for `status` and the web
 * app's health page: one function, so both say the same. Cheap: one listing
 * of curated/ and, for a local lake, the row counts from the Parquet footers
 * (DuckDB's parquet_file_metadata reads no row data). A gs:// lake is listed
 * only: DuckDB here has no httpfs, and downloading every partition to count
 * rows is what this must not do, so `rows` is null there.
 *
 * Never throws: a lake that cannot be listed is reported in `error`, and an
 * unreadable file (truncated, corrupt) in `unreadable`, each with the
 * command that rebuilds it.
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { tradingDaysBetween } from "../calendar/nyse.js";
import { openLake, type OpenLakeOptions } from "../lake/lake.js";
import { CURATED_ACTIONS_PREFIX, CURATED_BARS_PREFIX, curateCommand, sessionOfBarsKey, yearOfActionsKey } from "./layout.js";
import { sqlString } from "./parquet.server.js";

export interface CuratedCoverage {
  /** Where the lake is (safe to print). */
  lake: string;
  sessions: number;
  first: string | null;
  last: string | null;
  /** Trading days between first and last without a partition. */
  gaps: string[];
  /** Rows of every partition; null when not counted (gs:// lake). */
  rows: number | null;
  actionYears: number;
  actionRows: number | null;
  /** Files whose footer cannot be read, each with the command that rebuilds it. */
  unreadable: { key: string; message: string }[];
  /** Set when the lake itself could not be listed. */
  error?: string;
}

/** The local folder of a LAKE_URI, or null for gs://. Resolved as openLake resolves it. */
function localRoot(uri: string): string | null {
  const t = uri.trim();
  if (/^gs:\/\//i.test(t)) return null;
  return /^file:\/\//i.test(t) ? fileURLToPath(t) : path.resolve(process.cwd(), t);
}

export async function curatedCoverage(uri: string, opts: OpenLakeOptions = {}): Promise<CuratedCoverage> {
  const lake = openLake(uri, opts);
  const out: CuratedCoverage = { lake: lake.description, sessions: 0, first: null, last: null, gaps: [], rows: null, actionYears: 0, actionRows: null, unreadable: [] };
  let barKeys: string[];
  let actionKeys: string[];
  try {
    barKeys = (await lake.list(CURATED_BARS_PREFIX)).filter((k) => sessionOfBarsKey(k) !== null);
    actionKeys = (await lake.list(CURATED_ACTIONS_PREFIX)).filter((k) => yearOfActionsKey(k) !== null);
  } catch (e) {
    return { ...out, error: (e as Error).message };
  }
  const sessions = barKeys.map((k) => sessionOfBarsKey(k)!).sort();
  out.sessions = sessions.length;
  out.actionYears = actionKeys.length;
  if (sessions.length) {
    out.first = sessions[0]!;
    out.last = sessions[sessions.length - 1]!;
    const have = new Set(sessions);
    out.gaps = tradingDaysBetween(out.first, out.last).filter((d) => !have.has(d));
  }
  const root = localRoot(uri);
  if (root === null || barKeys.length + actionKeys.length === 0) {
    if (root !== null) out.rows = out.actionRows = 0;
    return out;
  }
  const counts = await footerRows(root, [...barKeys, ...actionKeys]);
  out.unreadable = counts.unreadable;
  out.rows = barKeys.reduce((n, k) => n + (counts.rows.get(k) ?? 0), 0);
  out.actionRows = actionKeys.reduce((n, k) => n + (counts.rows.get(k) ?? 0), 0);
  return out;
}

/**
 * Footer row counts already read, by file and (mtime, size): a long-lived
 * process (the web app) then reads only the footers of files written since,
 * and a stat per file (~10 µs) instead of a footer (~0.6 ms) for the rest.
 */
const footerCache = new Map<string, { stamp: string; rows: number }>();

/** Row counts from the footers; one query for all, then one per file only if some file is unreadable. */
async function footerRows(root: string, all: readonly string[]): Promise<{ rows: Map<string, number>; unreadable: CuratedCoverage["unreadable"] }> {
  const rows = new Map<string, number>();
  const unreadable: CuratedCoverage["unreadable"] = [];
  const stamps = new Map<string, string>();
  await Promise.all(
    all.map(async (key) => {
      const s = await stat(path.join(root, key)).catch(() => undefined);
      if (!s) return;
      const stamp = `${s.mtimeMs}:${s.size}`;
      const hit = footerCache.get(path.join(root, key));
      if (hit?.stamp === stamp) rows.set(key, hit.rows);
      else stamps.set(key, stamp);
    }),
  );
  const keys = [...stamps.keys()];
  if (keys.length === 0) return { rows, unreadable };
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:");
  const conn = await instance.connect();
  const count = async (list: readonly string[]) => {
    const files = list.map((k) => sqlString(path.join(root, k))).join(", ");
    const r = await conn.runAndReadAll(`SELECT file_name, num_rows FROM parquet_file_metadata([${files}])`);
    const byFile = new Map(list.map((k) => [path.join(root, k), k]));
    for (const [file, n] of r.getRows()) {
      const key = byFile.get(String(file));
      if (key === undefined) continue;
      rows.set(key, Number(n));
      if (footerCache.size > 100_000) footerCache.clear();
      footerCache.set(String(file), { stamp: stamps.get(key)!, rows: Number(n) });
    }
  };
  try {
    try {
      await count(keys);
    } catch {
      for (const key of keys) {
        try {
          await count([key]);
        } catch (e) {
          const session = sessionOfBarsKey(key);
          const year = yearOfActionsKey(key);
          const command = session ? curateCommand(session) : curateCommand(`${year}-01-01`, `${year}-12-31`);
          const reason = (e as Error).message.split("\n")[0];
          unreadable.push({ key, message: `the curated object ${key} cannot be read (${reason}); rebuild it from raw/ with \`${command}\`` });
        }
      }
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  return { rows, unreadable };
}
