import { marketDay, todayInNewYork } from "../calendar/nyse.js";
import type { TickerSelection } from "../config.server.js";
import { ConfigError } from "../errors.js";
import { groupedKey } from "../lake/layout.js";
import type { CommandResult, Context } from "./context.server.js";
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

/** Grouped daily bars for one session → one lake object. One API request whatever the watchlist. */
export async function extract(ctx: Context, args: DailyArgs): Promise<CommandResult> {
  refuseFuture(args.date);
  const closed = closedResult(args.date);
  if (closed) return closed;
  const client = await ctx.polygon();
  ctx.log(`extract ${args.date}: requesting grouped daily bars`);
  const response = await client.grouped(args.date, { tradingDay: true });
  const key = groupedKey(ctx.config.feed, args.date);
  await storeResponse(ctx, key, response);
  ctx.log(`extract ${args.date}: stored ${response.resultsCount} rows (${response.body.length} bytes) at ${key}`);
  return { outcome: "success", message: `extracted ${response.resultsCount} rows for ${args.date} to ${key}`, details: { lakeObject: key } };
}

/** The session's lake object → MongoDB, filtered to the tickers. */
export async function load(ctx: Context, args: DailyArgs): Promise<CommandResult> {
  refuseFuture(args.date);
  const closed = closedResult(args.date);
  if (closed) return closed;
  const key = groupedKey(ctx.config.feed, args.date);
  if (!(await ctx.lake.exists(key))) {
    throw new ConfigError(`nothing to load for ${args.date}: the lake has no object ${key} (run extract --date ${args.date} first)`);
  }
  ctx.log(`load ${args.date}: reading ${key}`);
  const { rejected, symbols } = await loadObject(ctx, key, { tickers: args.tickers, expectedDate: args.date, overwriteManual: args.overwriteManual });
  const message = `loaded ${args.date}: ${loadSummary(ctx)}`;
  const missing = args.tickers === "*" ? [] : args.tickers.filter((t) => !symbols.has(t));
  return {
    outcome: rejected ? "rejected-records" : "success",
    message,
    ...(missing.length && { warnings: [`no row for ${missing.join(", ")} in the response for ${args.date}`] }),
  };
}

/** extract then load. */
export async function run(ctx: Context, args: DailyArgs): Promise<CommandResult> {
  const extracted = await extract(ctx, args);
  if (extracted.outcome !== "success") return extracted;
  return load(ctx, args);
}
