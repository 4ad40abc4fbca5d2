/** What a cell can hold: typed so that an object cannot slip in as "[object Object]". */
export type CsvValue = string | number | boolean | Date | null | undefined;

/** RFC 4180 CSV, with spreadsheet formula injection defused in text cells. */
export function csvCell(v: CsvValue): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  let s = v instanceof Date ? v.toISOString() : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: readonly CsvValue[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}
