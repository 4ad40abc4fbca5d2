/**
 * The daily-price record: its type and the validation rules that the
 * pipeline, the web app's forms and the tests all share. Pure (no I/O), so
 * the browser may import it too.
 */

/** Values of one bar, as stored. */
export interface PriceValues {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  vwap?: number;
  transactions?: number;
  otc?: boolean;
}

export type RecordSource = "pipeline" | "manual";
export type Feed = "polygon" | "synthetic";

/**
 * The basis of a record's values. Only one exists now: as traded (bars
 * fetched with `adjusted=false`, or typed by a person). Until the pipeline
 * switched, it stored bars split-adjusted as of the day they were fetched
 * (`adjusted=true`); those records carry no `basis`, which is how `status`
 * finds them (docs/migration-as-traded.md).
 */
export type PriceBasis = "as-traded";
export const AS_TRADED: PriceBasis = "as-traded";

/** A document of `stock_market.daily_prices`. */
export interface DailyPrice extends PriceValues {
  symbol: string;
  /** The New York trading date at 00:00:00 UTC. */
  date: Date;
  /** Who last set the values: the pipeline, or a person through the web app. */
  source: RecordSource;
  /**
   * "as-traded" on every record written since the pipeline stores prices as
   * traded (pipeline loads of `adjusted=false` objects, and a person's
   * creates and edits). Absent: an older record, split-adjusted as of the
   * day it was fetched (a pipeline record) or edited by hand before the
   * change (a manual one), to be re-fetched or checked.
   */
  basis?: PriceBasis;
  /** Where the pipeline's values came from; kept after a manual edit. */
  feed?: Feed;
  /** Lake key of the raw response the values were loaded from. */
  lakeObject?: string;
  runId?: string;
  ingestedAt: Date;
  updatedAt: Date;
  updatedBy?: string;
  /** Set when a person deleted the record: a tombstone the pipeline respects. */
  deletedAt?: Date;
}

/** Tickers as Polygon spells them (case-sensitive; dots as in BRK.A). */
export const SYMBOL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.\-_:]{0,19}$/;

export function isValidSymbol(s: unknown): s is string {
  return typeof s === "string" && SYMBOL_PATTERN.test(s);
}

/** `YYYY-MM-DD` to the stored Date (00:00 UTC of that calendar date). */
export function toStoredDate(isoDate: string): Date {
  const d = new Date(`${isoDate}T00:00:00.000Z`);
  // Date rolls 2024-02-30 over to March 1 and turns junk into Invalid Date: a bad
  // date from a form or URL must not quietly address another day's record.
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== isoDate) {
    throw new RangeError(`Invalid date "${isoDate}": expected a real calendar date written as YYYY-MM-DD.`);
  }
  return d;
}

/** The stored Date back to `YYYY-MM-DD`. */
export function fromStoredDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

const isPositive = (n: unknown): n is number => typeof n === "number" && Number.isFinite(n) && n > 0;

/**
 * Upper bounds that no real bar comes near (split-adjusted prices of stocks
 * after many reverse splits reach about 1e10) but that keep absurd input out:
 * up to 1e13 a double still holds a price to the cent.
 */
export const MAX_PRICE = 1e13;
export const MAX_VOLUME = 1e15;

/**
 * Every reason the values break the record's rules; empty when valid.
 * Field names are the stored ones so forms can map them to inputs.
 */
export function priceProblems(v: Partial<Record<keyof PriceValues, unknown>>): { field: keyof PriceValues; message: string }[] {
  const out: { field: keyof PriceValues; message: string }[] = [];
  for (const f of ["open", "high", "low", "close"] as const) {
    if (v[f] === undefined || v[f] === null) out.push({ field: f, message: `${f} is required` });
    else if (typeof v[f] !== "number" || !Number.isFinite(v[f])) out.push({ field: f, message: `${f} must be a number` });
    else if (!isPositive(v[f])) out.push({ field: f, message: `${f} must be greater than 0` });
    else if (v[f] > MAX_PRICE) out.push({ field: f, message: `${f} must be at most ${MAX_PRICE.toLocaleString("en-US")}` });
  }
  if (v.volume === undefined || v.volume === null) out.push({ field: "volume", message: "volume is required" });
  else if (typeof v.volume !== "number" || !Number.isFinite(v.volume)) out.push({ field: "volume", message: "volume must be a number" });
  else if (v.volume < 0) out.push({ field: "volume", message: "volume must be 0 or more" });
  else if (v.volume > MAX_VOLUME) out.push({ field: "volume", message: `volume must be at most ${MAX_VOLUME.toLocaleString("en-US")}` });
  if (v.vwap !== undefined && !isPositive(v.vwap)) out.push({ field: "vwap", message: "vwap must be a number greater than 0" });
  else if (v.vwap !== undefined && (v.vwap as number) > MAX_PRICE) out.push({ field: "vwap", message: `vwap must be at most ${MAX_PRICE.toLocaleString("en-US")}` });
  if (v.transactions !== undefined && !(Number.isSafeInteger(v.transactions) && (v.transactions as number) >= 0)) {
    out.push({ field: "transactions", message: "transactions must be a whole number, 0 or more" });
  }
  if (v.otc !== undefined && typeof v.otc !== "boolean") out.push({ field: "otc", message: "otc must be true or false" });
  if (out.length === 0) {
    const { open, high, low, close } = v as PriceValues;
    if (low > Math.min(open, close)) out.push({ field: "low", message: `low (${low}) must not be above open or close` });
    if (high < Math.max(open, close)) out.push({ field: "high", message: `high (${high}) must not be below open or close` });
    if (low > high) out.push({ field: "low", message: `low (${low}) must not be above high (${high})` });
  }
  return out;
}

/** True when two value sets are the same record content (no write needed). */
export function sameValues(a: PriceValues, b: PriceValues): boolean {
  return (
    a.open === b.open &&
    a.high === b.high &&
    a.low === b.low &&
    a.close === b.close &&
    a.volume === b.volume &&
    a.vwap === b.vwap &&
    a.transactions === b.transactions &&
    a.otc === b.otc
  );
}
