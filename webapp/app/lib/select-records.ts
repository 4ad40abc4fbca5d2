import type { RecordView } from "@stock-market/pipeline/db/record-views.server";
import { toStoredDate } from "@stock-market/pipeline/model/daily-price";
import type { RecordsQuery } from "~/lib/records-query";

/**
 * The records page's filter and order applied to live records held in
 * memory (symbol-records.server.ts), with the same total order as the
 * database's sort (daily-prices.server.ts dailyPriceSort): by symbol then
 * date, by date then symbol (both in the chosen direction), or by the field
 * in the chosen direction, then symbol and date ascending.
 */
export function selectRecords<R extends RecordView>(records: readonly R[], q: Pick<RecordsQuery, "from" | "to" | "source" | "sort" | "dir">): R[] {
  const from = q.from ? toStoredDate(q.from).getTime() : -Infinity;
  const to = q.to ? toStoredDate(q.to).getTime() : Infinity;
  const out = records.filter((r) => {
    const t = r.date.getTime();
    return t >= from && t <= to && (!q.source || r.source === q.source);
  });
  const dir = q.dir === "asc" ? 1 : -1;
  const byDate = (a: RecordView, b: RecordView) => a.date.getTime() - b.date.getTime();
  const bySymbol = (a: RecordView, b: RecordView) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0);
  const sort = q.sort;
  if (sort === "symbol") return out.sort((a, b) => dir * (bySymbol(a, b) || byDate(a, b)));
  if (sort === "date") return out.sort((a, b) => dir * (byDate(a, b) || bySymbol(a, b)));
  const value = (r: RecordView): number => (sort === "updatedAt" ? r.updatedAt.getTime() : r[sort]);
  return out.sort((a, b) => dir * (value(a) - value(b)) || bySymbol(a, b) || byDate(a, b));
}
