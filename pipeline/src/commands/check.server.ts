import { marketDay } from "../calendar/nyse.js";
import type { TickerSelection } from "../config.server.js";
import { getDailyPrice, listSymbols } from "../db/daily-prices.server.js";
import { QUARANTINE } from "../db/quarantine.server.js";
import { DataCheckError } from "../errors.js";
import type { CommandResult, Context } from "./context.server.js";

/**
 * After a load: every watched ticker has a record for the session. Fails (so
 * the scheduler shows red and retries) instead of letting a run that loaded
 * nothing look green.
 */
export async function check(ctx: Context, args: { date: string; tickers: TickerSelection }): Promise<CommandResult> {
  const day = marketDay(args.date);
  if (!day.open) return { outcome: "market-closed", message: `the market was closed on ${args.date}; nothing to check` };
  const tickers = args.tickers === "*" ? await listSymbols(ctx.db) : args.tickers;
  const missing: string[] = [];
  for (const t of tickers) if (!(await getDailyPrice(ctx.db, t, args.date))) missing.push(t);
  const quarantined = await ctx.db.collection(QUARANTINE).countDocuments({ date: args.date });
  const warnings = quarantined ? [`${quarantined} row(s) for ${args.date} are in quarantine`] : [];
  if (missing.length) {
    throw new DataCheckError(
      `${missing.length} of ${tickers.length} ticker(s) have no record for ${args.date}: ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ", …" : ""}`,
      missing,
    );
  }
  return { outcome: "success", message: `all ${tickers.length} ticker(s) have a record for ${args.date}`, warnings };
}
