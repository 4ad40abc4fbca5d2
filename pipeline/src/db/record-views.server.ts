import type { Db } from "mongodb";
import { toStoredDate, type DailyPrice } from "../model/daily-price.js";
import { dailyPrices, LIVE } from "./daily-prices.server.js";

/**
 * What pages show of a record (chart, records table, CSV): the values, who
 * set them and when, without the load's provenance (lake key, run, ingest
 * time, basis). A symbol's whole history is read when a page first needs it,
 * and FerretDB's cost is per decoded value: the fields left out are about a
 * third of a record's bytes.
 */
export type RecordView = Omit<DailyPrice, "lakeObject" | "runId" | "ingestedAt" | "basis" | "otc">;

const VIEW = { _id: 0, lakeObject: 0, runId: 0, ingestedAt: 0, basis: 0, otc: 0 } as const;

/** A symbol's live records in date order, as pages show them. */
export function getRecordViews(db: Db, symbol: string): Promise<RecordView[]> {
  return dailyPrices(db)
    .find({ symbol, ...LIVE }, { projection: VIEW })
    .sort({ date: 1 })
    .toArray();
}

/** One live record by key, as pages show it; null when there is none. */
export function getRecordView(db: Db, symbol: string, date: string): Promise<RecordView | null> {
  return dailyPrices(db).findOne({ symbol, date: toStoredDate(date), ...LIVE }, { projection: VIEW });
}
