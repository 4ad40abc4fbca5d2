import { listSymbols } from "@stock-market/pipeline/db/daily-prices.server";
import type { Db } from "mongodb";

/** Symbols with live records, from the database (never a hard-coded list). */
export function symbolsInDb(db: Db): Promise<string[]> {
  return listSymbols(db);
}
