/**
 * The verdict on a loader figure against its target, shared by the web app's
 * table and the combined one. "Limited by server" is claimed only when our
 * share alone meets the target and every command would be served by an index
 * on MongoDB: then a real MongoDB, not a change of ours, is what is missing.
 */
import type { Figure } from "./measure";

export type Status = "pass" | "limited by server" | "MISSED (our scan)" | "MISSED (our code)" | "measured";

export function loaderStatus(f: Figure, targetMs: number | null): { status: Status; why: string } {
  const scans = f.commands.filter((c) => c.plan.served === "scan").map((c) => c.command);
  const scanNote = scans.length ? `; ${scans.join(", ")} would read every document on MongoDB too` : "; every command index-served on MongoDB";
  if (targetMs === null) return { status: "measured", why: `no target${scanNote}` };
  if (f.total.median < targetMs) return { status: "pass", why: `median ${f.total.median} ms < ${targetMs} ms${scanNote}` };
  if (f.ours.median < targetMs && scans.length === 0) {
    return { status: "limited by server", why: `our code ${f.ours.median} ms of ${f.total.median} ms; the rest is the server${scanNote}` };
  }
  if (f.ours.median < targetMs) return { status: "MISSED (our scan)", why: `our code ${f.ours.median} ms, but not every query is index-served${scanNote}` };
  return { status: "MISSED (our code)", why: `our code alone takes ${f.ours.median} ms${scanNote}` };
}
