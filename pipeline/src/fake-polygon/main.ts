/**
 * Standalone fake Polygon server (SYNTHETIC data) for the offline demo and CLI tests:
 *   tsx src/fake-polygon/main.ts --port 0 --api-key KEY [--api-key KEY2] [--seed demo]
 *     [--universe-size 11000] [--range-page-size 5000] [--next-url-base URL]
 *     [--today YYYY-MM-DD] [--history-start YYYY-MM-DD] [--host 127.0.0.1]
 * Prints one JSON line {"url": "...", "pid": N} on stdout once listening;
 * stops cleanly on SIGTERM/SIGINT. Faults and stats: see control.ts (/__fake/...).
 */
import { startFakePolygon, type FakePolygonOptions } from "./server.js";

const USAGE =
  "usage: main.ts [--port N] [--host H] [--api-key KEY]... [--seed S] [--universe-size N] " +
  "[--range-page-size N] [--next-url-base URL] [--today YYYY-MM-DD] [--history-start YYYY-MM-DD]";

export function parseArgs(argv: readonly string[]): FakePolygonOptions {
  const options: FakePolygonOptions = {};
  const keys: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new Error(`${name} needs a value\n${USAGE}`);
    const int = (): number => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${value}`);
      return n;
    };
    switch (name) {
      case "--port":
        options.port = int();
        break;
      case "--host":
        options.host = value;
        break;
      case "--api-key":
        keys.push(value);
        break;
      case "--seed":
        options.seed = value;
        break;
      case "--universe-size":
        options.universeSize = int();
        break;
      case "--range-page-size":
        options.rangePageSize = int();
        break;
      case "--next-url-base":
        options.nextUrlBase = value;
        break;
      case "--today": {
        const today = value;
        options.today = () => today;
        break;
      }
      case "--history-start":
        options.historyStart = value;
        break;
      default:
        throw new Error(`unknown option ${name}\n${USAGE}`);
    }
  }
  if (keys.length > 0) options.apiKeys = keys;
  return options;
}

async function main(): Promise<void> {
  let options: FakePolygonOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
  const server = await startFakePolygon(options);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.stdout.write(`${JSON.stringify({ url: server.url, pid: process.pid })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`fake-polygon: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
