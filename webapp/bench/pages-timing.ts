/**
 * Round trips of the production web app's pages, cold and warm. Warm: the
 * same request repeated with no write between (the caches may answer).
 * Cold: each request right after a write bumped the data version, so every
 * cached read is missed and the page is read from the database again; the
 * bump is the one every write path makes (withDataWrite), here with an empty
 * write so the data stays the same for every run. For a page of given
 * symbols, the write is a rebuild of their summaries, which gives them new
 * generations with no change log: the web app's record store reads them
 * whole, as after a start (a person's edit would cost one keyed read).
 */
import { performance } from "node:perf_hooks";
import { withDataWrite } from "@stock-market/pipeline/db/data-version.server";
import { rebuildSymbolSummaries } from "@stock-market/pipeline/db/symbol-summaries.server";
import type { Db } from "mongodb";
import { percentile } from "./measure";

export interface PageSpec {
  /** Short name used as the key in the results. */
  name: string;
  label: string;
  path: string;
  /** Text the page must contain: a request that answers something else is an error, not a figure. */
  expect: string;
  /** Symbols whose records the page reads: a cold request reads them whole. */
  symbols?: string[];
}

export interface PageTiming {
  coldMs: number[];
  warmMs: number[];
  coldMedian: number;
  warmMedian: number;
  warmP95: number;
  bytes: number;
}

async function get(url: string, headers: Record<string, string>, expect: string): Promise<{ ms: number; bytes: number }> {
  const t0 = performance.now();
  const r = await fetch(url, { headers });
  const body = await r.text();
  const ms = performance.now() - t0;
  if (!r.ok) throw new Error(`GET ${url} answered ${r.status}: ${body.slice(0, 300)}`);
  if (!body.includes(expect)) throw new Error(`GET ${url} does not contain ${JSON.stringify(expect)}`);
  return { ms, bytes: body.length };
}

const r1 = (x: number) => Math.round(x * 10) / 10;

export async function timePage(baseUrl: string, db: Db, page: PageSpec, o: { cold: number; warm: number; headers?: Record<string, string> }): Promise<PageTiming> {
  const url = `${baseUrl}${page.path}`;
  const headers = o.headers ?? {};
  const coldMs: number[] = [];
  let bytes = 0;
  for (let i = 0; i < o.cold; i++) {
    if (page.symbols) await rebuildSymbolSummaries(db, page.symbols);
    else await withDataWrite(db, async () => undefined);
    const r = await get(url, headers, page.expect);
    coldMs.push(r.ms);
    bytes = r.bytes;
  }
  await get(url, headers, page.expect); // fills the cache after the last bump
  const warmMs: number[] = [];
  for (let i = 0; i < o.warm; i++) warmMs.push((await get(url, headers, page.expect)).ms);
  return {
    coldMs: coldMs.map(r1),
    warmMs: warmMs.map(r1),
    coldMedian: r1(percentile(coldMs, 0.5)),
    warmMedian: r1(percentile(warmMs, 0.5)),
    warmP95: r1(percentile(warmMs, 0.95)),
    bytes,
  };
}
