import { MongoBulkWriteError } from "mongodb";

/**
 * E11000, the unique index refusing a second document with the same key:
 * how every insert-first write path here learns that a key exists. Pure
 * (no I/O); MongoDB and FerretDB report it the same way.
 */
export const isDuplicateKey = (e: unknown): boolean => typeof e === "object" && e !== null && (e as { code?: unknown }).code === 11000;

/** The write errors of a bulk write when every one of them is a duplicate key; otherwise undefined. */
export function duplicateKeyErrors(e: unknown): { index: number }[] | undefined {
  if (!(e instanceof MongoBulkWriteError)) return undefined;
  const errors = Array.isArray(e.writeErrors) ? e.writeErrors : [e.writeErrors];
  return errors.length > 0 && errors.every((w) => w.code === 11000) ? errors : undefined;
}
