/**
 * Test support for the curated layer's tests: a lake filled from the fake
 * Polygon server's real responses, and the rows a plain reading of a raw
 * object gives (JSON.parse and a few lines, not the pipeline's parser), for
 * comparing the Parquet files against.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import type { Lake } from "../lake/lake.js";
import type { CurateContext } from "../curated/bars.server.js";
import type { CuratedBarRow } from "../curated/parquet.server.js";

export function curateContext(lake: Lake, lines: string[] = []): CurateContext {
  return { lake, log: (l: string) => void lines.push(l), config: { feed: "polygon" } as CurateContext["config"] };
}

/** A curated row without the feed (the raw body does not carry it). The type is shared; the values are computed here independently. */
export type PlainRow = Omit<CuratedBarRow, "feed">;

/**
 * The rows of a raw aggregates body that a load keeps: prices positive, low
 * and high around open and close, volume not negative. Written out here
 * from the architecture's rule, independently of transform/bars.ts.
 */
export function plainRows(body: Uint8Array): Map<string, PlainRow> {
  const json = JSON.parse(Buffer.from(body).toString("utf8")) as { ticker?: string; results?: Record<string, unknown>[] };
  const out = new Map<string, PlainRow>();
  for (const r of json.results ?? []) {
    const [o, h, l, c, v] = [r.o, r.h, r.l, r.c, r.v] as number[];
    const ok = [o, h, l, c].every((x) => typeof x === "number" && x > 0) && typeof v === "number" && v >= 0 && l! <= Math.min(o!, c!) && h! >= Math.max(o!, c!);
    if (!ok) continue;
    const symbol = (r.T as string | undefined) ?? json.ticker!;
    out.set(symbol, {
      symbol,
      open: o!,
      high: h!,
      low: l!,
      close: c!,
      volume: v!,
      vwap: (r.vw as number | undefined) ?? null,
      transactions: (r.n as number | undefined) ?? null,
      otc: (r.otc as boolean | undefined) ?? false,
    });
  }
  return out;
}

/** Runs one query on a fresh in-memory DuckDB; BIGINT as number, DATE as YYYY-MM-DD. */
export async function duck(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const conn = await instance.connect();
  try {
    const reader = await conn.runAndReadAll(sql);
    return reader.getRowObjectsJS().map((row) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(row)) out[k] = typeof v === "bigint" ? Number(v) : v instanceof Date ? v.toISOString().slice(0, 10) : v;
      return out;
    });
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

export const sqlPath = (p: string) => `'${p.replace(/'/g, "''")}'`;
