/**
 * The curated layer's key scheme (ARCHITECTURE.md "Data lake", decision 080).
 * Pure: no I/O. Beside `raw/`, under the same lake root:
 *
 *   curated/daily_bars/date={YYYY-MM-DD}/part-0.parquet
 *   curated/corporate_actions/year={YYYY}/part-0.parquet
 *
 * Hive-style folders, so DuckDB (`hive_partitioning = true`), BigQuery
 * external tables and Spark read the partition column from the path. The
 * screener (pipeline/src/market) reads these keys; this module writes them.
 */
import { isIsoDate } from "../lake/layout.js";

export const CURATED_BARS_PREFIX = "curated/daily_bars/";
export const CURATED_ACTIONS_PREFIX = "curated/corporate_actions/";

export function curatedBarsKey(date: string): string {
  if (!isIsoDate(date)) throw new RangeError(`a curated session must be a calendar date YYYY-MM-DD, got "${date}"`);
  return `${CURATED_BARS_PREFIX}date=${date}/part-0.parquet`;
}

export function curatedActionsKey(year: string): string {
  if (!/^\d{4}$/.test(year)) throw new RangeError(`a curated actions year is four digits, got "${year}"`);
  return `${CURATED_ACTIONS_PREFIX}year=${year}/part-0.parquet`;
}

const BARS_RE = /^curated\/daily_bars\/date=(\d{4}-\d{2}-\d{2})\/part-0\.parquet$/;
const ACTIONS_RE = /^curated\/corporate_actions\/year=(\d{4})\/part-0\.parquet$/;

/** The session of a curated bars key, or null for any other key. */
export function sessionOfBarsKey(key: string): string | null {
  const d = BARS_RE.exec(key)?.[1];
  return d !== undefined && isIsoDate(d) ? d : null;
}

/** The year of a curated actions key, or null for any other key. */
export function yearOfActionsKey(key: string): string | null {
  return ACTIONS_RE.exec(key)?.[1] ?? null;
}

/** The command that rebuilds the curated partitions of [from, to] from raw/ (no API request). */
export function curateCommand(from: string, to: string = from): string {
  return `stock-pipeline curate --from ${from} --to ${to}`;
}
