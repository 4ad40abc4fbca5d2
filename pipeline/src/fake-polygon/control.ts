/**
 * Control API of the fake Polygon server under `/__fake/` (no auth, never
 * counted): lets another process (a CLI under test) read stats and queue faults.
 *   GET /__fake/stats, GET /__fake/requests, POST /__fake/reset-stats,
 *   GET|POST|DELETE /__fake/faults (POST body: a Fault or an array of Faults),
 *   POST /__fake/release (lets every request held by a "hold" fault answer).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { parseFault, type FaultQueue } from "./faults.js";
import type { FakeResponse } from "./responses.js";

export interface ControlTarget {
  stats(): { total: number; byRoute: Record<string, number> };
  resetStats(): void;
  faults: FaultQueue;
  requests: ReadonlyArray<unknown>;
  releaseHeld(): number;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function reply(res: ServerResponse, response: FakeResponse): void {
  const body = JSON.stringify(response.json);
  res.writeHead(response.status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(body),
    "X-Synthetic-Data": "true",
  });
  res.end(body);
}

export async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL, target: ControlTarget): Promise<void> {
  const route = `${req.method ?? "GET"} ${url.pathname}`;
  switch (route) {
    case "GET /__fake/stats":
      return reply(res, { status: 200, json: target.stats() });
    case "GET /__fake/requests":
      return reply(res, { status: 200, json: target.requests });
    case "POST /__fake/reset-stats":
      target.resetStats();
      return reply(res, { status: 200, json: { ok: true } });
    case "POST /__fake/release":
      return reply(res, { status: 200, json: { ok: true, released: target.releaseHeld() } });
    case "GET /__fake/faults":
      return reply(res, { status: 200, json: target.faults.pending() });
    case "DELETE /__fake/faults":
      target.faults.clear();
      return reply(res, { status: 200, json: { ok: true } });
    case "POST /__fake/faults": {
      let faults;
      try {
        const body: unknown = JSON.parse(await readBody(req));
        faults = (Array.isArray(body) ? body : [body]).map(parseFault);
      } catch (err) {
        return reply(res, { status: 400, json: { error: err instanceof Error ? err.message : String(err) } });
      }
      for (const f of faults) target.faults.add(f);
      return reply(res, { status: 200, json: { ok: true, queued: faults.length } });
    }
    default:
      return reply(res, { status: 404, json: { error: `unknown control route ${route}` } });
  }
}
