/**
 * The page bench's rows in the one benchmark table (bench/table.ts). Two
 * comparisons per page, both printed: ours warm against SQLite cold is what
 * a user of the old default saw (it had no read cache, so every request read
 * the database) against what they see now on a repeat view; cold against
 * cold compares the two backends under the same code.
 */
import type { PagesBenchResult, PagesRun } from "./pages";
import { fmtInt, fmtMs, type Line } from "./table-format";

const WARM_TARGET_MS = 100;
const BIG_TARGETS: Record<string, number> = { chartMax: 200, chart1Y: 200, recordsFiltered: 200, recordsUnfiltered: 1000, health: 500 };
const ratio = (r: number) => `${Math.round(r * 10) / 10}×`;

function sizeOf(run: PagesRun, years: number): string {
  return `${run.data.symbols.length} tickers × ${years} years, ${fmtInt(run.data.records)} records`;
}

export function pagesRows(r: PagesBenchResult): Line[] {
  const ours = r.small.find((s) => s.backend === "postgresql");
  const sqlite = r.small.find((s) => s.backend === "sqlite");
  if (!ours || !sqlite) return [{ section: "Pages: bench-results/pages.json lacks one of the two backends" }];
  const lines: Line[] = [
    {
      section: `Pages, production build (${r.generatedAt.slice(0, 16).replace("T", " ")} UTC; ${sizeOf(ours, r.options.years)}; medians of ${r.options.warm} warm and ${r.options.cold} cold round trips)`,
    },
  ];
  for (const [name, p] of Object.entries(ours.pages)) {
    const base = sqlite.pages[name];
    if (!base) continue;
    const needed = name === "chartMax" ? 5 : 2;
    const vsOld = base.coldMedian / p.warmMedian;
    const coldVsCold = base.coldMedian / p.coldMedian;
    lines.push({
      figure: `${p.label}, warm (cold)`,
      value: `${fmtMs(p.warmMedian)} (${fmtMs(p.coldMedian)})`,
      target: `< ${WARM_TARGET_MS} ms warm`,
      comparedWith: `SQLite ${fmtMs(base.warmMedian)} warm, ${fmtMs(base.coldMedian)} cold`,
      status: p.warmMedian < WARM_TARGET_MS ? "pass" : "MISSED",
    });
    lines.push({
      figure: `${p.label}, vs SQLite`,
      value: `${ratio(vsOld)} (cold vs cold ${ratio(coldVsCold)})`,
      target: `≥ ${needed}× faster`,
      comparedWith: "SQLite cold = the old default (no read cache)",
      status: vsOld >= needed ? (coldVsCold >= needed ? "pass" : "pass warm; cold below") : "MISSED",
    });
  }
  lines.push({
    figure: "write lease, one hold (decision 050)",
    value: fmtMs(ours.leaseMs),
    target: "none",
    comparedWith: `SQLite ${fmtMs(sqlite.leaseMs)}; MongoDB takes none (detected by buildInfo)`,
    status: "measured",
  });
  if (r.big) {
    lines.push({ section: `Pages at ${sizeOf(r.big, r.options.years)} (our default only)` });
    for (const [name, p] of Object.entries(r.big.pages)) {
      const target = BIG_TARGETS[name];
      lines.push({
        figure: `${p.label}, warm (cold)`,
        value: `${fmtMs(p.warmMedian)} (${fmtMs(p.coldMedian)})`,
        target: target ? `< ${fmtMs(target)} warm` : "none",
        comparedWith: `p95 warm ${fmtMs(p.warmP95)}`,
        status: target === undefined ? "measured" : p.warmMedian < target ? "pass" : "MISSED",
      });
    }
  }
  return lines;
}
