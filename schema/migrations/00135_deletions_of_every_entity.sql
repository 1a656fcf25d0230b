-- Every entity in the deletions feed and ready for incremental copies, with
-- no SQL per entity (issues 24 point 2 and 29 point 5; docs/warehouse.md,
-- "Copying on incrementally"). reporting.deletions (00103) named ten tables
-- in a UNION ALL, and only their views had the indexes and the comment of a
-- view meant for incremental copies: bookings, TECRs and TEBRs (00120,
-- 00121) were left out, and each new entity would have pasted the view again.
--
-- plutora_sync.keep_entity_views() makes what depends on the entity list
-- from plutora_sync.entities (the worker's declarations, written after
-- migrating by load.RegisterEntities, which calls it):
--   - for each entity table, the two indexes a copy reads through:
--     _last_changed_at of live rows, and _deleted_at. The latter now holds
--     every row, not only the deleted ones as in 00103: NULLs deduplicate,
--     so it stays small, and reporting.freshness's count of live and
--     deleted rows reads it alone instead of the whole table, an index-only
--     scan (docs/performance.md, "Counting for reporting.freshness");
--   - reporting.deletions, a UNION ALL over the entity tables, replaced only
--     when its text changes (plutora_sync.generated_views keeps the last), so
--     a restart takes no lock on it; its name column is the table's name,
--     user_name, value or title, the first it has;
--   - the comment of each entity view that has changed_in_warehouse_at: it is
--     meant for incremental copies.
-- An index is made only when missing (to_regclass first: CREATE INDEX IF NOT
-- EXISTS would wait for the table's lock even when it exists).

-- +goose Up
CREATE TABLE plutora_sync.generated_views (
    view_name  text PRIMARY KEY,
    definition text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE plutora_sync.generated_views IS
    'The views made from plutora_sync.entities by plutora_sync.keep_entity_views(), with the text each was last made from.';
COMMENT ON COLUMN plutora_sync.generated_views.view_name IS 'The view, in reporting.';
COMMENT ON COLUMN plutora_sync.generated_views.definition IS 'The SELECT it was last made from.';
COMMENT ON COLUMN plutora_sync.generated_views.updated_at IS 'When it was last made.';

-- +goose StatementBegin
CREATE FUNCTION plutora_sync.keep_entity_views() RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    e record;
    label text;
    parts text[] := '{}';
    def text;
    incremental constant text := 'Incremental: WHERE changed_in_warehouse_at > your last copy (indexed); deletions in reporting.deletions.';
BEGIN
    FOR e IN
        SELECT en.entity, en.table_schema, en.table_name, t.oid AS rel
        FROM plutora_sync.entities en
        JOIN pg_class t ON t.relname = en.table_name AND t.relnamespace = to_regnamespace(en.table_schema) AND t.relkind = 'r'
        WHERE EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = t.oid AND a.attname = '_deleted_at' AND NOT a.attisdropped)
        ORDER BY en.entity
    LOOP
        IF to_regclass(format('%I.%I', e.table_schema, e.table_name || '_last_changed_at_live')) IS NULL THEN
            EXECUTE format('CREATE INDEX %I ON %I.%I (_last_changed_at) WHERE _deleted_at IS NULL',
                e.table_name || '_last_changed_at_live', e.table_schema, e.table_name);
        END IF;
        IF to_regclass(format('%I.%I', e.table_schema, e.table_name || '_deleted_at')) IS NULL THEN
            EXECUTE format('CREATE INDEX %I ON %I.%I (_deleted_at)',
                e.table_name || '_deleted_at', e.table_schema, e.table_name);
        END IF;
        SELECT l.col INTO label
        FROM unnest(ARRAY['name', 'user_name', 'value', 'title']) WITH ORDINALITY AS l(col, n)
        JOIN pg_attribute a ON a.attrelid = e.rel AND a.attname = l.col AND NOT a.attisdropped
        ORDER BY l.n LIMIT 1;
        parts := parts || format('SELECT %L::text AS entity, id AS record_id, %s::text AS name, _deleted_at AS deleted_at FROM %I.%I WHERE _deleted_at IS NOT NULL',
            e.entity, COALESCE(quote_ident(label), 'NULL'), e.table_schema, e.table_name);
        IF EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = to_regclass(format('reporting.%I', e.entity))
                   AND a.attname = 'changed_in_warehouse_at' AND NOT a.attisdropped)
           AND COALESCE(obj_description(format('reporting.%I', e.entity)::regclass, 'pg_class'), '') NOT LIKE '%Incremental:%' THEN
            EXECUTE format('COMMENT ON VIEW reporting.%I IS %L', e.entity,
                concat_ws(' ', obj_description(format('reporting.%I', e.entity)::regclass, 'pg_class'), incremental));
            EXECUTE format('COMMENT ON COLUMN reporting.%I.changed_in_warehouse_at IS %L', e.entity,
                'When the record''s content last changed in the warehouse (indexed): a copy reads the rows written since its last.');
        END IF;
    END LOOP;
    def := CASE WHEN cardinality(parts) = 0  -- before the worker first registered its entities
        THEN 'SELECT NULL::text AS entity, NULL::uuid AS record_id, NULL::text AS name, NULL::timestamptz AS deleted_at WHERE false'
        ELSE array_to_string(parts, E'\nUNION ALL\n') END;
    IF def IS DISTINCT FROM (SELECT g.definition FROM plutora_sync.generated_views g WHERE g.view_name = 'deletions') THEN
        EXECUTE 'CREATE OR REPLACE VIEW reporting.deletions AS ' || def;
        INSERT INTO plutora_sync.generated_views AS g (view_name, definition) VALUES ('deletions', def)
        ON CONFLICT (view_name) DO UPDATE SET definition = EXCLUDED.definition, updated_at = now();
    END IF;
END
$fn$;
-- +goose StatementEnd
COMMENT ON FUNCTION plutora_sync.keep_entity_views() IS
    'Makes what depends on the entity list from plutora_sync.entities: each entity table''s indexes for incremental copies, reporting.deletions, and the comment of each entity view meant for copies. The worker calls it after registering its entities (load.RegisterEntities).';
COMMENT ON COLUMN reporting.deletions.entity IS 'The entity (plutora_sync.entities.entity): changes, releases, bookings, …';
COMMENT ON COLUMN reporting.deletions.name IS 'The record''s name when it was deleted (users: username; lookup values: value; TECRs and TEBRs: title; bookings: NULL).';
-- 00103's partial _deleted_at indexes make way for whole ones.
-- +goose StatementBegin
DO $$
DECLARE
    i regclass;
BEGIN
    FOR i IN SELECT x.indexrelid::regclass FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
             WHERE c.relnamespace = 'plutora'::regnamespace AND c.relname LIKE '%\_deleted\_at' AND x.indpred IS NOT NULL
    LOOP
        EXECUTE format('DROP INDEX %s', i);
    END LOOP;
END
$$;
-- +goose StatementEnd
SELECT plutora_sync.keep_entity_views();

-- +goose Down
-- reporting.deletions as 00103 made it: the tables of later entities must
-- be free of it before their migrations' Down drops them.
CREATE OR REPLACE VIEW reporting.deletions AS
SELECT 'changes'::text AS entity, id AS record_id, name, _deleted_at AS deleted_at
FROM plutora.changes WHERE _deleted_at IS NOT NULL
UNION ALL
SELECT 'releases', id, name, _deleted_at FROM plutora.releases WHERE _deleted_at IS NOT NULL
UNION ALL
SELECT 'defects', id, name, _deleted_at FROM plutora.defects WHERE _deleted_at IS NOT NULL
UNION ALL
SELECT 'environments', id, name, _deleted_at FROM plutora.environments WHERE _deleted_at IS NOT NULL
UNION ALL
SELECT 'hosts', id, name, _deleted_at FROM plutora.hosts WHERE _deleted_at IS NOT NULL
UNION ALL
SELECT 'systems', id, name, _deleted_at FROM plutora.systems WHERE _deleted_at IS NOT NULL
UNION ALL
SELECT 'organizations', id, name, _deleted_at FROM plutora.organizations WHERE _deleted_at IS NOT NULL
UNION ALL
SELECT 'users', id, user_name, _deleted_at FROM plutora.users WHERE _deleted_at IS NOT NULL
UNION ALL
SELECT 'lookup_values', id, value, _deleted_at FROM plutora.lookup_values WHERE _deleted_at IS NOT NULL
UNION ALL
SELECT 'environment_groups', id, name, _deleted_at FROM plutora.environment_groups WHERE _deleted_at IS NOT NULL;
COMMENT ON COLUMN reporting.deletions.entity IS 'The entity: changes, releases, defects, environments, hosts, systems, organizations, users, lookup_values or environment_groups.';
COMMENT ON COLUMN reporting.deletions.name IS 'The record''s name when it was deleted (users: username; lookup values: value).';
DROP FUNCTION plutora_sync.keep_entity_views();
DROP TABLE plutora_sync.generated_views;
-- +goose StatementBegin
DO $$
DECLARE
    i regclass;
    t text;
BEGIN
    FOR i IN SELECT x.indexrelid::regclass FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
             WHERE c.relnamespace = 'plutora'::regnamespace AND c.relname LIKE '%\_deleted\_at' AND x.indpred IS NULL
    LOOP
        EXECUTE format('DROP INDEX %s', i);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['changes', 'releases', 'defects', 'environments', 'hosts', 'systems', 'organizations', 'users', 'lookup_values', 'environment_groups'] LOOP
        EXECUTE format('CREATE INDEX %I ON plutora.%I (_deleted_at) WHERE _deleted_at IS NOT NULL', t || '_deleted_at', t);
    END LOOP;
END
$$;
-- +goose StatementEnd
