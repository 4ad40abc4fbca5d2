/**
 * Figures (a) and (b): one grouped day of ~11,000 tickers through our path
 * (parseAggregates + upsertPipelineBars) against a plain insertMany of the same
 * documents, then the same day loaded again.
 */
import type { MongoClient } from "mongodb";
import { dailyPrices } from "../src/db/daily-prices.server.js";
import { type UpsertCounts } from "../src/db/pipeline-upserts.server.js";
import { parseAggregates } from "../src/transform/bars.js";
import { ferretPrimitives, type FerretPrimitives } from "./ferret.js";
import { CommandProfile, median, perSecond, say, timed } from "./measure.js";
import { documentsOf, freshDb, ourLoad, split, type OurRun, type Split } from "./ours.js";

export interface LoadFigures {
  lakeObject: string;
  bodyBytes: number;
  rows: number;
  bars: number;
  parse: { ms: number; runsMs: number[]; rowsPerS: number };
  ours: Split & { docsPerS: number; counts: UpsertCounts };
  ceiling: { ms: number; runsMs: number[]; docsPerS: number };
  /** ours.docsPerS / ceiling.docsPerS (target >= 0.5). */
  ratio: number;
  /** ours including the parse, per second. */
  oursEndToEndDocsPerS: number;
  reload: Split & { counts: UpsertCounts; modified: number };
  ferret: FerretPrimitives;
}

export async function benchLoad(client: MongoClient, body: Buffer, day: string, lakeObject: string, runs: number, olderDays: string[]): Promise<LoadFigures> {
  const profile = new CommandProfile(client);
  // Parse: the real transform on the raw grouped body, all tickers.
  const parses: number[] = [];
  let parsed = parseAggregates(lakeObject, body, { tickers: "*", expectedDate: day });
  for (let i = 0; i < runs; i++) {
    const t = await timed(() => parseAggregates(lakeObject, body, { tickers: "*", expectedDate: day }));
    parses.push(t.ms);
    parsed = t.value;
  }
  if (parsed.rejects.length) throw new Error(`the synthetic day has ${parsed.rejects.length} rejected rows: ${parsed.rejects[0]!.reasons.join("; ")}`);
  const bars = parsed.bars;
  say(`(a) parsed ${bars.length} bars from ${body.length} bytes in ${median(parses).toFixed(0)} ms (median of ${runs})`);

  // Write: ours and the ceiling, interleaved so drift hits both alike; fresh collections each time.
  const ours: OurRun[] = [];
  const ceiling: number[] = [];
  for (let i = 1; i <= runs; i++) {
    const db = await freshDb(client, `bench_ours_${i}`);
    const r = await ourLoad(db, bars, lakeObject, profile);
    if (r.counts.inserted !== bars.length) throw new Error(`our path inserted ${r.counts.inserted} of ${bars.length}`);
    ours.push(r);
    const cdb = await freshDb(client, `bench_ceiling_${i}`);
    const docs = documentsOf(bars, lakeObject, new Date());
    const c = await timed(() => dailyPrices(cdb).insertMany(docs));
    if (c.value.insertedCount !== bars.length) throw new Error(`insertMany inserted ${c.value.insertedCount} of ${bars.length}`);
    ceiling.push(c.ms);
    say(`(a) run ${i}/${runs}: ours ${r.ms.toFixed(0)} ms (read ${r.read.ms.toFixed(0)}, write ${r.write.ms.toFixed(0)}), insertMany ${c.ms.toFixed(0)} ms`);
  }
  const o = split(ours);
  const oursDocsPerS = perSecond(bars.length, o.ms);
  const ceilingMs = median(ceiling);
  const parseMs = median(parses);

  // (b) the same day again through our path, on the collection of run 1.
  const db = client.db("bench_ours_1");
  const reloads: OurRun[] = [];
  const before = new Date();
  for (let i = 1; i <= runs; i++) {
    const r = await ourLoad(db, bars, lakeObject, profile);
    reloads.push(r);
    say(`(b) re-load ${i}/${runs}: ${r.ms.toFixed(0)} ms, ${r.counts.inserted} inserted / ${r.counts.updated} updated / ${r.counts.unchanged} unchanged`);
  }
  const modified = await dailyPrices(db).countDocuments({ updatedAt: { $gte: before } });

  const ferret = await ferretPrimitives(client, db, bars, day, lakeObject, olderDays, profile);
  profile.close();
  return {
    lakeObject,
    bodyBytes: body.length,
    rows: parsed.rows,
    bars: bars.length,
    parse: { ms: parseMs, runsMs: parses, rowsPerS: perSecond(parsed.rows, parseMs) },
    ours: { ...o, docsPerS: oursDocsPerS, counts: ours[0]!.counts },
    ceiling: { ms: ceilingMs, runsMs: ceiling, docsPerS: perSecond(bars.length, ceilingMs) },
    ratio: oursDocsPerS / perSecond(bars.length, ceilingMs),
    oursEndToEndDocsPerS: perSecond(bars.length, o.ms + parseMs),
    reload: { ...split(reloads), counts: reloads[reloads.length - 1]!.counts, modified },
    ferret,
  };
}
