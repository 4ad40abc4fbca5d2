import type { Collection, CreateIndexesOptions, Document, IndexSpecification } from "mongodb";

export interface IndexDef {
  key: IndexSpecification;
  options: CreateIndexesOptions & { name: string };
}

/**
 * Creates each index with its own createIndex call. Idempotent on MongoDB and
 * Atlas; one call per index (rather than one createIndexes with a list) also
 * sidesteps FerretDB 1.24 dropping the connection when a list repeats
 * indexes that already exist.
 */
export async function ensureIndexes<T extends Document>(collection: Collection<T>, defs: readonly IndexDef[]): Promise<void> {
  for (const d of defs) await collection.createIndex(d.key, d.options);
}
