/**
 * What FerretDB 1.24 (the embedded default: PostgreSQL backend) itself does on the primitives our figures rest
 * on, to show where the embedded server, not our code, sets the figure:
 * inserts with and without the secondary indexes, full scans, the one read our
 * path issues as the collection grows, point lookups, failing inserts, and
 * updateOne upserts.
 */
import { MongoBulkWriteError, type Db, type MongoClient } from "mongodb";
import { previousTradingDay } from "../src/calendar/nyse.js";
import { dailyPrices } from "../src/db/daily-prices.server.js";
import { toStoredDate } from "../src/model/daily-price.js";
import type { CleanBar } from "../src/transform/bars.js";
import { perSecond, say, timed, type CommandProfile } from "./measure.js";
import { documentsOf, freshDb, ourLoad } from "./ours.js";

export interface FerretPrimitives {
  insertManyNoSecondaryIndex: { ms: number; docsPerS: number };
  /** find({}) and find({date: {$in: [day]}}) over the one-day collection. */
  scanAll: { ms: number; docs: number };
  scanByDate: { ms: number; docs: number };
  grown: {
    days: number;
    storedDocs: number;
    /** Our path, the stored day again (b) with `storedDocs` in the collection. */
    reload: { ms: number; readMs: number };
    /** Our path, a day not stored yet (the normal daily run) with `storedDocs` in the collection. */
    newDay: { storedDocs: number; ms: number; readMs: number; writeMs: number; docsPerS: number; inserted: number };
    /** insertMany of another new day into the same collection. */
    newDayCeiling: { storedDocs: number; ms: number; docsPerS: number };
    ratio: number;
    /** Read cost per stored document of our one query (a scan in Go). */
    readUsPerStoredDoc: number;
    /** find({_id}) of the last stored document: pushed down to SQL, but not through an index. */
    idLookupLastMs: number;
    /** 1000 inserts of keys that exist (E11000 from the unique index) vs 1000 new ones. */
    duplicateInserts: { n: number; e11000: number; ms: number; newMs: number };
  };
  updateOneUpsert: { n: number; ms: number; docsPerS: number };
}

export async function ferretPrimitives(
  client: MongoClient,
  db: Db,
  bars: CleanBar[],
  day: string,
  lakeObject: string,
  olderDays: string[],
  profile: CommandProfile,
): Promise<FerretPrimitives> {
  const projection = { _id: 1, symbol: 1, date: 1, open: 1, high: 1, low: 1, close: 1, volume: 1 };
  const n = bars.length;
  // insertMany with only the _id index: what the secondary indexes cost inside FerretDB.
  const bare = await freshDb(client, "bench_bare", false);
  const docs = documentsOf(bars, lakeObject, new Date());
  const ins = await timed(() => dailyPrices(bare).insertMany(docs));
  // Reading the day back: everything vs the filter our read uses (not pushed down: a scan in Go).
  const all = await timed(() => dailyPrices(db).find({}, { projection }).toArray());
  const byDate = await timed(() =>
    dailyPrices(db)
      .find({ date: { $in: [toStoredDate(day)] } }, { projection })
      .toArray(),
  );
  say(`FerretDB: insertMany without secondary index ${ins.ms.toFixed(0)} ms; find all ${all.ms.toFixed(0)} ms; date filter ${byDate.ms.toFixed(0)} ms`);

  // Grow the collection by older days, then: the stored day again, and a new day (ours, then insertMany).
  say(`growing the collection by ${olderDays.length} days (${olderDays.length * n} documents, insertMany)`);
  for (const d of olderDays) await dailyPrices(db).insertMany(documentsOf(bars, lakeObject, new Date(), d));
  const storedDocs = await dailyPrices(db).countDocuments({});
  const reload = await ourLoad(db, bars, lakeObject, profile);
  say(`(b) re-load with ${storedDocs} docs stored: ${reload.ms.toFixed(0)} ms (read ${reload.read.ms.toFixed(0)} ms)`);
  const newDay = previousTradingDay(olderDays[olderDays.length - 1] ?? day);
  const fresh = await ourLoad(
    db,
    bars.map((b) => ({ ...b, date: newDay })),
    lakeObject,
    profile,
  );
  if (fresh.counts.inserted !== n) throw new Error(`the new day inserted ${fresh.counts.inserted} of ${n}`);
  const ceilingDocs = documentsOf(bars, lakeObject, new Date(), previousTradingDay(newDay));
  const ceilingStored = storedDocs + n;
  const ceiling = await timed(() => dailyPrices(db).insertMany(ceilingDocs));
  say(`(a) new day with ${storedDocs} docs stored: ours ${fresh.ms.toFixed(0)} ms (read ${fresh.read.ms.toFixed(0)}), insertMany ${ceiling.ms.toFixed(0)} ms`);

  const last = (
    await dailyPrices(db)
      .find({}, { projection: { _id: 1 } })
      .toArray()
  ).pop()!;
  const byId = await timed(() => dailyPrices(db).find({ _id: last._id }).toArray());
  const dupDocs = documentsOf(bars.slice(0, 1000), lakeObject, new Date(), day);
  const dup = await timed(() =>
    dailyPrices(db)
      .insertMany(dupDocs, { ordered: false })
      .catch((e: unknown) => e),
  );
  const dupErrors = dup.value instanceof MongoBulkWriteError ? [dup.value.writeErrors].flat().filter((w) => w.code === 11000).length : 0;
  const newDocs = documentsOf(bars.slice(0, 1000), lakeObject, new Date(), previousTradingDay(previousTradingDay(newDay)));
  const fresh1000 = await timed(() => dailyPrices(db).insertMany(newDocs, { ordered: false }));
  say(`FerretDB: find by _id (last doc) ${byId.ms.toFixed(0)} ms; 1000 duplicate inserts ${dup.ms.toFixed(0)} ms vs 1000 new ${fresh1000.ms.toFixed(0)} ms`);

  // updateOne({upsert: true}) per bar, on a sample: the approach our path avoids.
  const m = Math.min(300, n);
  const up = await freshDb(client, "bench_updateone");
  const sample = documentsOf(bars.slice(0, m), lakeObject, new Date());
  const u = await timed(() =>
    dailyPrices(up).bulkWrite(
      sample.map((d) => ({ updateOne: { filter: { symbol: d.symbol, date: d.date }, update: { $set: d }, upsert: true } })),
      { ordered: false },
    ),
  );
  say(`FerretDB: ${m} updateOne upserts in one unordered bulkWrite ${u.ms.toFixed(0)} ms`);
  const newDayPerS = perSecond(n, fresh.ms);
  const ceilingPerS = perSecond(n, ceiling.ms);
  return {
    insertManyNoSecondaryIndex: { ms: ins.ms, docsPerS: perSecond(n, ins.ms) },
    scanAll: { ms: all.ms, docs: all.value.length },
    scanByDate: { ms: byDate.ms, docs: byDate.value.length },
    grown: {
      days: olderDays.length + 1,
      storedDocs,
      reload: { ms: reload.ms, readMs: reload.read.ms },
      newDay: { storedDocs, ms: fresh.ms, readMs: fresh.read.ms, writeMs: fresh.write.ms, docsPerS: newDayPerS, inserted: fresh.counts.inserted },
      newDayCeiling: { storedDocs: ceilingStored, ms: ceiling.ms, docsPerS: ceilingPerS },
      ratio: newDayPerS / ceilingPerS,
      readUsPerStoredDoc: (fresh.read.ms * 1000) / storedDocs,
      idLookupLastMs: byId.ms,
      duplicateInserts: { n: dupDocs.length, e11000: dupErrors, ms: dup.ms, newMs: fresh1000.ms },
    },
    updateOneUpsert: { n: m, ms: u.ms, docsPerS: perSecond(m, u.ms) },
  };
}
