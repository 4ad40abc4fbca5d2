/** The one table layout every bench part uses: figure, measured value, target, compared with, status. */

export interface TableRow {
  figure: string;
  value: string;
  target: string;
  /** What the value is measured against: a ceiling, the old product, the server's share… */
  comparedWith: string;
  status: string;
}

/** A section title row, printed across the table. */
export type Line = TableRow | { section: string };

const HEAD: TableRow = { figure: "figure", value: "measured", target: "target", comparedWith: "compared with", status: "status" };
const COLS = ["figure", "value", "target", "comparedWith", "status"] as const;

export function renderTable(lines: readonly Line[]): string {
  const rows = [HEAD, ...lines.filter((l): l is TableRow => !("section" in l))];
  const widths = COLS.map((c) => Math.max(...rows.map((r) => r[c].length)));
  const rule = widths.map((w) => "-".repeat(w)).join("-+-");
  const fmt = (r: TableRow) =>
    COLS.map((c, i) => r[c].padEnd(widths[i]!))
      .join(" | ")
      .trimEnd();
  const out = [fmt(HEAD), rule];
  for (const l of lines) out.push("section" in l ? `${out.length > 2 ? `${rule}\n` : ""}${l.section}` : fmt(l));
  return out.join("\n");
}

export const fmtMs = (x: number) => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${x >= 100 ? Math.round(x) : Math.round(x * 10) / 10} ms`);
export const fmtInt = (x: number) => Math.round(x).toLocaleString("en-US");
