import { getDailyPrice } from "@stock-market/pipeline/db/daily-prices.server";
import { json } from "@remix-run/node";
import { getDb } from "~/db.server";
import { toRow, type RecordRow } from "~/models/records.server";

/** The record of a `/records/:symbol/:date` URL, or a thrown 404. */
export async function requireRecord(params: { symbol?: string; date?: string }): Promise<RecordRow> {
  const { symbol = "", date = "" } = params;
  const doc = /^\d{4}-\d{2}-\d{2}$/.test(date) ? await getDailyPrice(await getDb(), symbol, date) : null;
  if (!doc) throw json({ message: `There is no record for ${symbol} on ${date}.` }, { status: 404 });
  return toRow(doc);
}
