/**
 * Splits a loader call into database time and our time without touching the
 * code under test: the driver's command monitoring (a client created with
 * `monitorCommands: true`) reports every command it sends, and the time
 * during which at least one command was in flight (the union of their
 * intervals, so the concurrent find, count and distinct of one loader are not
 * added up) is the database's share. Our share is the rest of the call.
 *
 * The interval runs from the driver handing the command to the socket to the
 * reply being decoded; with monitoring on, the driver decodes each reply once
 * for the event, so that decode (ours, strictly) is counted as database time.
 */
import { performance } from "node:perf_hooks";
import type { CommandFailedEvent, CommandStartedEvent, CommandSucceededEvent, Document, Long, MongoClient } from "mongodb";

/** One command as sent, reduced to what decides how the server can answer it. */
export interface SentCommand {
  /** find, aggregate (countDocuments), distinct, count… */
  name: string;
  collection: string;
  filter: Document;
  sort?: Document;
  limit?: number;
  skip?: number;
  /** distinct's field. */
  key?: string;
  /** countDocuments is an aggregate: $match, then $group. */
  isCount: boolean;
  /** Round trip, including the getMores that drained its cursor. */
  ms: number;
  getMores: number;
  failed: boolean;
}

export interface CallProfile {
  /** Wall time with at least one command in flight. */
  dbMs: number;
  commands: SentCommand[];
}

/** The driver sends a sort as a Map (key order matters); plain object for printing and analysis. */
const plain = (v: unknown): Document | undefined => (v instanceof Map ? Object.fromEntries(v) : (v as Document | undefined));

function describe(e: CommandStartedEvent): SentCommand | undefined {
  const c = e.command;
  const base = { ms: 0, getMores: 0, failed: false, isCount: false };
  switch (e.commandName) {
    case "find":
      return { ...base, name: "find", collection: String(c.find), filter: c.filter ?? {}, sort: plain(c.sort), limit: c.limit, skip: c.skip };
    case "aggregate": {
      const stages = (c.pipeline ?? []) as Document[];
      const match = stages.find((s) => "$match" in s)?.$match as Document | undefined;
      return { ...base, name: "aggregate", collection: String(c.aggregate), filter: match ?? {}, isCount: stages.some((s) => "$group" in s) };
    }
    case "distinct":
      return { ...base, name: "distinct", collection: String(c.distinct), filter: c.query ?? {}, key: String(c.key) };
    case "count":
      return { ...base, name: "count", collection: String(c.count), filter: c.query ?? {}, isCount: true };
    default:
      return undefined;
  }
}

export class CommandMonitor {
  private inFlight = new Map<number, SentCommand | null>();
  /** Cursor id of a find/aggregate -> its entry, so getMores are charged to it. */
  private cursors = new Map<string, SentCommand>();
  private startedAt = new Map<number, number>();
  private busySince = 0;
  private busyMs = 0;
  private commands: SentCommand[] = [];

  private readonly onStarted = (e: CommandStartedEvent) => {
    const now = performance.now();
    if (this.inFlight.size === 0) this.busySince = now;
    let entry: SentCommand | null = describe(e) ?? null;
    if (e.commandName === "getMore") {
      entry = this.cursors.get(String(e.command.getMore)) ?? null;
      if (entry) entry.getMores++;
    } else if (entry) {
      this.commands.push(entry);
    }
    this.inFlight.set(e.requestId, entry);
    this.startedAt.set(e.requestId, now);
  };

  private readonly onDone = (e: CommandSucceededEvent | CommandFailedEvent) => {
    if (!this.inFlight.has(e.requestId)) return; // started before begin()
    const now = performance.now();
    const entry = this.inFlight.get(e.requestId);
    if (entry) {
      entry.ms += now - (this.startedAt.get(e.requestId) ?? now);
      if (!("reply" in e)) entry.failed = true;
      const id = "reply" in e ? (e.reply as { cursor?: { id?: Long | number } } | undefined)?.cursor?.id : undefined;
      if (id !== undefined && String(id) !== "0") this.cursors.set(String(id), entry);
    }
    this.inFlight.delete(e.requestId);
    this.startedAt.delete(e.requestId);
    if (this.inFlight.size === 0) this.busyMs += now - this.busySince;
  };

  constructor(private readonly client: MongoClient) {
    client.on("commandStarted", this.onStarted);
    client.on("commandSucceeded", this.onDone);
    client.on("commandFailed", this.onDone);
  }

  /** Starts a new call's profile. */
  begin(): void {
    this.inFlight.clear();
    this.startedAt.clear();
    this.cursors.clear();
    this.busyMs = 0;
    this.commands = [];
  }

  /** The profile since begin(); call after the loader's promise settled (nothing is in flight then). */
  end(): CallProfile {
    if (this.inFlight.size > 0) throw new Error(`${this.inFlight.size} command(s) still in flight after the call returned`);
    return { dbMs: this.busyMs, commands: this.commands };
  }

  close(): void {
    this.client.off("commandStarted", this.onStarted);
    this.client.off("commandSucceeded", this.onDone);
    this.client.off("commandFailed", this.onDone);
  }
}
