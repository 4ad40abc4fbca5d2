/**
 * Reading a record form: the pipeline's validation (priceProblems: positive
 * prices, OHLC invariants, volume >= 0) plus the rules for a person's input
 * (a real symbol; a date that is a NYSE trading day and not in the future).
 * Pure, so it is unit-tested here and the action only wires it up.
 */
import { EARLIEST_DATE, isTradingDay, isValidIsoDate, marketDay, type IsoDate } from "@stock-market/pipeline/calendar/nyse";
import { isValidSymbol, priceProblems, type PriceValues } from "@stock-market/pipeline/model/daily-price";

export const VALUE_FIELDS = ["open", "high", "low", "close", "volume"] as const;
export const RECORD_FIELDS = ["symbol", "date", ...VALUE_FIELDS] as const;
export type RecordField = (typeof RECORD_FIELDS)[number];

/** What the user typed, kept to re-fill the form. */
export type RecordFormValues = Record<RecordField, string>;
export type FieldErrors = Partial<Record<RecordField, string>>;

export type ParsedRecord = { ok: true; symbol: string; date: IsoDate; values: PriceValues; input: RecordFormValues } | { ok: false; errors: FieldErrors; input: RecordFormValues };

const text = (form: FormData, name: string) => {
  const v = form.get(name);
  return typeof v === "string" ? v.trim() : "";
};

/** A number as typed ("1,234.50" allowed); undefined when empty, NaN when not a number. */
export function parseNumber(s: string): number | undefined {
  if (s === "") return undefined;
  const cleaned = s.replace(/,/g, "");
  // `+ 0` turns -0 into 0: a volume typed as "-0" is stored and shown as 0.
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(cleaned) ? Number(cleaned) + 0 : Number.NaN;
}

/** The first problem with a date a person enters, or undefined. */
export function dateProblem(date: string, today: IsoDate): string | undefined {
  if (date === "") return "Date is required";
  if (!isValidIsoDate(date)) return "Date must be a real date written as YYYY-MM-DD";
  if (date < EARLIEST_DATE) return `Date ${date} is before ${EARLIEST_DATE}, the first date this site keeps`;
  if (date > today) return `Date ${date} is in the future (today in New York is ${today})`;
  if (!isTradingDay(date)) {
    const day = marketDay(date);
    return `${date} is not a NYSE trading day (${day.holiday ?? (day.reason === "weekend" ? "a weekend" : "market closed")})`;
  }
  return undefined;
}

/**
 * Parses and validates a create/edit form. `fixedKey` is the record's key on
 * an edit (symbol and date are not editable there).
 */
export function parseRecordForm(form: FormData, today: IsoDate, fixedKey?: { symbol: string; date: IsoDate }): ParsedRecord {
  const input = Object.fromEntries(RECORD_FIELDS.map((f) => [f, text(form, f)])) as RecordFormValues;
  if (fixedKey) Object.assign(input, fixedKey);
  const errors: FieldErrors = {};
  if (input.symbol === "") errors.symbol = "Symbol is required";
  else if (!isValidSymbol(input.symbol)) errors.symbol = "Symbol must be a ticker such as AAPL or BRK.A (letters, digits, . - _ :)";
  const dp = fixedKey ? undefined : dateProblem(input.date, today);
  if (dp) errors.date = dp;

  const numbers: Partial<Record<(typeof VALUE_FIELDS)[number], number>> = {};
  for (const f of VALUE_FIELDS) {
    const n = parseNumber(input[f]);
    if (n !== undefined && Number.isNaN(n)) errors[f] = `${label(f)} must be a number`;
    else if (n !== undefined) numbers[f] = n;
  }
  for (const p of priceProblems(numbers)) {
    const f = p.field as RecordField;
    if (!errors[f]) errors[f] = sentence(p.message);
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors, input };
  const values: PriceValues = { open: numbers.open!, high: numbers.high!, low: numbers.low!, close: numbers.close!, volume: numbers.volume! };
  return { ok: true, symbol: input.symbol, date: input.date, values, input };
}

export function label(field: string): string {
  return field.charAt(0).toUpperCase() + field.slice(1);
}

function sentence(message: string): string {
  return label(message);
}
