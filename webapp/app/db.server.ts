import { join } from "node:path";
import { ensureAuditIndexes } from "@stock-market/pipeline/db/audit.server";
import { getCachedMongo } from "@stock-market/pipeline/db/client.server";
import { ensureCorporateActionIndexes } from "@stock-market/pipeline/db/corporate-actions.server";
import { ensureDailyPriceIndexes } from "@stock-market/pipeline/db/daily-prices.server";
import { ensureRecordsPageIndexes } from "@stock-market/pipeline/db/records-query.server";
import { ensureRunIndexes } from "@stock-market/pipeline/db/runs.server";
import { ensureSymbolSummaries } from "@stock-market/pipeline/db/symbol-summaries.server";
import { ensureEmbeddedMongo } from "@stock-market/pipeline/services/ferretdb.server";
import type { Db } from "mongodb";
import { getEnv } from "~/env.server";

const globalCache = globalThis as unknown as { __webappDb?: Promise<Db> };

/**
 * The database, connected and indexed once per process. Cached on globalThis
 * because the Remix dev server re-imports modules on every edit, which would
 * otherwise open a new connection pool (and re-create indexes) each time; the
 * client itself is the pipeline's cached one. Without MONGODB_URI it is the
 * embedded FerretDB of DATA_DIR, shared with the CLI and the demo.
 */
export function getDb(): Promise<Db> {
  if (!globalCache.__webappDb) {
    const p = (async () => {
      const env = getEnv();
      const uri = env.MONGODB_URI ?? (await ensureEmbeddedMongo({ dataDir: join(env.dataDir, "ferretdb") })).uri;
      const { client, db } = await getCachedMongo(uri, env.MONGODB_DB, "stock-webapp");
      // remix-serve closes its HTTP server on SIGTERM/SIGINT; closing the pool too lets the process exit.
      for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => void client.close());
      await ensureDailyPriceIndexes(db);
      await ensureRecordsPageIndexes(db);
      await ensureAuditIndexes(db);
      await ensureRunIndexes(db);
      await ensureCorporateActionIndexes(db);
      await ensureSymbolSummaries(db, (line) => console.log(line));
      return db;
    })();
    p.catch(() => {
      if (globalCache.__webappDb === p) delete globalCache.__webappDb;
    });
    globalCache.__webappDb = p;
  }
  return globalCache.__webappDb;
}
