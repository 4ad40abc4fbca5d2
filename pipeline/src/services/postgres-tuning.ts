/**
 * How the embedded PostgreSQL is set up for FerretDB 1.24's queries
 * (decision 092). FerretDB hands a top-level equality filter to PostgreSQL as
 * `_jsonb->$1 @> $2`, with the field name a bound parameter, and builds
 * btree indexes on `(_jsonb->'field')`. Neither half can use the other: a
 * btree does not serve `@>`, and under a generic plan `_jsonb->$1` matches no
 * index expression. So every such query scanned the whole table (60 ms at
 * 220,000 records, half a second at 1,000,000), whatever indexes MongoDB's
 * side declared. Two server-side settings make them index-served, with no
 * change to any query we send:
 *
 * - `plan_cache_mode = force_custom_plan` for FerretDB's database: each
 *   execution is planned with its parameters as constants, so `_jsonb->$1`
 *   becomes `_jsonb->'symbol'`.
 * - a GIN "twin" on `(_jsonb->'field')` for every top-level field of every
 *   btree index FerretDB creates (GIN serves `@>`), made by an event trigger
 *   as FerretDB creates the index, and at every start for indexes made before.
 *
 * Nothing here is read by FerretDB's metadata: `listIndexes` still shows
 * exactly what the application created, and dropping a collection drops its
 * table with the twins.
 */

/** Name of the event trigger (also what a test looks for). */
export const TWIN_TRIGGER = "stock_equality_twins";

/**
 * Idempotent: run in FerretDB's database (`database`) at every start. The twin of field f
 * on table t is named `<t>_eq_<md5(f) prefix>`, so a second run (or a second
 * index on the same field) finds it in place.
 */
export const tuningSql = (database: string): string => String.raw`
-- For FerretDB's connections (its pool opens them after this runs).
ALTER DATABASE "${database}" SET plan_cache_mode = force_custom_plan;

CREATE OR REPLACE FUNCTION public.stock_equality_twins(idx oid) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  tbl oid; am name; cols int; expr text; field text; nsp name; rel name;
BEGIN
  SELECT i.indrelid, a.amname, i.indnatts INTO tbl, am, cols
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
    WHERE i.indexrelid = idx;
  -- Only FerretDB's btree indexes (our own GIN twins come back through the trigger too).
  IF tbl IS NULL OR am <> 'btree' THEN RETURN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = tbl AND attname = '_jsonb' AND atttypid = 'jsonb'::regtype AND NOT attisdropped) THEN RETURN; END IF;
  SELECT n.nspname, c.relname INTO nsp, rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = tbl;
  FOR k IN 1..cols LOOP
    expr := pg_get_indexdef(idx, k, true);
    -- Top-level fields only: FerretDB pushes down no filter on a nested path with ->.
    field := substring(expr from '^\(?_jsonb -> ''((?:[^'']|'''')*)''::text\)?$');
    CONTINUE WHEN field IS NULL;
    field := replace(field, '''''', '''');
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I.%I USING gin ((_jsonb -> %L))', left(rel, 40) || '_eq_' || left(md5(field), 12), nsp, rel, field);
  END LOOP;
END
$fn$;

CREATE OR REPLACE FUNCTION public.stock_equality_twins_on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $fn$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE object_type = 'index' LOOP
    PERFORM public.stock_equality_twins(r.objid);
  END LOOP;
END
$fn$;

DO $do$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = '${TWIN_TRIGGER}') THEN
    CREATE EVENT TRIGGER ${TWIN_TRIGGER} ON ddl_command_end WHEN TAG IN ('CREATE INDEX') EXECUTE FUNCTION public.stock_equality_twins_on_ddl();
  END IF;
END
$do$;

DO $do$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT i.indexrelid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema' LOOP
    PERFORM public.stock_equality_twins(r.indexrelid);
  END LOOP;
END
$do$;
`;
