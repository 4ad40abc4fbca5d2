/**
 * The corporate actions a command must fetch and load from the worlds' fake
 * Polygon server, worked out from the fake's synthetic schedule itself
 * (syntheticActions, per ticker), not through its query endpoints nor the
 * pipeline: what a test compares the run's counts and the stored rows with.
 * The fake lists a split once announced and a dividend once declared, at
 * its clock (`today`).
 */
import { createHash } from "node:crypto";
import type { Db } from "mongodb";
import { addDays } from "../../src/calendar/nyse.js";
import { syntheticActions } from "../../src/fake-polygon/server.js";
import { syntheticUniverse } from "../../src/fake-polygon/synthetic.js";
import { SEED } from "./invariants.js";

/** Polygon ids of the actions, by kind, sorted. */
export interface ActionIds {
  splits: string[];
  dividends: string[];
}

/** How far ahead a daily run asks for splits (docs: a split announced for the next 30 days is stored early). */
const SPLIT_LOOKAHEAD_DAYS = 30;

function collect(tickers: readonly string[], today: string, split: (executionDate: string) => boolean, dividend: (exDate: string) => boolean): ActionIds {
  const out: ActionIds = { splits: [], dividends: [] };
  for (const t of tickers) {
    const { splits, dividends } = syntheticActions(SEED, t);
    for (const s of splits) if (s.announced <= today && split(s.execution_date)) out.splits.push(s.id);
    for (const d of dividends) if (d.declaration_date <= today && dividend(d.ex_dividend_date)) out.dividends.push(d.id);
  }
  out.splits.sort();
  out.dividends.sort();
  return out;
}

/**
 * What a daily `run`/`extract` of `date` fetches for the whole market (every
 * ticker of the universe, OTC ones too): splits executing in
 * [date, date + 30 days], dividends going ex on `date`.
 */
export function dailyActions(date: string, fake: { universeSize: number; today: string }): ActionIds {
  const last = addDays(date, SPLIT_LOOKAHEAD_DAYS);
  return collect(
    syntheticUniverse(fake.universeSize),
    fake.today,
    (d) => d >= date && d <= last,
    (d) => d === date,
  );
}

/** What a back-fill of `tickers` over from..to fetches: their splits from `from` on (announced ones included), their dividends ex in from..to. */
export function backfillActions(tickers: readonly string[], from: string, to: string, today: string): ActionIds {
  return collect(
    tickers,
    today,
    (d) => d >= from,
    (d) => d >= from && d <= to,
  );
}

export const actionRows = (ids: ActionIds) => ids.splits.length + ids.dividends.length;

/**
 * The lake keys of a back-fill's actions for one ticker batch, when each
 * answer is one page. The batch's name is the first 12 hex digits of the
 * sha256 of its distinct tickers, sorted by code unit and comma-joined
 * (docs/decisions/003-lake-layout.md).
 */
export function batchActionKeys(tickers: readonly string[], from: string, to: string): string[] {
  const sorted = [...new Set(tickers)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const hash = createHash("sha256").update(sorted.join(","), "utf8").digest("hex").slice(0, 12);
  return ["dividends", "splits"].map((e) => `raw/polygon/${e}/tickers=${hash}/from=${from}_to=${to}/page-0001.json`);
}

/**
 * Expected actions that `corporate_actions` does not hold exactly once (counted
 * per id, so a duplicate shows even if the unique index failed).
 */
export async function storedActionProblems(db: Db, ids: ActionIds): Promise<string[]> {
  const problems: string[] = [];
  for (const [kind, wanted] of [
    ["split", ids.splits],
    ["dividend", ids.dividends],
  ] as const) {
    const n = new Map<string, number>();
    for await (const d of db.collection("corporate_actions").find({ kind, apiId: { $in: wanted } }, { projection: { apiId: 1 } })) {
      n.set(d.apiId as string, (n.get(d.apiId as string) ?? 0) + 1);
    }
    for (const id of wanted) if (n.get(id) !== 1) problems.push(`${kind} ${id}: stored ${n.get(id) ?? 0} times, expected once`);
  }
  return problems;
}
