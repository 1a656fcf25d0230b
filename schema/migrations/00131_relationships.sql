-- What the API does not guarantee, declared for tools (issue 29 point 2,
-- docs/warehouse.md "Keys and relationships"): reporting.relationships lists
-- every join from a reporting view's column to an entity view's key. Views
-- cannot hold foreign keys, and the API does not promise that a change's
-- raised_by_id is a user the warehouse holds, so these are a catalog, not
-- constraints. It is read from the catalog and the declarations, never
-- written per entity:
--   - a column named after an entity's key (organization_id) in any other
--     view names a record of that entity;
--   - plutora_sync.entity_refs, written by the worker from the declarations'
--     Refs after migrating (as plutora_sync.entities), names the others
--     (raised_by_id names a user) in every view that carries the entity's key.

-- +goose Up
CREATE TABLE plutora_sync.entity_refs (
    entity      text NOT NULL REFERENCES plutora_sync.entities (entity) ON DELETE CASCADE,
    column_name text NOT NULL,
    ref_entity  text NOT NULL,
    PRIMARY KEY (entity, column_name)
);
COMMENT ON TABLE plutora_sync.entity_refs IS
    'The reporting columns of an entity''s views that name a record of another entity other than by its key (raised_by_id names a user), written by the worker from its declarations after migrating; reporting.relationships reads it.';
COMMENT ON COLUMN plutora_sync.entity_refs.entity IS 'The entity whose views (those carrying its key) hold the column.';
COMMENT ON COLUMN plutora_sync.entity_refs.column_name IS 'The column, as the reporting views name it.';
COMMENT ON COLUMN plutora_sync.entity_refs.ref_entity IS 'The entity it names a record of, by that entity''s key.';

CREATE VIEW reporting.relationships AS
WITH cols AS (
    SELECT c.relname::text AS view_name, a.attname::text AS column_name
    FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE c.relnamespace = 'reporting'::regnamespace AND c.relkind IN ('v', 'm')
), targets AS (
    -- the entities whose view carries their key
    SELECT en.entity, en.key_column FROM plutora_sync.entities en
    WHERE EXISTS (SELECT 1 FROM cols WHERE view_name = en.entity AND column_name = en.key_column)
), by_name AS (
    SELECT f.view_name, f.column_name, t.entity, t.key_column
    FROM cols f JOIN targets t ON t.key_column = f.column_name AND t.entity <> f.view_name
), declared AS (
    SELECT f.view_name, f.column_name, t.entity, t.key_column
    FROM plutora_sync.entity_refs r
    JOIN plutora_sync.entities en ON en.entity = r.entity
    JOIN cols f ON f.column_name = r.column_name
        AND EXISTS (SELECT 1 FROM cols k WHERE k.view_name = f.view_name AND k.column_name = en.key_column)
    JOIN targets t ON t.entity = r.ref_entity
)
SELECT view_name AS from_view, column_name AS from_column, entity AS to_view, key_column AS to_column,
       'many-to-one'::text AS cardinality
FROM (SELECT * FROM by_name UNION SELECT * FROM declared) r;
COMMENT ON VIEW reporting.relationships IS
    'Every join from a reporting view''s column to an entity view''s key (docs/warehouse.md, "Keys and relationships"): what views cannot declare as foreign keys. A from_column value may name a record the entity view leaves out (deleted) or the warehouse never held.';
COMMENT ON COLUMN reporting.relationships.from_view IS 'The view (in reporting) whose column names a record.';
COMMENT ON COLUMN reporting.relationships.from_column IS 'The column of from_view, a uuid or NULL.';
COMMENT ON COLUMN reporting.relationships.to_view IS 'The entity view (in reporting) of the record named.';
COMMENT ON COLUMN reporting.relationships.to_column IS 'The key of to_view the column joins to, unique there.';
COMMENT ON COLUMN reporting.relationships.cardinality IS 'many-to-one: any number of from_view rows name one to_view row.';

-- +goose Down
DROP VIEW reporting.relationships;
DROP TABLE plutora_sync.entity_refs;
