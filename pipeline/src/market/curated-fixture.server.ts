/**
 * Writes Parquet files in the FIXED curated layout (ARCHITECTURE.md "Data
 * lake") with DuckDB, straight from rows: the screener's tests, the web app's
 * browser tests and the market bench use it to build a lake without the
 * curate step (pipeline/src/curated owns the real writer). Not for
 * production data: no atomic rename, no merge.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { curatedActionsKey as actionsKey, curatedBarsKey as barsKey } from "../curated/layout.js";
import { ACTIONS_COLUMNS, BARS_COLUMNS, sqlString } from "../curated/parquet.server.js";

export interface FixtureBar {
  symbol: string;
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  vwap?: number | null;
  transactions?: number | null;
  otc?: boolean;
}

export interface FixtureSplit {
  id: string;
  symbol: string;
  date: string;
  split_from: number;
  split_to: number;
}

async function connect(): Promise<DuckDBConnection> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  return (await DuckDBInstance.create(":memory:")).connect();
}

/** One part-0.parquet per session of `bars`, under `root`; returns the sessions written. */
export async function writeCuratedBars(root: string, bars: Iterable<FixtureBar>, feed = "synthetic"): Promise<string[]> {
  const conn = await connect();
  try {
    await conn.run(`CREATE TABLE b (date VARCHAR, ${BARS_COLUMNS})`);
    const app = await conn.createAppender("b");
    const dates = new Set<string>();
    for (const b of bars) {
      dates.add(b.date);
      app.appendVarchar(b.date);
      app.appendVarchar(b.symbol);
      for (const v of [b.open, b.high, b.low, b.close, b.volume]) app.appendDouble(v);
      if (b.vwap == null) app.appendNull();
      else app.appendDouble(b.vwap);
      if (b.transactions == null) app.appendNull();
      else app.appendBigInt(BigInt(b.transactions));
      app.appendBoolean(b.otc ?? false);
      app.appendVarchar(feed);
      app.endRow();
    }
    app.closeSync();
    const sorted = [...dates].sort();
    for (const date of sorted) {
      const file = path.join(root, barsKey(date));
      await mkdir(path.dirname(file), { recursive: true });
      await conn.run(`COPY (SELECT * EXCLUDE (date) FROM b WHERE date = ${sqlString(date)} ORDER BY symbol) TO ${sqlString(file)} (FORMAT parquet)`);
    }
    return sorted;
  } finally {
    conn.closeSync();
  }
}

/** The corporate_actions partitions (splits only: the screener reads no dividends), one file per year. */
export async function writeCuratedSplits(root: string, splits: readonly FixtureSplit[], feed = "synthetic"): Promise<void> {
  const conn = await connect();
  try {
    await conn.run(`CREATE TABLE a (${ACTIONS_COLUMNS})`);
    const app = await conn.createAppender("a");
    for (const s of splits) {
      app.appendVarchar("split");
      app.appendVarchar(s.id);
      app.appendVarchar(s.symbol);
      app.appendVarchar(s.date);
      app.appendDouble(s.split_from);
      app.appendDouble(s.split_to);
      app.appendNull();
      app.appendNull();
      app.appendVarchar(feed);
      app.endRow();
    }
    app.closeSync();
    for (const year of [...new Set(splits.map((s) => s.date.slice(0, 4)))].sort()) {
      const file = path.join(root, actionsKey(year));
      await mkdir(path.dirname(file), { recursive: true });
      await conn.run(`COPY (SELECT * FROM a WHERE year(date) = ${Number(year)} ORDER BY date, symbol, kind, id) TO ${sqlString(file)} (FORMAT parquet)`);
    }
  } finally {
    conn.closeSync();
  }
}
