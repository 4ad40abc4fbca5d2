/** Our write path and the documents it writes, for the load figures. */
import type { Db, MongoClient } from "mongodb";
import { ensureDailyPriceIndexes } from "../src/db/daily-prices.server.js";
import { upsertPipelineBars, type UpsertCounts } from "../src/db/pipeline-upserts.server.js";
import { toStoredDate, type DailyPrice } from "../src/model/daily-price.js";
import type { CleanBar } from "../src/transform/bars.js";
import { median, timed, type CommandProfile } from "./measure.js";

export interface Split {
  /** Median wall time of the whole call. */
  ms: number;
  runsMs: number[];
  /** Median server round-trip time of find+getMore and of insert/update commands. */
  readMs: number;
  writeMs: number;
  roundTrips: { read: number; write: number };
}

export interface OurRun {
  ms: number;
  counts: UpsertCounts;
  read: { ms: number; count: number };
  write: { ms: number; count: number };
}

export const RUN_ID = "bench";
export const FEED = "polygon" as const;

/** The documents our path inserts for these bars (optionally re-dated), for insertMany. */
export function documentsOf(bars: readonly CleanBar[], lakeObject: string, now: Date, date?: string): DailyPrice[] {
  return bars.map(({ symbol, date: d, ...values }) => ({
    symbol,
    date: toStoredDate(date ?? d),
    ...values,
    source: "pipeline",
    feed: FEED,
    lakeObject,
    runId: RUN_ID,
    updatedAt: now,
    ingestedAt: now,
  }));
}

/** An empty database with the daily_prices indexes (or none but _id). */
export async function freshDb(client: MongoClient, name: string, indexes = true): Promise<Db> {
  const db = client.db(name);
  await db.dropDatabase();
  if (indexes) await ensureDailyPriceIndexes(db);
  return db;
}

/** upsertPipelineBars (the real code), timed and split into read and write round trips. */
export async function ourLoad(db: Db, bars: CleanBar[], key: string, profile: CommandProfile, now = new Date()): Promise<OurRun> {
  profile.reset();
  const { ms, value } = await timed(() => upsertPipelineBars(db, bars, { feed: FEED, runId: RUN_ID, lakeObjectOf: () => key, now }));
  const read = profile.read();
  const write = profile.write();
  return { ms, counts: value, read, write };
}

export function split(runs: OurRun[]): Split {
  return {
    ms: median(runs.map((r) => r.ms)),
    runsMs: runs.map((r) => r.ms),
    readMs: median(runs.map((r) => r.read.ms)),
    writeMs: median(runs.map((r) => r.write.ms)),
    roundTrips: { read: runs[0]!.read.count, write: runs[0]!.write.count },
  };
}
