/**
 * One in-memory DuckDB per process, created on first query (decision 081):
 * a page needs several queries, and an instance per request would pay the
 * start-up and lose the file-system cache each time.
 * Statements run one at a time on one connection, each prepared with named
 * parameters: nothing from a request is ever pasted into SQL text.
 */
import { DuckDBInstance, type DuckDBConnection, type DuckDBType, type DuckDBValue } from "@duckdb/node-api";

let opened: Promise<DuckDBConnection> | undefined;
let queue: Promise<unknown> = Promise.resolve();

async function open(): Promise<DuckDBConnection> {
  // Imported lazily so that pages which never screen do not load the native module.
  const instance = await DuckDBInstance.create(":memory:", { threads: "2" });
  return instance.connect();
}

export type Params = Record<string, DuckDBValue>;
export type ParamTypes = Record<string, DuckDBType>;
export type Row = Record<string, unknown>;

/** Runs one prepared statement; rows as plain objects (DATE as "YYYY-MM-DD", BIGINT as number). */
export function query(sql: string, params: Params = {}, types?: ParamTypes): Promise<Row[]> {
  const run = async (): Promise<Row[]> => {
    try {
      const conn = await (opened ??= open());
      const statement = await conn.prepare(sql);
      statement.bind(params, types);
      const reader = await statement.runAndReadAll();
      return reader.getRowObjectsJS().map(plain);
    } catch (e) {
      // A failed open must not stick: the next call tries again.
      if (!(await opened?.catch(() => undefined))) opened = undefined;
      throw e;
    }
  };
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  return result;
}

function plain(row: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) {
    if (typeof v === "bigint") out[k] = Number(v);
    else if (v instanceof Date) out[k] = v.toISOString().slice(0, 10);
    else out[k] = v;
  }
  return out;
}
