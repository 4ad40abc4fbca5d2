/**
 * DuckDB as the curated layer's Parquet writer and reader (decision 080).
 * One in-memory database per curate (the native module costs ~100 ms to
 * start; a curate writes many files). Each file is written by DuckDB to a
 * private temporary folder, then handed back as bytes for the lake's atomic
 * `put`: nothing is ever written under a lake key directly.
 *
 * Column names and types are FIXED (ARCHITECTURE.md "Data lake"); the
 * screener (pipeline/src/market) and outside engines rely on them.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

/** One row of curated/daily_bars (the session is the partition, not a column). */
export interface CuratedBarRow {
  symbol: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  vwap: number | null;
  transactions: number | null;
  otc: boolean;
  feed: string;
}

/** One row of curated/corporate_actions. */
export interface CuratedActionRow {
  kind: "split" | "dividend";
  id: string;
  symbol: string;
  /** Split execution date or ex-dividend date, YYYY-MM-DD. */
  date: string;
  split_from: number | null;
  split_to: number | null;
  cash_amount: number | null;
  currency: string | null;
  feed: string;
}

export const BARS_COLUMNS = "symbol VARCHAR, open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE, vwap DOUBLE, transactions BIGINT, otc BOOLEAN, feed VARCHAR";
export const ACTIONS_COLUMNS = "kind VARCHAR, id VARCHAR, symbol VARCHAR, date DATE, split_from DOUBLE, split_to DOUBLE, cash_amount DOUBLE, currency VARCHAR, feed VARCHAR";

/** A DuckDB string literal: for file paths, which COPY and read_parquet take only as literals. */
export const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** A DuckDB connection and a scratch folder; `close` removes both. */
export class ParquetFiles {
  private seq = 0;
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly dir: string,
  ) {}

  static async open(): Promise<ParquetFiles> {
    // Imported lazily: commands that never curate do not load the native module.
    const { DuckDBInstance } = await import("@duckdb/node-api");
    // One thread: the bytes of a file then depend only on its rows, so a re-run writes the same object.
    const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
    const conn = await instance.connect();
    const dir = await mkdtemp(path.join(tmpdir(), "stock-pipeline-curate-"));
    return new ParquetFiles(instance, conn, dir);
  }

  private tempFile(): string {
    return path.join(this.dir, `f${++this.seq}.parquet`);
  }

  /** The session's rows as one Parquet file, sorted by symbol. */
  async barsFile(rows: readonly CuratedBarRow[]): Promise<Buffer> {
    await this.conn.run(`CREATE OR REPLACE TEMP TABLE bars (${BARS_COLUMNS})`);
    const app = await this.conn.createAppender("bars");
    for (const r of rows) {
      app.appendVarchar(r.symbol);
      for (const v of [r.open, r.high, r.low, r.close, r.volume]) app.appendDouble(v);
      if (r.vwap === null) app.appendNull();
      else app.appendDouble(r.vwap);
      if (r.transactions === null) app.appendNull();
      else app.appendBigInt(BigInt(r.transactions));
      app.appendBoolean(r.otc);
      app.appendVarchar(r.feed);
      app.endRow();
    }
    app.closeSync();
    return this.copy("SELECT * FROM bars ORDER BY symbol");
  }

  /** Actions of one year as one Parquet file, sorted by (date, symbol, kind, id). */
  async actionsFile(rows: readonly CuratedActionRow[]): Promise<Buffer> {
    await this.conn.run(`CREATE OR REPLACE TEMP TABLE actions (${ACTIONS_COLUMNS})`);
    const app = await this.conn.createAppender("actions");
    const optional = (v: number | string | null, append: (x: never) => void) => (v === null ? app.appendNull() : append(v as never));
    for (const r of rows) {
      app.appendVarchar(r.kind);
      app.appendVarchar(r.id);
      app.appendVarchar(r.symbol);
      app.appendVarchar(r.date); // cast to DATE by DuckDB
      optional(r.split_from, (x: number) => app.appendDouble(x));
      optional(r.split_to, (x: number) => app.appendDouble(x));
      optional(r.cash_amount, (x: number) => app.appendDouble(x));
      optional(r.currency, (x: string) => app.appendVarchar(x));
      app.appendVarchar(r.feed);
      app.endRow();
    }
    app.closeSync();
    return this.copy("SELECT * FROM actions ORDER BY date, symbol, kind, id");
  }

  /** The rows of a curated actions file held in memory; throws DuckDB's error if it is not readable Parquet. */
  async readActions(body: Uint8Array): Promise<CuratedActionRow[]> {
    const file = this.tempFile();
    await writeFile(file, body);
    try {
      const reader = await this.conn.runAndReadAll(
        `SELECT kind, id, symbol, strftime(date, '%Y-%m-%d') AS date, split_from, split_to, cash_amount, currency, feed FROM read_parquet(${sqlString(file)})`,
      );
      return reader.getRowObjectsJS() as unknown as CuratedActionRow[];
    } finally {
      await rm(file, { force: true });
    }
  }

  private async copy(select: string): Promise<Buffer> {
    const file = this.tempFile();
    try {
      await this.conn.run(`COPY (${select}) TO ${sqlString(file)} (FORMAT parquet)`);
      return await readFile(file);
    } finally {
      await rm(file, { force: true });
    }
  }

  async close(): Promise<void> {
    this.conn.closeSync();
    this.instance.closeSync();
    await rm(this.dir, { recursive: true, force: true });
  }
}
