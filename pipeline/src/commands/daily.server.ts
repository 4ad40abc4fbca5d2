import { marketDay, todayInNewYork } from "../calendar/nyse.js";
import type { TickerSelection } from "../config.server.js";
import { ApiError, ConfigError } from "../errors.js";
import { actionsDayPrefix, groupedKey } from "../lake/layout.js";
import { actionsSummary, extractSessionActions, loadActionKeys, sessionActionKeys } from "./actions.server.js";
import type { CommandResult, Context } from "./context.server.js";
import { curateAfterLoad } from "./curate.server.js";
import { loadObject, loadSummary, storeResponse } from "./load-object.server.js";

export interface DailyArgs {
  date: string;
  tickers: TickerSelection;
  overwriteManual?: boolean;
}

/** Market closed (weekend or holiday) is an outcome, not an error. */
function closedResult(date: string): CommandResult | undefined {
  const day = marketDay(date);
  if (day.open) return undefined;
  const why = day.reason === "weekend" ? "a weekend" : `a market holiday (${day.holiday ?? "holiday"})`;
  return { outcome: "market-closed", message: `the market was closed on ${date}: ${why}; nothing to do` };
}

function refuseFuture(date: string): void {
  const today = todayInNewYork();
  if (date > today) throw new ConfigError(`--date ${date} is in the future (today in New York is ${today})`);
}

/** The extract's result, and the actions request that failed for good after the bars were stored, if one did. */
interface Extracted {
  result: CommandResult;
  actionsFailure?: ApiError;
}

/**
 * Grouped daily bars for one session → one lake object, then the whole
 * market's corporate actions of the session (and of recent sessions whose
 * actions are missing). Three API requests (+ pages) whatever the watchlist.
 */
async function extractSession(ctx: Context, args: DailyArgs): Promise<Extracted> {
  refuseFuture(args.date);
  const closed = closedResult(args.date);
  if (closed) return { result: closed };
  const client = await ctx.polygon();
  ctx.log(`extract ${args.date}: requesting grouped daily bars`);
  const response = await client.grouped(args.date, { tradingDay: true });
  const key = groupedKey(ctx.config.feed, args.date);
  await storeResponse(ctx, key, response);
  ctx.log(`extract ${args.date}: stored ${response.resultsCount} rows (${response.body.length} bytes) at ${key}`);
  const actions = await extractSessionActions(ctx, args.date);
  const healed = actions.healed.length ? `, and the missing actions of ${actions.healed.join(", ")}` : "";
  return {
    result: {
      outcome: "success",
      message: `extracted ${response.resultsCount} rows for ${args.date} to ${key}; corporate actions: ${actions.fetched} page(s) fetched${healed}`,
      details: { lakeObject: key, actionPagesFetched: actions.fetched, healedSessions: actions.healed },
    },
    ...(actions.failure && { actionsFailure: actions.failure }),
  };
}

/** The bars are kept; the command still fails (exit 3) so a scheduler retries and a person sees it. */
function actionsFailed(date: string, done: string, cause: ApiError): ApiError {
  return new ApiError(
    `the bars of ${date} were ${done}, but its corporate actions were not: ${cause.message}. The next run (or extract --date ${date} again) fetches the missing actions`,
    cause.details,
    { cause },
  );
}

/** Grouped bars and corporate actions of one session → the lake. */
export async function extract(ctx: Context, args: DailyArgs): Promise<CommandResult> {
  const { result, actionsFailure } = await extractSession(ctx, args);
  if (actionsFailure) throw actionsFailed(args.date, "stored in the lake", actionsFailure);
  return result;
}

/** The session's lake objects → MongoDB: bars filtered to the tickers, corporate actions of the whole market. */
export async function load(ctx: Context, args: DailyArgs): Promise<CommandResult> {
  refuseFuture(args.date);
  const closed = closedResult(args.date);
  if (closed) return closed;
  const feed = ctx.config.feed;
  const key = groupedKey(feed, args.date);
  if (!(await ctx.lake.exists(key))) {
    throw new ConfigError(`nothing to load for ${args.date}: the lake has no object ${key} (run extract --date ${args.date} first)`);
  }
  ctx.log(`load ${args.date}: reading ${key}`);
  const { rejected, symbols } = await loadObject(ctx, key, { tickers: args.tickers, expectedDate: args.date, overwriteManual: args.overwriteManual });
  const warnings: string[] = [];
  const missing = args.tickers === "*" ? [] : args.tickers.filter((t) => !symbols.has(t));
  if (missing.length) warnings.push(`no row for ${missing.join(", ")} in the response for ${args.date}`);

  // Actions of earlier sessions that the same extract fetched (healed) are loaded here too, or nothing would load them.
  const extractRunId = (await ctx.lake.get(key)).meta.runId;
  const actions = await sessionActionKeys(ctx, args.date, extractRunId);
  for (const endpoint of actions.missing) {
    warnings.push(`the lake has no ${endpoint} of ${args.date} (${actionsDayPrefix(feed, endpoint, args.date)}): stock-pipeline extract --date ${args.date} fetches them`);
  }
  if (actions.healed.length) ctx.log(`load ${args.date}: also loading the corporate actions of ${actions.healed.join(", ")}, fetched by the same extract`);
  const loaded = await loadActionKeys(ctx, actions.keys);
  warnings.push(...loaded.warnings);
  // The whole market of the session, not only the watchlist, goes to the curated layer (decision 080).
  const curated = await curateAfterLoad(ctx, args.date, args.date, `the bars of ${args.date} were loaded into MongoDB (${loadSummary(ctx)})`, { actionKeys: actions.keys });
  return {
    outcome: rejected || loaded.rejected ? "rejected-records" : "success",
    message: `loaded ${args.date}: ${loadSummary(ctx)}; ${actionsSummary(ctx.actionCounts)}; ${curated.line}`,
    ...(warnings.length && { warnings }),
    details: { actions: ctx.actionCounts, curated: curated.details, ...(actions.healed.length && { healedSessions: actions.healed }) },
  };
}

/** extract then load; bars stored before an actions request failed are still loaded, then the run fails (exit 3). */
export async function run(ctx: Context, args: DailyArgs): Promise<CommandResult> {
  const { result, actionsFailure } = await extractSession(ctx, args);
  if (result.outcome !== "success") return result;
  const loaded = await load(ctx, args);
  if (actionsFailure) throw actionsFailed(args.date, `loaded (${loadSummary(ctx)})`, actionsFailure);
  return loaded;
}
