import { listSymbols } from "@stock-market/pipeline/db/daily-prices.server";
import type { Db } from "mongodb";
import { cachedRead } from "~/read-cache.server";

/** Symbols with live records, from the database (never a hard-coded list); cached per data version. */
export function symbolsInDb(db: Db): Promise<string[]> {
  return cachedRead(
    db,
    "symbols",
    () => listSymbols(db),
    (list) => list.length,
  );
}
