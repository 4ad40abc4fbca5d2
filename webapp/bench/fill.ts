/**
 * Bench data: the records page's large collection (many symbols over two
 * years, plain insertMany batches: this is bench data, not the pipeline's
 * path), with progress on stderr because a million rows take a while on the
 * embedded server.
 */
import { performance } from "node:perf_hooks";
import { addDays, latestCompletedSession, tradingDaysBetween } from "@stock-market/pipeline/calendar/nyse";
import { dailyPrices } from "@stock-market/pipeline/db/daily-prices.server";
import { toStoredDate, type DailyPrice } from "@stock-market/pipeline/model/daily-price";
import type { Db } from "mongodb";
import { say } from "./measure";

const BATCH = 10_000;

/** Symbol of the n-th filled symbol: S00000, S00001, … */
export const fillSymbol = (n: number) => `S${String(n).padStart(5, "0")}`;

/** Writes `rows` records (two years of trading days per symbol); returns how many symbols that took. */
export async function fillCollection(db: Db, rows: number): Promise<{ symbols: number; seconds: number }> {
  const latest = latestCompletedSession(new Date());
  const days = tradingDaysBetween(addDays(latest, -730), latest);
  const now = new Date();
  const started = performance.now();
  const step = Math.max(BATCH, Math.round(rows / 10 / BATCH) * BATCH);
  let written = 0;
  let batch: DailyPrice[] = [];
  let symbols = 0;
  const flush = async () => {
    await dailyPrices(db).insertMany(batch, { ordered: false });
    const before = written;
    written += batch.length;
    batch = [];
    if (Math.floor(written / step) > Math.floor(before / step) || written === rows) {
      const s = (performance.now() - started) / 1000;
      const rate = written / s;
      say(
        `  ${written.toLocaleString("en-US")} / ${rows.toLocaleString("en-US")} rows written (${Math.round(rate).toLocaleString("en-US")} rows/s${
          written < rows ? `, ~${Math.round((rows - written) / rate)} s to go` : ""
        })`,
      );
    }
  };
  for (let s = 0; written + batch.length < rows; s++) {
    const symbol = fillSymbol(s);
    symbols++;
    for (const day of days) {
      if (written + batch.length >= rows) break;
      batch.push({
        symbol,
        date: toStoredDate(day),
        open: 10,
        high: 11,
        low: 9,
        close: 10.5,
        volume: 1000,
        source: "pipeline",
        feed: "synthetic",
        ingestedAt: now,
        updatedAt: now,
      });
      if (batch.length === BATCH) await flush();
    }
  }
  if (batch.length) await flush();
  return { symbols, seconds: (performance.now() - started) / 1000 };
}
