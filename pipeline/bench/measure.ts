/**
 * Small helpers shared by the benchmark modules: timing, medians, progress on
 * stderr, and a per-command profile of the MongoDB driver's traffic.
 */
import { performance } from "node:perf_hooks";
import type { CommandSucceededEvent, CommandFailedEvent, MongoClient } from "mongodb";

/** Progress goes to stderr; the table goes to stdout. */
export function say(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

export async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Items per second for `n` items in `ms` milliseconds. */
export function perSecond(n: number, ms: number): number {
  return ms > 0 ? (n * 1000) / ms : Infinity;
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** 12345.6 -> "12,346". */
export function int(x: number): string {
  return Math.round(x).toLocaleString("en-US");
}

export function ms(x: number): string {
  return x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(x >= 100 ? 0 : 1)} ms`;
}

/** Seconds as a human duration: 43 s, 7.5 min, 3.2 h, 5.1 days. */
export function duration(seconds: number): string {
  if (seconds < 120) return `${round(seconds, 1)} s`;
  if (seconds < 2 * 3600) return `${round(seconds / 60, 1)} min`;
  if (seconds < 48 * 3600) return `${round(seconds / 3600, 1)} h`;
  return `${round(seconds / 86_400, 1)} days`;
}

/**
 * Sums the server round-trip time of every command the driver sends, by
 * command name (find+getMore = "read", insert/update/delete = "write"), so a
 * figure can be split into read and write time without touching the code
 * under test. Needs a client created with `monitorCommands: true`.
 */
export class CommandProfile {
  private totals = new Map<string, { count: number; ms: number }>();
  private readonly onDone = (e: CommandSucceededEvent | CommandFailedEvent) => {
    const t = this.totals.get(e.commandName) ?? { count: 0, ms: 0 };
    t.count++;
    t.ms += e.duration;
    this.totals.set(e.commandName, t);
  };

  constructor(private readonly client: MongoClient) {
    client.on("commandSucceeded", this.onDone);
    client.on("commandFailed", this.onDone);
  }

  reset(): void {
    this.totals.clear();
  }

  /** Milliseconds and round trips spent in the named commands since the last reset. */
  of(...names: string[]): { ms: number; count: number } {
    let ms = 0;
    let count = 0;
    for (const n of names) {
      const t = this.totals.get(n);
      if (t) {
        ms += t.ms;
        count += t.count;
      }
    }
    return { ms, count };
  }

  read(): { ms: number; count: number } {
    return this.of("find", "getMore");
  }

  write(): { ms: number; count: number } {
    return this.of("insert", "update", "delete");
  }

  close(): void {
    this.client.off("commandSucceeded", this.onDone);
    this.client.off("commandFailed", this.onDone);
  }
}
