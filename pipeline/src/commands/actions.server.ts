/**
 * Corporate actions in the commands: fetching `/stocks/v1/splits` and
 * `/stocks/v1/dividends` response chains into the lake, and loading lake
 * objects into `corporate_actions`. Actions are whole-market facts: no
 * watchlist filter applies to them, on fetch or on load.
 */
import { addDays, previousTradingDay } from "../calendar/nyse.js";
import { upsertCorporateActions } from "../db/corporate-actions.server.js";
import { quarantineRows } from "../db/quarantine.server.js";
import { ApiError } from "../errors.js";
import type { ObjectMeta } from "../lake/lake.js";
import { ACTION_ENDPOINTS, actionsDayKey, actionsDayPrefix, actionsPrefix, groupedKey, parseKey, type ActionEndpoint } from "../lake/layout.js";
import { isValidSymbol } from "../model/daily-price.js";
import type { ActionQuery, PolygonClient, RawResponse } from "../polygon/client.server.js";
import { parseDividends, parseSplits } from "../transform/actions.js";
import type { Context } from "./context.server.js";
import { storeResponse } from "./load-object.server.js";

/** What the loads of one command did to `corporate_actions` (reported under `details.actions`). */
export interface ActionCounts {
  /** Lake objects (response pages) loaded. */
  objects: number;
  /** Valid rows read, by kind. */
  splits: number;
  dividends: number;
  rejected: number;
  inserted: number;
  updated: number;
  unchanged: number;
}

export const emptyActionCounts = (): ActionCounts => ({ objects: 0, splits: 0, dividends: 0, rejected: 0, inserted: 0, updated: 0, unchanged: 0 });

/** "actions: 3 splits, 12 dividends (2 new, 1 updated)". */
export function actionsSummary(c: ActionCounts): string {
  const changes = [`${c.inserted} new`];
  if (c.updated) changes.push(`${c.updated} updated`);
  if (c.rejected) changes.push(`${c.rejected} rejected and quarantined`);
  return `actions: ${c.splits} split${c.splits === 1 ? "" : "s"}, ${c.dividends} dividend${c.dividends === 1 ? "" : "s"} (${changes.join(", ")})`;
}

/** A daily run asks for splits executing up to this many calendar days ahead: announced splits are stored early. */
export const SPLIT_LOOKAHEAD_DAYS = 30;
/** Largest `limit` the actions endpoints accept. */
export const ACTIONS_PAGE_LIMIT = 5000;
/** How many sessions before its own a daily extract checks for missing actions. */
export const HEAL_SESSIONS = 10;

/** The whole market's actions request of a daily run for session `date`. */
export function dayQuery(endpoint: ActionEndpoint, date: string): ActionQuery {
  return endpoint === "splits"
    ? { "execution_date.gte": date, "execution_date.lte": addDays(date, SPLIT_LOOKAHEAD_DAYS), limit: ACTIONS_PAGE_LIMIT, sort: "execution_date.asc" }
    : { ex_dividend_date: date, limit: ACTIONS_PAGE_LIMIT };
}

export interface Chain {
  keys: string[];
  fetched: number;
  reused: number;
}

/**
 * One response chain of an actions request, following next_url. Without
 * `refetch`, pages already in the lake are reused (their stored next_url
 * leads on), so a chain cut short by a failure resumes where it stopped.
 */
export async function fetchActionChain(
  ctx: Context,
  opts: { keyOf: (page: number) => string; first: (client: PolygonClient) => Promise<RawResponse>; refetch: boolean; meta?: ObjectMeta },
): Promise<Chain> {
  const chain: Chain = { keys: [], fetched: 0, reused: 0 };
  let nextPath: string | undefined;
  for (let page = 1; ; page++) {
    const key = opts.keyOf(page);
    if (!opts.refetch && (await ctx.lake.exists(key))) {
      nextPath = (await ctx.lake.get(key)).meta.nextPath || undefined;
      chain.reused++;
    } else {
      const client = await ctx.polygon();
      const response = page === 1 ? await opts.first(client) : await client.nextPage(nextPath!);
      await storeResponse(ctx, key, response, opts.meta);
      nextPath = response.nextPath;
      chain.fetched++;
    }
    chain.keys.push(key);
    if (!nextPath) return chain;
  }
}

/** True when page 1 of a chain is in the lake and so is every page a stored next_url announces. */
export async function chainComplete(ctx: Context, keyOf: (page: number) => string): Promise<boolean> {
  for (let page = 1; ; page++) {
    const key = keyOf(page);
    if (!(await ctx.lake.exists(key))) return false;
    if (!(await ctx.lake.get(key)).meta.nextPath) return true;
  }
}

/** The trading sessions strictly before `date`, newest first. */
export function sessionsBefore(date: string, count: number): string[] {
  const out: string[] = [];
  for (let d = date; out.length < count;) out.push((d = previousTradingDay(d)));
  return out;
}

/** What a daily extract fetched of corporate actions, and the request that failed for good, if one did. */
export interface SessionActions {
  fetched: number;
  healed: string[];
  failure?: ApiError;
}

/**
 * The actions step of a daily extract: the whole market's splits and
 * dividends of `date`, then those of any of the previous sessions whose bars
 * are in the lake but whose actions are not (a day whose actions failed).
 * Stops at the first request that fails for good and hands its error back:
 * the bars stay, and the next run fetches what is missing.
 */
export async function extractSessionActions(ctx: Context, date: string): Promise<SessionActions> {
  const feed = ctx.config.feed;
  const out: SessionActions = { fetched: 0, healed: [] };
  const fetchDay = async (endpoint: ActionEndpoint, day: string, refetch: boolean) => {
    const chain = await fetchActionChain(ctx, {
      keyOf: (p) => actionsDayKey(feed, endpoint, day, p),
      first: (c) => c[endpoint](dayQuery(endpoint, day)),
      refetch,
    });
    out.fetched += chain.fetched;
    return chain;
  };
  try {
    for (const endpoint of ACTION_ENDPOINTS) {
      const chain = await fetchDay(endpoint, date, true);
      ctx.log(`extract ${date}: stored ${chain.keys.length} page(s) of ${endpoint} under ${actionsDayPrefix(feed, endpoint, date)}`);
    }
    for (const day of sessionsBefore(date, HEAL_SESSIONS).reverse()) {
      if (!(await ctx.lake.exists(groupedKey(feed, day)))) continue;
      for (const endpoint of ACTION_ENDPOINTS) {
        if (await chainComplete(ctx, (p) => actionsDayKey(feed, endpoint, day, p))) continue;
        ctx.log(`extract ${date}: the lake has the bars of ${day} but not all its ${endpoint}: fetching them`);
        await fetchDay(endpoint, day, false);
        if (!out.healed.includes(day)) out.healed.push(day);
      }
    }
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    out.failure = e;
  }
  return out;
}

/**
 * Walks lake objects of actions along their response chains: keys are grouped
 * into chains (one folder each) and each chain is walked from page 1 along
 * the stored next_url. A page beyond the chain's end (left by a refetch that
 * got fewer pages) is skipped, a missing page is named in a warning. `visit`
 * gets each page in chain order. Shared by the load and the curate step, so
 * both read exactly the same pages.
 */
export async function walkActionChains(
  ctx: Pick<Context, "lake" | "log">,
  keys: readonly string[],
  visit: (key: string, endpoint: ActionEndpoint, body: Buffer) => Promise<void>,
): Promise<string[]> {
  const chains = new Map<string, { page: number; key: string; endpoint: ActionEndpoint }[]>();
  for (const key of keys) {
    const p = parseKey(key);
    if (p?.kind !== "actions-day" && p?.kind !== "actions-batch") continue;
    const folder = key.slice(0, key.lastIndexOf("/") + 1);
    let list = chains.get(folder);
    if (!list) chains.set(folder, (list = []));
    list.push({ page: p.page, key, endpoint: p.endpoint });
  }
  const warnings: string[] = [];
  for (const [folder, list] of chains) {
    list.sort((a, b) => a.page - b.page);
    let expected = 1;
    let ended = false;
    for (const { page, key, endpoint } of list) {
      if (ended) {
        ctx.log(`warning: ignoring ${key}: it is not part of its response's next_url chain (a page left over from an earlier, longer fetch)`);
        continue;
      }
      if (page > expected)
        warnings.push(`${folder}: page(s) ${expected}..${page - 1} of the ${endpoint} response are missing from the lake; fetching the same request again restores them`);
      expected = page + 1;
      const { body, meta } = await ctx.lake.get(key);
      await visit(key, endpoint, body);
      ended = !meta.nextPath;
    }
    if (!ended)
      warnings.push(
        `${folder}: the last stored page of the ${list[0]!.endpoint} response announces another page that is not in the lake; fetching the same request again completes it`,
      );
  }
  return warnings;
}

/** Loads lake objects of actions along their chains (walkActionChains). Returns warnings and the number of rejected rows. */
export async function loadActionKeys(ctx: Context, keys: readonly string[]): Promise<{ rejected: number; warnings: string[] }> {
  let rejected = 0;
  const warnings = await walkActionChains(ctx, keys, async (key, endpoint, body) => {
    ctx.lakeObjectsRead++;
    rejected += await loadActionsBody(ctx, key, endpoint, body);
  });
  // Every key was handled: loaded, or left out as off-chain (which a reload would leave out again).
  for (const key of keys) ctx.actionKeysLoaded.add(key);
  return { rejected, warnings };
}

/** Parse, quarantine the rejects, upsert the rest; counts into ctx.counts (rows) and ctx.actionCounts. */
async function loadActionsBody(ctx: Context, key: string, endpoint: ActionEndpoint, body: Buffer): Promise<number> {
  const parsed = endpoint === "splits" ? parseSplits(key, body) : parseDividends(key, body);
  ctx.counts.rows += parsed.rows;
  ctx.counts.valid += parsed.actions.length;
  ctx.counts.rejected += parsed.rejects.length;
  for (const r of parsed.rejects.slice(0, 5)) {
    // Printed only if it is a symbol, so no line can be forged or flooded by the object's content.
    ctx.log(`rejected row ${r.index} of ${key} (${isValidSymbol(r.symbol) ? r.symbol : "?"}): ${r.reasons.join("; ")}`);
  }
  if (parsed.rejects.length > 5) ctx.log(`… and ${parsed.rejects.length - 5} more rejected rows of ${key}`);
  await quarantineRows(ctx.db, key, parsed.rejects, ctx.runId);
  const c = await upsertCorporateActions(ctx.db, parsed.actions, { feed: ctx.config.feed, runId: ctx.runId, lakeObjectOf: () => key });
  const a = ctx.actionCounts;
  a.objects++;
  a[endpoint] += parsed.actions.length;
  a.rejected += parsed.rejects.length;
  a.inserted += c.inserted;
  a.updated += c.updated;
  a.unchanged += c.unchanged;
  return parsed.rejects.length;
}

/**
 * The actions objects `load --date` loads: the session's own, and those of
 * earlier sessions that the extract which stored this session's bars
 * (`extractRunId`) fetched because they were missing. Names the endpoints
 * whose objects for the session are not in the lake.
 *
 * An earlier session whose pages this command has all loaded already is left
 * out: in a catch-up every session's extract shares one run id, so the
 * earlier sessions' own pages would otherwise pass for healed ones and be
 * reloaded by each later session. A page new since (a gap an extract filled
 * later) brings the session back in.
 */
export async function sessionActionKeys(ctx: Context, date: string, extractRunId: string | undefined): Promise<{ keys: string[]; missing: ActionEndpoint[]; healed: string[] }> {
  const feed = ctx.config.feed;
  const keys: string[] = [];
  const missing: ActionEndpoint[] = [];
  const healed = new Set<string>();
  for (const endpoint of ACTION_ENDPOINTS) {
    const own = await ctx.lake.list(actionsDayPrefix(feed, endpoint, date));
    if (own.length === 0) missing.push(endpoint);
    keys.push(...own);
    if (!extractRunId) continue;
    for (const day of sessionsBefore(date, HEAL_SESSIONS)) {
      const pages = await ctx.lake.list(actionsDayPrefix(feed, endpoint, day));
      if (pages.every((key) => ctx.actionKeysLoaded.has(key))) continue;
      // A healed chain may reuse earlier pages: one page of this extract's is enough.
      for (const key of pages) {
        if ((await ctx.lake.get(key)).meta.runId !== extractRunId) continue;
        keys.push(...pages);
        healed.add(day);
        break;
      }
    }
  }
  return { keys, missing, healed: [...healed].sort() };
}

/** Keys of every actions object whose session lies in [from, to] or whose back-fill window overlaps it. */
export async function actionKeysBetween(ctx: Pick<Context, "lake" | "config">, from: string, to: string): Promise<string[]> {
  const keys: string[] = [];
  for (const endpoint of ACTION_ENDPOINTS) {
    for (const key of await ctx.lake.list(actionsPrefix(ctx.config.feed, endpoint))) {
      const p = parseKey(key);
      if (p?.kind === "actions-day" ? p.date >= from && p.date <= to : p?.kind === "actions-batch" && p.from <= to && p.to >= from) keys.push(key);
    }
  }
  return keys;
}
