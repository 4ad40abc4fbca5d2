/**
 * Runs the real `stock-pipeline` CLI (the compiled bin) as a child process and
 * measures its wall time and peak memory: with GNU `/usr/bin/time -v` when it
 * is there, otherwise through a tiny preloaded module that records
 * `process.resourceUsage().maxRSS` when the child exits.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { timed } from "./measure.js";

export const CLI_BIN = fileURLToPath(new URL("../bin/stock-pipeline.js", import.meta.url));
const GNU_TIME = "/usr/bin/time";

export interface CliRun {
  exitCode: number;
  ms: number;
  /** Peak resident set size of the CLI process, in KiB. */
  maxRssKb: number | undefined;
  rssMethod: "/usr/bin/time -v" | "resourceUsage() at exit";
  /** The `--json` summary printed on stdout. */
  summary: Record<string, unknown> | undefined;
  stderrTail: string;
}

let gnuTime: boolean | undefined;
function hasGnuTime(): boolean {
  gnuTime ??= spawnSync(GNU_TIME, ["-v", "-o", "/dev/null", "true"], { stdio: "ignore" }).status === 0;
  return gnuTime;
}

const PROBE = `import { writeFileSync } from "node:fs";
process.on("exit", () => writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));
`;

/** Runs `stock-pipeline <args> --json` with `env` on top of this process's environment. */
export async function runCli(args: string[], env: Record<string, string>, workDir: string, label: string): Promise<CliRun> {
  const rssFile = join(workDir, `${label}.rss`);
  let command: string;
  let argv: string[];
  let childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (hasGnuTime()) {
    command = GNU_TIME;
    argv = ["-v", "-o", rssFile, process.execPath, CLI_BIN, ...args, "--json"];
  } else {
    const probe = join(workDir, "rss-probe.mjs");
    await writeFile(probe, PROBE);
    command = process.execPath;
    argv = ["--import", pathToFileURL(probe).href, CLI_BIN, ...args, "--json"];
    childEnv = { ...childEnv, BENCH_RSS_FILE: rssFile };
  }
  let stdout = "";
  let stderr = "";
  const { ms, value: exitCode } = await timed(
    () =>
      new Promise<number>((resolve, reject) => {
        const child = spawn(command, argv, { env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
        child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
        child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr = (stderr + s).slice(-8_000)));
        child.on("error", reject);
        child.on("close", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
      }),
  );
  const rssText = await readFile(rssFile, "utf8").catch(() => "");
  const maxRssKb = hasGnuTime() ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(rssText)?.[1]) : Number(rssText);
  let summary: Record<string, unknown> | undefined;
  try {
    summary = JSON.parse(stdout.trim().split("\n").pop() ?? "") as Record<string, unknown>;
  } catch {
    summary = undefined;
  }
  return {
    exitCode,
    ms,
    maxRssKb: Number.isFinite(maxRssKb) && maxRssKb > 0 ? maxRssKb : undefined,
    rssMethod: hasGnuTime() ? "/usr/bin/time -v" : "resourceUsage() at exit",
    summary,
    stderrTail: stderr.split("\n").slice(-6).join("\n"),
  };
}
