/**
 * How many update or replace statements one write command may carry.
 *
 * FerretDB 1.24 on PostgreSQL keeps every matching statement's query open,
 * each holding one of its 50 pooled connections, until the whole command
 * ends: at 50 matching statements a command never returns, and every later
 * command waits for a connection (reproduced: 49 took 114 ms, 50 hung;
 * docs/decisions/070-embedded-postgresql-backend.md). Below the pool's size
 * it is safe, and on MongoDB it only costs a few more round trips.
 */
export const MAX_UPDATES_PER_COMMAND = 40;

/** `items` cut into consecutive chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size = MAX_UPDATES_PER_COMMAND): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
