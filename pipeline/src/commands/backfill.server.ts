import { latestCompletedSession, tradingDaysBetween } from "../calendar/nyse.js";
import { ApiError, ConfigError } from "../errors.js";
import { ACTION_ENDPOINTS, actionsBatchKey, batchTickers, groupedPrefix, parseKey, rangePageKey, rangePrefix, tickersHash } from "../lake/layout.js";
import type { ActionQuery } from "../polygon/client.server.js";
import { ACTIONS_PAGE_LIMIT, actionKeysBetween, actionsSummary, fetchActionChain, loadActionKeys } from "./actions.server.js";
import type { TickerSelection } from "../config.server.js";
import type { CommandResult, Context } from "./context.server.js";
import { loadObject, loadSummary, storeResponse } from "./load-object.server.js";
import { progressBar } from "./progress.js";
import { planBasis } from "./basis.server.js";
import { curateAfterLoad } from "./curate.server.js";

export interface RangeArgs {
  from: string;
  to: string;
  tickers: TickerSelection;
  overwriteManual?: boolean;
  /** Fetch pages again even if the lake has them (to pick up revisions). */
  refetch?: boolean;
  /** Fill the lake only; load later with reprocess. */
  lakeOnly?: boolean;
}

function checkRange(from: string, to: string): void {
  if (from > to) throw new ConfigError(`--from ${from} is after --to ${to}`);
}

/** A back-fill is one request chain per ticker, so it needs a list; the CLI checks this before opening a run. */
export function checkBackfillTickers(tickers: TickerSelection): asserts tickers is string[] {
  if (tickers === "*") throw new ConfigError("backfill needs a ticker list (--tickers A,B or TICKERS): * would mean one request per US ticker");
}

/**
 * Per-ticker range aggregates, one request per ticker per 50,000 bars,
 * following next_url. Pages already in the lake are not fetched again, so a
 * killed back-fill resumes where it stopped.
 */
export async function backfill(ctx: Context, args: RangeArgs): Promise<CommandResult> {
  checkRange(args.from, args.to);
  checkBackfillTickers(args.tickers);
  const latest = latestCompletedSession(new Date());
  let to = args.to;
  if (to > latest) {
    ctx.log(`--to ${to} is after the latest completed session (${latest}); back-filling up to ${latest}`);
    to = latest;
  }
  if (args.from > to || tradingDaysBetween(args.from, to).length === 0) {
    return { outcome: "market-closed", message: `no completed trading session between ${args.from} and ${args.to}; nothing to do` };
  }
  const warnings: string[] = [];
  let rejected = 0;
  let fetched = 0;
  let reused = 0;
  const tickers = args.tickers;
  for (const [i, ticker] of tickers.entries()) {
    const before = ctx.counts.valid + ctx.counts.rejected;
    const pages = await rangePages(ctx, ticker, args.from, to, args.refetch ?? false);
    fetched += pages.fetched;
    reused += pages.reused;
    for (const key of args.lakeOnly ? [] : pages.keys) {
      rejected += (await loadObject(ctx, key, { tickers: [ticker], from: args.from, to, overwriteManual: args.overwriteManual })).rejected;
    }
    const rows = ctx.counts.valid + ctx.counts.rejected - before;
    if (rows === 0 && !args.lakeOnly) warnings.push(`no bars for ${ticker} between ${args.from} and ${to} (unknown ticker, or no trades)`);
    const loaded = args.lakeOnly ? "not loaded (--lake-only)" : `${rows} rows`;
    ctx.log(`${progressBar(i + 1, tickers.length)} ${ticker}: ${pages.keys.length} page(s) (${pages.fetched} fetched, ${pages.reused} from the lake), ${loaded}`);
  }
  const actions = await backfillActions(ctx, tickers, args.from, to, args);
  rejected += actions.rejected;
  warnings.push(...actions.warnings);
  for (const w of warnings) ctx.log(`warning: ${w}`);
  const actionPages = `corporate actions: ${actions.fetched} page(s) fetched, ${actions.reused} reused`;
  const loaded = args.lakeOnly ? "nothing loaded (--lake-only)" : `${loadSummary(ctx)}; ${actionsSummary(ctx.actionCounts)}`;
  // Only the sessions the range pages cover are rewritten: the others did not change (decision 080).
  const curated = args.lakeOnly
    ? undefined
    : await curateAfterLoad(ctx, args.from, to, `the back-fill of ${args.from}..${to} was loaded into MongoDB (${loadSummary(ctx)})`, {
        actionKeys: actions.keys,
        rangeSessionsOnly: true,
      });
  return {
    outcome: rejected ? "rejected-records" : "success",
    message: `back-filled ${tickers.length} ticker(s) ${args.from}..${to}: ${fetched} page(s) fetched, ${reused} reused from the lake; ${actionPages}; ${loaded}${curated ? `; ${curated.line}` : ""}`,
    warnings,
    details: { actions: ctx.actionCounts, actionPages: { fetched: actions.fetched, reused: actions.reused }, ...(curated && { curated: curated.details }) },
  };
}

/** `ticker.any_of` takes up to 100 tickers; the character cap keeps a batch's URL and its lake metadata (8 KiB) small. */
export const ACTION_BATCH_TICKERS = 100;
const ACTION_BATCH_CHARS = 1000;

/** Batches of the distinct tickers in sorted order, so the same list always makes the same batches (and lake keys). */
export function tickerBatches(tickers: readonly string[]): string[][] {
  const batches: string[][] = [];
  let batch: string[] = [];
  let chars = 0;
  for (const t of batchTickers(tickers)) {
    if (batch.length === ACTION_BATCH_TICKERS || (batch.length > 0 && chars + t.length + 1 > ACTION_BATCH_CHARS)) {
      batches.push(batch);
      batch = [];
      chars = 0;
    }
    batch.push(t);
    chars += t.length + 1;
  }
  if (batch.length) batches.push(batch);
  return batches;
}

/**
 * The tickers' splits (from `from` on, announced ones included) and
 * dividends (ex-date in from..to), in `ticker.any_of` batches, paginated;
 * lake pages are reused unless --refetch, and loaded unless --lake-only.
 */
async function backfillActions(ctx: Context, tickers: readonly string[], from: string, to: string, args: RangeArgs) {
  const feed = ctx.config.feed;
  const out = { fetched: 0, reused: 0, rejected: 0, warnings: [] as string[], keys: [] as string[] };
  const batches = tickerBatches(tickers);
  for (const [i, batch] of batches.entries()) {
    const hash = tickersHash(batch);
    const anyOf = batch.join(",");
    for (const endpoint of ACTION_ENDPOINTS) {
      const query: ActionQuery =
        endpoint === "splits"
          ? { "ticker.any_of": anyOf, "execution_date.gte": from, limit: ACTIONS_PAGE_LIMIT }
          : { "ticker.any_of": anyOf, "ex_dividend_date.gte": from, "ex_dividend_date.lte": to, limit: ACTIONS_PAGE_LIMIT };
      let chain;
      try {
        chain = await fetchActionChain(ctx, {
          keyOf: (p) => actionsBatchKey(feed, endpoint, hash, from, to, p),
          first: (c) => c[endpoint](query),
          refetch: args.refetch ?? false,
          meta: { tickers: anyOf },
        });
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        const kept = args.lakeOnly ? "stored" : "stored and loaded";
        throw new ApiError(
          `the back-fill ${kept} the bars, but not all the corporate actions of its tickers: ${e.message}. Run the same backfill again: what the lake holds is reused`,
          e.details,
          { cause: e },
        );
      }
      out.fetched += chain.fetched;
      out.reused += chain.reused;
      out.keys.push(...chain.keys);
      if (args.lakeOnly) continue;
      const loaded = await loadActionKeys(ctx, chain.keys);
      out.rejected += loaded.rejected;
      out.warnings.push(...loaded.warnings);
    }
    ctx.log(`${progressBar(i + 1, batches.length)} corporate actions of ${batch.length} ticker(s) (batch ${hash})`);
  }
  return out;
}

async function rangePages(ctx: Context, ticker: string, from: string, to: string, refetch: boolean): Promise<{ keys: string[]; fetched: number; reused: number }> {
  const keys: string[] = [];
  let fetched = 0;
  let reused = 0;
  let nextPath: string | undefined;
  for (let page = 1; ; page++) {
    const key = rangePageKey(ctx.config.feed, ticker, from, to, page);
    if (!refetch && (await ctx.lake.exists(key))) {
      nextPath = (await ctx.lake.get(key)).meta.nextPath || undefined;
      reused++;
    } else {
      const client = await ctx.polygon();
      const response = page === 1 ? await client.rangeFirstPage(ticker, from, to) : await client.nextPage(nextPath!);
      await storeResponse(ctx, key, response);
      nextPath = response.nextPath;
      fetched++;
    }
    keys.push(key);
    if (!nextPath) return { keys, fetched, reused };
  }
}

/**
 * The range pages that belong to their response chain: page 1, then each page
 * whose predecessor carried a next_url. A `backfill --refetch` that got fewer
 * pages than before leaves the old later pages in the lake; loading them would
 * put superseded values back, so they are skipped (and named).
 */
export async function rangeChains(ctx: Pick<Context, "lake" | "log" | "config">, keys: readonly string[]): Promise<{ chained: string[]; stale: string[] }> {
  const groups = new Map<string, { page: number; key: string; ticker: string; from: string; to: string }[]>();
  for (const key of keys) {
    const p = parseKey(key);
    if (p?.kind !== "range") continue;
    const id = `${p.ticker}\u0000${p.from}\u0000${p.to}`;
    let list = groups.get(id);
    if (!list) groups.set(id, (list = []));
    list.push({ page: p.page, key, ticker: p.ticker, from: p.from, to: p.to });
  }
  const chained: string[] = [];
  const stale: string[] = [];
  for (const list of groups.values()) {
    list.sort((a, b) => a.page - b.page);
    let ended = false; // a page without next_url was seen: any later page is a leftover
    let expected = 1;
    for (const { page, key, ticker, from, to } of list) {
      if (ended) {
        stale.push(key);
        continue;
      }
      // A gap is a lost page, not the end of the chain: say so, and keep the pages after it.
      for (; expected < page; expected++) {
        ctx.log(`warning: ${rangePageKey(ctx.config.feed, ticker, from, to, expected)} is missing from the lake: back-fill ${ticker} ${from}..${to} again to fetch it`);
      }
      expected = page + 1;
      chained.push(key);
      ended = !(await ctx.lake.get(key)).meta.nextPath;
    }
  }
  return { chained, stale };
}

/** Rebuilds MongoDB from what the lake holds for a date range: no API calls. */
export async function reprocess(ctx: Context, args: RangeArgs): Promise<CommandResult> {
  checkRange(args.from, args.to);
  const feed = ctx.config.feed;
  const grouped = (await ctx.lake.list(groupedPrefix(feed))).filter((k) => {
    const p = parseKey(k);
    return p?.kind === "grouped" && p.date >= args.from && p.date <= args.to;
  });
  const ranges = (await ctx.lake.list(rangePrefix(feed))).filter((k) => {
    const p = parseKey(k);
    return p?.kind === "range" && p.from <= args.to && p.to >= args.from && (args.tickers === "*" || args.tickers.includes(p.ticker));
  });
  const { chained, stale } = await rangeChains(ctx, ranges);
  for (const k of stale) ctx.log(`warning: ignoring ${k}: it is not part of its response's next_url chain (a page left over from an earlier, longer fetch)`);
  // Old-basis (split-adjusted) objects are skipped when superseded, or the whole reprocess is refused before any write.
  const { load: keys } = await planBasis(ctx, [...grouped, ...chained], args);
  // Actions are whole-market facts: every object of the range is loaded, whatever the tickers.
  const actionKeys = await actionKeysBetween(ctx, args.from, args.to);
  if (keys.length === 0 && actionKeys.length === 0) {
    throw new ConfigError(`the lake (${ctx.lake.description}) holds no ${feed} objects between ${args.from} and ${args.to}: nothing to reprocess`);
  }
  ctx.log(`reprocess ${args.from}..${args.to}: ${grouped.length} grouped, ${chained.length} range and ${actionKeys.length} corporate-actions object(s) in the lake`);
  let rejected = 0;
  for (const [i, key] of keys.entries()) {
    const p = parseKey(key)!;
    rejected += (
      await loadObject(ctx, key, {
        tickers: args.tickers,
        from: args.from,
        to: args.to,
        overwriteManual: args.overwriteManual,
        ...(p.kind === "grouped" && { expectedDate: p.date }),
      })
    ).rejected;
    if ((i + 1) % 25 === 0 || i + 1 === keys.length) ctx.log(`${progressBar(i + 1, keys.length)} ${key}`);
  }
  const actions = await loadActionKeys(ctx, actionKeys);
  rejected += actions.rejected;
  const curated = await curateAfterLoad(ctx, args.from, args.to, `reprocess ${args.from}..${args.to} was loaded into MongoDB (${loadSummary(ctx)})`, { actionKeys });
  return {
    outcome: rejected ? "rejected-records" : "success",
    message: `reprocessed ${keys.length + ctx.actionCounts.objects} lake object(s): ${loadSummary(ctx)}; ${actionsSummary(ctx.actionCounts)}; ${curated.line}`,
    ...(actions.warnings.length && { warnings: actions.warnings }),
    details: { actions: ctx.actionCounts, curated: curated.details },
  };
}
