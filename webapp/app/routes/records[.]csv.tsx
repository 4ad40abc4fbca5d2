import type { LoaderFunctionArgs } from "@remix-run/node";
import { findDailyPrices } from "@stock-market/pipeline/db/records-query.server";
import type { RecordView } from "@stock-market/pipeline/db/record-views.server";
import { getDb } from "~/db.server";
import { csvLine } from "~/lib/csv";
import { parseRecordsQuery } from "~/lib/records-query";
import { selectRecords } from "~/lib/select-records";
import { toDbQuery, toRow, type RecordRow } from "~/models/records.server";
import { requireReader } from "~/session.server";
import { symbolRecords } from "~/symbol-records.server";

const COLUMNS: (keyof RecordRow)[] = ["symbol", "date", "open", "high", "low", "close", "volume", "vwap", "transactions", "source", "feed", "updatedAt", "updatedBy"];

/**
 * The records page's filtered view as CSV: every matching row (not only the
 * page on screen), in the page's order: one symbol's from the record store,
 * any other view streamed from a cursor.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  await requireReader(request);
  const db = await getDb();
  const { query } = parseRecordsQuery(new URL(request.url).searchParams);
  const source = query.symbol
    ? fromList(selectRecords(await symbolRecords(db, query.symbol), query))
    : findDailyPrices(db, toDbQuery(query), { sort: query.sort, dir: query.dir === "asc" ? 1 : -1 });
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(csvLine(COLUMNS)));
    },
    async pull(controller) {
      let chunk = "";
      for (let i = 0; i < 500; i++) {
        const doc = await source.next();
        if (!doc) {
          if (chunk) controller.enqueue(encoder.encode(chunk));
          controller.close();
          await source.close();
          return;
        }
        const row = toRow(doc);
        chunk += csvLine(COLUMNS.map((c) => row[c]));
      }
      controller.enqueue(encoder.encode(chunk));
    },
    async cancel() {
      await source.close();
    },
  });
  const name = ["daily-prices", query.symbol, query.from, query.to, query.source].filter(Boolean).join("_");
  return new Response(stream, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, "-")}.csv"`,
      "Cache-Control": "no-store",
    },
  });
}

/** A held list read like a cursor. */
function fromList(list: readonly RecordView[]): { next(): Promise<RecordView | null>; close(): Promise<void> } {
  let i = 0;
  return { next: () => Promise.resolve(list[i++] ?? null), close: () => Promise.resolve() };
}
