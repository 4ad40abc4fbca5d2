/**
 * The page bench's data: N tickers × Y years of as-traded bars, each with one
 * 4-for-1 split and quarterly dividends, written through the pipeline's own
 * upsert (so the per-symbol summaries are maintained as a real load would),
 * and a page of audited manual edits for the audit page. The same function
 * fills every backend, so the side-by-side figures hold the same data.
 */
import { performance } from "node:perf_hooks";
import { addDays, latestCompletedSession } from "@stock-market/pipeline/calendar/nyse";
import { dailyPrices } from "@stock-market/pipeline/db/daily-prices.server";
import type { CorporateAction } from "@stock-market/pipeline/model/corporate-action";
import { toStoredDate } from "@stock-market/pipeline/model/daily-price";
import type { Db } from "mongodb";
import { editRecord } from "../app/models/records.server";
import { asTradedAcross, seedActions, seedBars, syntheticBars } from "../tests/support/seed";

export interface SeededData {
  symbols: string[];
  records: number;
  actions: number;
  audits: number;
  seconds: number;
}

/** BAAA, BAAB, …: valid tickers that sort in creation order. */
export function benchSymbol(n: number): string {
  const letters = (k: number) => String.fromCharCode(65 + (k % 26));
  return `B${letters(Math.floor(n / 676))}${letters(Math.floor(n / 26))}${letters(n)}`;
}

export async function seedPageData(db: Db, opts: { tickers: number; years: number; audits: number; log: (line: string) => void }): Promise<SeededData> {
  const started = performance.now();
  const latest = latestCompletedSession(new Date());
  const from = addDays(latest, -Math.round(365.25 * opts.years));
  const symbols = Array.from({ length: opts.tickers }, (_, i) => benchSymbol(i));
  let records = 0;
  let actions = 0;
  for (const [i, symbol] of symbols.entries()) {
    const continuous = syntheticBars(symbol, from, latest, { start: 20 + (i % 40) * 5 });
    const splitBar = continuous[Math.floor(continuous.length * 0.4)]!;
    const split: CorporateAction = { kind: "split", id: `BENCH-S-${symbol}`, symbol, date: splitBar.date, splitFrom: 1, splitTo: 4, adjustmentType: "forward_split" };
    const dividends = continuous
      .filter((_, n) => n % 63 === 30)
      .map((b, n): CorporateAction => ({ kind: "dividend", id: `BENCH-D-${symbol}-${n}`, symbol, date: b.date, cashAmount: 0.05, currency: "USD" }));
    const bars = asTradedAcross(continuous, split);
    await seedBars(db, bars);
    await seedActions(db, [split, ...dividends]);
    records += bars.length;
    actions += 1 + dividends.length;
    if ((i + 1) % 10 === 0 || i + 1 === symbols.length) opts.log(`  ${i + 1}/${symbols.length} tickers seeded (${records.toLocaleString("en-US")} records)`);
  }
  // Audited edits of the first symbol's latest sessions, through the web app's own model.
  const edited = await dailyPrices(db)
    .find({ symbol: symbols[0]! }, { projection: { _id: 0, date: 1, updatedAt: 1, open: 1, high: 1, low: 1, close: 1, volume: 1 } })
    .sort({ date: -1 })
    .limit(opts.audits)
    .toArray();
  for (const d of edited) {
    const date = d.date.toISOString().slice(0, 10);
    const r = await editRecord(db, {
      by: "bench-editor",
      symbol: symbols[0]!,
      date,
      values: { open: d.open, high: d.high, low: d.low, close: d.close, volume: d.volume + 1 },
      seenUpdatedAt: d.updatedAt,
    });
    if (!r.ok) throw new Error(`seeding the audit trail: the edit of ${symbols[0]} ${date} was refused (${r.reason})`);
  }
  if (edited.length && (await dailyPrices(db).countDocuments({ symbol: symbols[0]!, date: toStoredDate(edited[0]!.date.toISOString().slice(0, 10)), source: "manual" })) !== 1) {
    throw new Error("seeding the audit trail: the edited record is not marked manual");
  }
  return { symbols, records, actions, audits: edited.length, seconds: (performance.now() - started) / 1000 };
}
