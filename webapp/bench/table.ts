/**
 * The one benchmark table (`npm run bench` prints it last): every figure of
 * bench-results/pipeline.json, webapp.json, pages.json, curated.json and
 * market.json, and of soak.json when a soak
 * has been run (dated, as it is not re-run by the bench), each with its
 * measured value, target, what it is compared with and a status. Writes
 * bench-results/all.json. It lives with the web app because the web app
 * depends on the pipeline (for its result type), not the other way round.
 *
 *   npx tsx bench/table.ts
 */
import { existsSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CuratedBenchResult } from "../../pipeline/bench/curated";
import type { MarketBenchResult } from "../../pipeline/bench/market";
import type { BenchResult as PipelineResult } from "../../pipeline/bench/report";
import { curatedRows, marketRows } from "./market-report";
import type { PagesBenchResult } from "./pages";
import { pagesRows } from "./pages-report";
import { queryNotes, webappRows, type WebappBenchResult } from "./report";
import { soakRows, type SoakResult } from "./soak-report";
import { fmtInt, fmtMs, renderTable, type Line } from "./table-format";

const RESULTS = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bench-results");
const QUICK = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";

function read<T>(name: string): T | null {
  const path = join(RESULTS, name);
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as T) : null;
}

const mib = (kb: number | undefined) => (kb === undefined ? "n/a" : `${fmtInt(kb / 1024)} MiB`);
const ratio = (r: number) => `${Math.round(r * 100) / 100}×`;
const day = (iso: string) => iso.slice(0, 16).replace("T", " ") + " UTC";

function pipelineRows(r: PipelineResult): Line[] {
  const L = r.load;
  const g = L.ferret.grown;
  const half = (x: number) => (x >= 0.5 ? "pass" : "MISSED");
  const lines: Line[] = [
    { section: `Pipeline (${day(r.generatedAt)}; grouped day of ${fmtInt(L.bars)} tickers, medians of ${r.runs} runs)` },
    {
      figure: "(a) parse grouped day",
      value: `${fmtMs(L.parse.ms)} (${fmtInt(L.parse.rowsPerS)} rows/s)`,
      target: "none",
      comparedWith: `${fmtInt(L.rows)} rows of JSON, CPU only`,
      status: "measured",
    },
    {
      figure: "(a) write day into empty collection",
      value: `${fmtInt(L.ours.docsPerS)} docs/s (${ratio(L.ratio)})`,
      target: "≥ 0.5× ceiling",
      comparedWith: `insertMany ceiling ${fmtInt(L.ceiling.docsPerS)} docs/s`,
      status: half(L.ratio),
    },
    {
      figure: `(a) new day, ${fmtInt(g.storedDocs)} docs stored`,
      value: `${fmtInt(g.newDay.docsPerS)} docs/s (${ratio(g.ratio)})`,
      target: "≥ 0.5× ceiling",
      comparedWith: `insertMany ceiling ${fmtInt(g.newDayCeiling.docsPerS)} docs/s`,
      status: half(g.ratio),
    },
    {
      figure: "(b) load the same day again",
      value: `${fmtMs(L.reload.ms)} (read ${fmtMs(L.reload.readMs)}), ${L.reload.modified} docs modified`,
      target: "none",
      comparedWith: `FerretDB find({}) of ${fmtInt(L.ferret.scanAll.docs)} docs: ${fmtMs(L.ferret.scanAll.ms)}`,
      status: "measured",
    },
    {
      figure: `(b) again, ${fmtInt(g.storedDocs)} docs stored`,
      value: `${fmtMs(g.reload.ms)} (read ${fmtMs(g.reload.readMs)})`,
      target: "none",
      comparedWith: "server time: FerretDB scans for the read",
      status: "measured",
    },
  ];
  for (const j of r.api) {
    const daily = j.command.endsWith(" run");
    // Bars: one grouped request a day, or one range request per ticker; corporate actions: splits + dividends
    // once a day for the whole market, or once per ticker.any_of batch of 100 (pages would add to these).
    const batches = Math.ceil(j.tickers / 100);
    const target = daily ? 3 : j.tickers + 2 * batches;
    const routes = Object.entries(j.byRoute)
      .map(([route, n]) => `${route} ${fmtInt(n)}`)
      .join(", ");
    lines.push({
      figure: `(c) ${j.job}`,
      value: `${fmtInt(j.requests)} request(s) (${routes})`,
      target: daily ? "3 a day (bars, splits, dividends)" : `1 per ticker + 2 per 100 (${fmtInt(target)})`,
      comparedWith: `one request per ticker per day: ${fmtInt(j.oldRequests)} (${ratio(j.fewerBy)} fewer)`,
      status: j.requests <= target ? "pass" : "MISSED",
    });
  }
  lines.push({
    figure: "(d) peak RSS, bench process",
    value: mib(r.memory.benchMaxRssKb),
    target: "none",
    comparedWith: `FerretDB server ${mib(r.memory.ferretDbPeakRssKb)}`,
    status: "measured",
  });
  const worst = r.memory.cli.reduce((a, c) => ((c.maxRssKb ?? 0) > (a.maxRssKb ?? 0) ? c : a), r.memory.cli[0]!);
  lines.push({ figure: "(d) peak RSS, CLI (largest job)", value: mib(worst.maxRssKb), target: "none", comparedWith: worst.job, status: "measured" });
  return lines;
}

async function main(): Promise<void> {
  const pipeline = read<PipelineResult>("pipeline.json");
  const webapp = read<WebappBenchResult>("webapp.json");
  const soak = read<SoakResult>("soak.json");
  const pages = read<PagesBenchResult>("pages.json");
  const curated = read<CuratedBenchResult>("curated.json");
  const market = read<MarketBenchResult>("market.json");
  if (!pipeline && !webapp && !pages && !curated && !market) throw new Error(`no results in ${RESULTS}: run \`npm run bench\` first`);
  const lines: Line[] = [
    ...(pipeline ? pipelineRows(pipeline) : [{ section: "Pipeline: no bench-results/pipeline.json" }]),
    ...(webapp ? webappRows(webapp) : [{ section: "Web app: no bench-results/webapp.json" }]),
    ...(pages ? pagesRows(pages) : [{ section: "Pages: no bench-results/pages.json" }]),
    ...(curated ? curatedRows(curated) : [{ section: "Curated lake: no bench-results/curated.json" }]),
    ...(market ? marketRows(market) : [{ section: "Market screener: no bench-results/market.json" }]),
    ...(soak ? soakRows(soak) : [{ section: "Soak: not run (npm run soak writes bench-results/soak.json)" }]),
  ];
  const machine = pipeline?.machine ?? webapp?.machine ?? curated?.machine ?? market?.machine;
  const text = [
    `Benchmarks${QUICK ? " (QUICK MODE: small sizes, not the figures to quote)" : ""}: one run on ${machine?.cpus ?? "?"}× ${machine?.cpuModel ?? "?"}, node ${machine?.node ?? "?"}.`,
    "Status: pass = target met; limited by server = our code's share meets the target and every query is index-served on MongoDB,",
    "the embedded FerretDB (which scans for any filter but _id) takes the rest; MISSED = not met for a reason of ours; measured = no target.",
    "",
    renderTable(lines),
    ...(webapp ? ["", "Queries behind the web app figures (each loader call's commands, median round trip on this server):", ...queryNotes(webapp)] : []),
  ].join("\n");
  process.stdout.write(`${text}\n`);
  const all = {
    generatedAt: new Date().toISOString(),
    quick: QUICK,
    parts: {
      pipeline: pipeline ? { generatedAt: pipeline.generatedAt, file: "pipeline.json" } : null,
      webapp: webapp ? { generatedAt: webapp.generatedAt, file: "webapp.json" } : null,
      pages: pages ? { generatedAt: pages.generatedAt, file: "pages.json" } : null,
      curated: curated ? { generatedAt: curated.generatedAt, file: "curated.json" } : null,
      market: market ? { generatedAt: market.measuredAt, file: "market.json" } : null,
      soak: soak ? { generatedAt: soak.generatedAt, file: "soak.json" } : null,
    },
    rows: lines,
  };
  await writeFile(join(RESULTS, "all.json"), `${JSON.stringify(all, null, 2)}\n`);
  process.stderr.write(`bench: wrote ${join(RESULTS, "all.json")}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench table: failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
