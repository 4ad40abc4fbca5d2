import { RawObjectError } from "../errors.js";
import { isIsoDate } from "../lake/layout.js";
import { SPLIT_TYPES, type CorporateAction, type DividendAction, type SplitAction, type SplitType } from "../model/corporate-action.js";
import { isValidSymbol } from "../model/daily-price.js";
import type { RejectedRow } from "./bars.js";

/** Clean actions and rejected rows of one raw `/stocks/v1/splits` or `/stocks/v1/dividends` response. */
export interface ParsedActions {
  actions: CorporateAction[];
  rejects: RejectedRow[];
  /** Rows in the response. */
  rows: number;
}

/**
 * Splits of one raw response. A row lacking what applying it needs (id,
 * ticker, execution date, a positive ratio, a known adjustment type) is
 * rejected with every reason; unknown fields are ignored. Throws
 * RawObjectError when the object as a whole is unreadable.
 */
export function parseSplits(key: string, body: Uint8Array): ParsedActions {
  return parseRows(key, body, (r, reasons) => {
    const date = dateField(r, "execution_date", reasons, true);
    const splitFrom = positiveField(r, "split_from", reasons);
    const splitTo = positiveField(r, "split_to", reasons);
    const type = r.adjustment_type;
    if (type === undefined || type === null) reasons.push("adjustment_type is missing");
    else if (!(SPLIT_TYPES as readonly unknown[]).includes(type)) reasons.push(`adjustment_type ${shown(type)} is not one of ${SPLIT_TYPES.join(", ")}`);
    return (base): SplitAction => ({ ...base, kind: "split", date: date!, splitFrom: splitFrom!, splitTo: splitTo!, adjustmentType: type as SplitType });
  });
}

/**
 * Cash dividends of one raw response. A row lacking id, ticker, ex-dividend
 * date or a positive cash amount is rejected with every reason; so is one
 * whose currency is not a three-letter code (treating it as USD would be a
 * guess). Other optional fields are kept when valid and dropped otherwise.
 */
export function parseDividends(key: string, body: Uint8Array): ParsedActions {
  return parseRows(key, body, (r, reasons) => {
    const date = dateField(r, "ex_dividend_date", reasons, true);
    const cashAmount = positiveField(r, "cash_amount", reasons);
    let currency: string | undefined;
    if (r.currency !== undefined && r.currency !== null) {
      if (typeof r.currency === "string" && /^[A-Za-z]{3}$/.test(r.currency)) currency = r.currency.toUpperCase();
      else reasons.push(`currency ${shown(r.currency)} is not a three-letter currency code`);
    }
    const optional: Partial<DividendAction> = {};
    if (currency) optional.currency = currency;
    const declarationDate = dateField(r, "declaration_date", reasons, false);
    const recordDate = dateField(r, "record_date", reasons, false);
    const payDate = dateField(r, "pay_date", reasons, false);
    if (declarationDate) optional.declarationDate = declarationDate;
    if (recordDate) optional.recordDate = recordDate;
    if (payDate) optional.payDate = payDate;
    if (typeof r.frequency === "number" && Number.isSafeInteger(r.frequency) && r.frequency >= 0) optional.frequency = r.frequency;
    if (typeof r.distribution_type === "string" && /^[a-z_]{1,40}$/.test(r.distribution_type)) optional.distributionType = r.distribution_type;
    return (base): DividendAction => ({ ...base, kind: "dividend", date: date!, cashAmount: cashAmount!, ...optional });
  });
}

type Base = { id: string; symbol: string };

/**
 * The shared envelope and row walk: `check` adds the row's own reasons and
 * returns how to build the action once the row has none.
 */
function parseRows(key: string, body: Uint8Array, check: (r: Record<string, unknown>, reasons: string[]) => (base: Base) => CorporateAction): ParsedActions {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body).toString("utf8"));
  } catch (e) {
    throw new RawObjectError(`lake object ${key} is not valid JSON (${(e as Error).message}); fetch it again`, key, { cause: e });
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new RawObjectError(`lake object ${key} is not a Polygon response object`, key);
  }
  const env = json as Record<string, unknown>;
  if (env.status !== "OK" && env.status !== "DELAYED") {
    throw new RawObjectError(`lake object ${key} has status ${shown(env.status)}, not "OK"`, key);
  }
  const results = env.results ?? [];
  if (!Array.isArray(results)) throw new RawObjectError(`lake object ${key}: "results" is not an array`, key);

  const actions: CorporateAction[] = [];
  const rejects: RejectedRow[] = [];
  results.forEach((row: unknown, index) => {
    const isObject = typeof row === "object" && row !== null && !Array.isArray(row);
    const r = (isObject ? row : {}) as Record<string, unknown>;
    const reasons: string[] = isObject ? [] : ["row is not an object"];
    if (r.id === undefined || r.id === null || r.id === "") reasons.push("id is missing");
    else if (typeof r.id !== "string" || r.id.length > 200) reasons.push(`id ${shown(r.id)} is not a string of at most 200 characters`);
    const symbol = r.ticker;
    if (symbol === undefined || symbol === null) reasons.push("ticker is missing");
    else if (!isValidSymbol(symbol)) reasons.push(`ticker ${shown(symbol)} is not a valid symbol`);
    const build = check(r, reasons);
    const date = typeof r.execution_date === "string" ? r.execution_date : typeof r.ex_dividend_date === "string" ? r.ex_dividend_date : undefined;
    if (reasons.length) rejects.push({ index, symbol: typeof symbol === "string" ? symbol : undefined, date, reasons, row });
    else actions.push(build({ id: r.id as string, symbol: symbol as string }));
  });
  return { actions, rejects, rows: results.length };
}

/** A YYYY-MM-DD field: returned when it is a real date; a reason when required and missing, or when present and not a date. */
function dateField(r: Record<string, unknown>, field: string, reasons: string[], required: boolean): string | undefined {
  const v = r[field];
  if (v === undefined || v === null || v === "") {
    if (required) reasons.push(`${field} is missing`);
    return undefined;
  }
  if (typeof v === "string" && isIsoDate(v)) return v;
  // An optional date that is not one is dropped, not a reason to refuse the action.
  if (required) reasons.push(`${field} ${shown(v)} is not a real date YYYY-MM-DD`);
  return undefined;
}

function positiveField(r: Record<string, unknown>, field: string, reasons: string[]): number | undefined {
  const v = r[field];
  if (v === undefined || v === null) reasons.push(`${field} is missing`);
  else if (typeof v !== "number" || !Number.isFinite(v)) reasons.push(`${field} ${shown(v)} is not a number`);
  else if (v <= 0) reasons.push(`${field} ${v} is not greater than 0`);
  else return v;
  return undefined;
}

/** A value quoted for a reason, cut short: a hand-edited object may hold megabytes in one field. */
function shown(value: unknown): string {
  // JSON.stringify writes Infinity and NaN as "null": say what the value is.
  const s = typeof value === "number" ? String(value) : (JSON.stringify(value) ?? String(value));
  return s.length > 40 ? `${s.slice(0, 40)}… (${s.length} characters)` : s;
}
