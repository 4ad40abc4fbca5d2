import { upsertPipelineBars } from "../db/pipeline-upserts.server.js";
import { quarantineRows } from "../db/quarantine.server.js";
import type { ObjectMeta } from "../lake/lake.js";
import { isValidSymbol } from "../model/daily-price.js";
import type { RawResponse } from "../polygon/client.server.js";
import { parseAggregates, type ParseOptions } from "../transform/bars.js";
import { oldBasisObjectError } from "./basis.server.js";
import type { Context } from "./context.server.js";

/** Lake metadata for one response: what was asked and what came back, never the key. */
export function responseMeta(ctx: Context, r: RawResponse): ObjectMeta {
  const meta: ObjectMeta = {
    feed: ctx.config.feed,
    request: `GET ${r.path}`,
    status: String(r.status),
    requestedAt: r.requestedAt,
    contentType: r.contentType,
    bytes: String(r.body.length),
    sha256: r.sha256,
    resultsCount: String(r.resultsCount),
    runId: ctx.runId,
  };
  if (r.requestId) meta.requestId = r.requestId;
  if (r.nextPath) meta.nextPath = r.nextPath;
  return meta;
}

/** Stores one response in the lake and counts it; `extra` adds metadata (a back-fill batch's `tickers`). */
export async function storeResponse(ctx: Context, key: string, r: RawResponse, extra: ObjectMeta = {}): Promise<void> {
  await ctx.lake.put(key, r.body, { ...responseMeta(ctx, r), ...extra });
  ctx.lakeObjectsWritten++;
}

/**
 * Loads one lake object into MongoDB: parse, validate, upsert the good rows,
 * quarantine the rest. Returns how many rows were rejected and which symbols
 * the object held (valid or not). Only as-traded objects (`adjusted: false`)
 * load: any other is refused with OldBasisError before anything is written.
 */
export async function loadObject(ctx: Context, key: string, opts: ParseOptions & { overwriteManual?: boolean }): Promise<{ rejected: number; symbols: Set<string> }> {
  const { body } = await ctx.lake.get(key);
  ctx.lakeObjectsRead++;
  const parsed = parseAggregates(key, body, opts);
  if (parsed.adjusted !== false) throw oldBasisObjectError(key, parsed.adjusted);
  ctx.counts.rows += parsed.bars.length + parsed.rejects.length;
  ctx.counts.valid += parsed.bars.length;
  ctx.counts.rejected += parsed.rejects.length;
  for (const r of parsed.rejects.slice(0, 5)) {
    // The symbol is whatever the object held: printed only if it is one, so no line can be forged or flooded.
    ctx.log(`rejected row ${r.index} of ${key} (${isValidSymbol(r.symbol) ? r.symbol : "?"} ${r.date ?? "?"}): ${r.reasons.join("; ")}`);
  }
  if (parsed.rejects.length > 5) ctx.log(`… and ${parsed.rejects.length - 5} more rejected rows of ${key}`);
  await quarantineRows(ctx.db, key, parsed.rejects, ctx.runId);
  const c = await upsertPipelineBars(ctx.db, parsed.bars, {
    feed: ctx.config.feed,
    runId: ctx.runId,
    lakeObjectOf: () => key,
    overwriteManual: opts.overwriteManual,
  });
  ctx.counts.inserted += c.inserted;
  ctx.counts.updated += c.updated;
  ctx.counts.unchanged += c.unchanged;
  ctx.counts.protectedManual += c.protectedManual;
  const symbols = new Set<string>(parsed.bars.map((b) => b.symbol));
  for (const r of parsed.rejects) if (r.symbol) symbols.add(r.symbol);
  return { rejected: parsed.rejects.length, symbols };
}

/** One line summing up what a load did. */
export function loadSummary(ctx: Context): string {
  const c = ctx.counts;
  const parts = [`${c.valid} valid rows`, `${c.inserted} inserted`, `${c.updated} updated`, `${c.unchanged} unchanged`];
  if (c.protectedManual) parts.push(`${c.protectedManual} left alone (edited by hand)`);
  if (c.rejected) parts.push(`${c.rejected} rejected and quarantined`);
  return parts.join(", ");
}
