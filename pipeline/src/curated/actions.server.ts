/**
 * curated/corporate_actions: one Parquet file per year of the action's date
 * (split execution date, ex-dividend date), the whole market's splits and
 * cash dividends (decision 080). New actions are merged by (kind, id) into
 * what the year's file holds: a correction replaces, a re-curate never
 * duplicates, and actions curated from other raw objects stay. Pages are read
 * along their next_url chains with the load step's walker and parsers, so a
 * row the load quarantines is not curated here either.
 *
 * A year's file that cannot be read (truncated, corrupt) is not merged into:
 * it is named in a warning and rebuilt from every raw actions object.
 */
import { ACTION_ENDPOINTS, actionsPrefix, type ActionEndpoint } from "../lake/layout.js";
import type { CorporateAction } from "../model/corporate-action.js";
import { parseDividends, parseSplits } from "../transform/actions.js";
import { walkActionChains } from "../commands/actions.server.js";
import { putIfChanged, type CurateContext } from "./bars.server.js";
import { curatedActionsKey } from "./layout.js";
import type { CuratedActionRow, ParquetFiles } from "./parquet.server.js";

export interface ActionsReport {
  /** Years whose file was (re)written or found equal. */
  years: string[];
  /** Rows in those files. */
  rows: number;
  written: number;
  unchanged: number;
  rejected: number;
  /** Year files that could not be read and were rebuilt from raw/. */
  rebuilt: string[];
  warnings: string[];
}

const idOf = (a: Pick<CuratedActionRow, "kind" | "id">) => `${a.kind}\u0000${a.id}`;

export function curatedActionRow(a: CorporateAction, feed: string): CuratedActionRow {
  const split = a.kind === "split";
  return {
    kind: a.kind,
    id: a.id,
    symbol: a.symbol,
    date: a.date,
    split_from: split ? a.splitFrom : null,
    split_to: split ? a.splitTo : null,
    cash_amount: split ? null : a.cashAmount,
    currency: split ? null : (a.currency ?? null),
    feed,
  };
}

/** The valid actions of the pages, in chain order (a later row with the same kind and id wins). */
async function collect(ctx: CurateContext, keys: readonly string[], report: ActionsReport): Promise<Map<string, CuratedActionRow>> {
  const out = new Map<string, CuratedActionRow>();
  const parse = (key: string, endpoint: ActionEndpoint, body: Buffer) => (endpoint === "splits" ? parseSplits(key, body) : parseDividends(key, body));
  report.warnings.push(
    ...(await walkActionChains(ctx, keys, async (key, endpoint, body) => {
      const parsed = parse(key, endpoint, body);
      report.rejected += parsed.rejects.length;
      for (const a of parsed.actions) out.set(idOf(a), curatedActionRow(a, ctx.config.feed));
    })),
  );
  return out;
}

/**
 * Merges the actions of raw `keys` into their years' files; `alsoCheck`
 * names more years whose file is read (and rebuilt if unreadable) even when
 * no new action falls in them (the `curate` command's own range).
 */
export async function curateActions(ctx: CurateContext, files: ParquetFiles, keys: readonly string[], alsoCheck: readonly string[] = []): Promise<ActionsReport> {
  const report: ActionsReport = { years: [], rows: 0, written: 0, unchanged: 0, rejected: 0, rebuilt: [], warnings: [] };
  const fresh = await collect(ctx, keys, report);
  const byYear = new Map<string, CuratedActionRow[]>();
  for (const y of alsoCheck) byYear.set(y, []);
  for (const a of fresh.values()) {
    const y = a.date.slice(0, 4);
    byYear.set(y, [...(byYear.get(y) ?? []), a]);
  }
  let everything: Map<string, CuratedActionRow> | undefined;
  for (const year of [...byYear.keys()].sort()) {
    const key = curatedActionsKey(year);
    const merged = new Map<string, CuratedActionRow>();
    if (await ctx.lake.exists(key)) {
      try {
        for (const r of await files.readActions((await ctx.lake.get(key)).body)) merged.set(idOf(r), r);
      } catch (e) {
        ctx.log(`warning: the curated object ${key} cannot be read (${(e as Error).message.split("\n")[0]}): rebuilding it from every raw corporate-actions object`);
        const silent = { ...ctx, log: () => undefined };
        everything ??= await collect(silent, await allActionKeys(ctx), { ...report, warnings: [] });
        merged.clear();
        for (const [id, r] of everything) if (r.date.startsWith(`${year}-`)) merged.set(id, r);
        report.rebuilt.push(key);
      }
    }
    for (const r of byYear.get(year)!) merged.set(idOf(r), r);
    if (merged.size === 0) continue;
    const rows = [...merged.values()];
    const body = await files.actionsFile(rows);
    if (await putIfChanged(ctx, key, body, { feed: ctx.config.feed, rows: String(rows.length) })) report.written++;
    else report.unchanged++;
    report.years.push(year);
    report.rows += rows.length;
  }
  return report;
}

async function allActionKeys(ctx: CurateContext): Promise<string[]> {
  const keys: string[] = [];
  for (const endpoint of ACTION_ENDPOINTS) keys.push(...(await ctx.lake.list(actionsPrefix(ctx.config.feed, endpoint))));
  return keys;
}
