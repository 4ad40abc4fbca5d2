import { getDailyPrice } from "@stock-market/pipeline/db/daily-prices.server";
import { isValidIsoDate } from "@stock-market/pipeline/calendar/nyse";
import { isValidSymbol } from "@stock-market/pipeline/model/daily-price";
import { json } from "@remix-run/node";
import { getDb } from "~/db.server";
import { toRow, type RecordRow } from "~/models/records.server";

/** The record of a `/records/:symbol/:date` URL, or a thrown 404 (also for a key that cannot exist, such as 2024-02-30). */
export async function requireRecord(params: { symbol?: string; date?: string }): Promise<RecordRow> {
  const { symbol = "", date = "" } = params;
  const doc = isValidSymbol(symbol) && isValidIsoDate(date) ? await getDailyPrice(await getDb(), symbol, date) : null;
  if (!doc) throw json({ message: `There is no record for ${shorten(symbol)} on ${shorten(date)}.` }, { status: 404 });
  return toRow(doc);
}

/** A URL part echoed in a message, cut short. */
const shorten = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);
