-- When a reporting view's deletions were last looked for (issue 29 point 3,
-- docs/warehouse.md "Deletions and the census"): the views leave out the
-- rows a census marked deleted, and only a census marks them, so a record
-- deleted in Plutora stays in a view until its entity's next census.
-- reporting.census says, for every view that reads an entity's _deleted_at
-- (directly, or through another reporting view), when that entity was last
-- censused completely. It is read from the catalog, as reporting.relationships
-- is, never written per view or per entity: a view's rule depends on each
-- column it reads (pg_depend, refobjsubid), so a view that leaves out deleted
-- rows depends on _deleted_at; the entities are plutora_sync.entities, which
-- the worker writes after migrating. A view added later is listed without a
-- migration, and no view body is pasted again.
--
-- The COMMENT of each view found so in the catalog now says where to look;
-- the loop finds them the same way (a view created by a later migration
-- says it in its own COMMENT).

-- +goose Up
-- The last complete census of an entity, found from the end of the
-- entity's runs without walking its polls.
CREATE INDEX run_entities_complete_census ON plutora_sync.run_entities (entity, run_id) WHERE mode = 'census' AND complete;

CREATE VIEW reporting.census AS
WITH RECURSIVE reads AS (
    -- every column each reporting view reads, through the views it reads
    SELECT v.oid AS view_oid, d.refobjid AS rel, d.refobjsubid AS col
    FROM pg_class v
    JOIN pg_rewrite w ON w.ev_class = v.oid
    JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = w.oid
        AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> v.oid
    WHERE v.relnamespace = 'reporting'::regnamespace AND v.relkind IN ('v', 'm')
    UNION
    SELECT r.view_oid, d.refobjid, d.refobjsubid
    FROM reads r
    JOIN pg_rewrite w ON w.ev_class = r.rel
    JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = w.oid
        AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> r.rel
), deleted_read AS (
    SELECT DISTINCT r.view_oid, n.nspname::text AS table_schema, t.relname::text AS table_name
    FROM reads r
    JOIN pg_attribute a ON a.attrelid = r.rel AND a.attnum = r.col AND a.attname = '_deleted_at'
    JOIN pg_class t ON t.oid = r.rel
    JOIN pg_namespace n ON n.oid = t.relnamespace
), last_census AS (
    SELECT en.entity, en.table_schema, en.table_name, c.started_at, c.finished_at, c.pending_deletions
    FROM plutora_sync.entities en
    LEFT JOIN LATERAL (
        SELECT r.started_at, r.finished_at, e.pending_deletions
        FROM plutora_sync.run_entities e JOIN plutora_sync.runs r ON r.id = e.run_id
        WHERE e.entity = en.entity AND e.mode = 'census' AND e.complete AND r.status IN ('success', 'warning')
        ORDER BY e.run_id DESC LIMIT 1
    ) c ON true
)
SELECT v.relname::text AS view_name, lc.entity,
       lc.finished_at AS last_census_at, lc.started_at AS last_census_started_at,
       now() - lc.finished_at AS census_age,
       round(extract(epoch FROM now() - lc.finished_at) / 3600, 4) AS census_age_hours,
       COALESCE(lc.pending_deletions, 0) AS pending_deletions
FROM deleted_read d
JOIN pg_class v ON v.oid = d.view_oid
JOIN last_census lc ON lc.table_schema = d.table_schema AND lc.table_name = d.table_name;
COMMENT ON VIEW reporting.census IS
    'When the deletions each reporting view leaves out were last looked for: a row per view and entity whose deleted rows it leaves out (reporting.changes: changes; reporting.release_changes: releases and changes). A record deleted in Plutora leaves the views at its entity''s next complete census: SELECT * FROM reporting.census WHERE view_name = ''changes''. Read from the catalog: a view added later is listed too.';
COMMENT ON COLUMN reporting.census.view_name IS 'The view, in reporting.';
COMMENT ON COLUMN reporting.census.entity IS 'An entity whose deleted records the view leaves out (or, for reporting.deletions, lists).';
COMMENT ON COLUMN reporting.census.last_census_at IS 'When the entity''s last complete census finished (as reporting.freshness.last_complete_census_at); NULL: never censused, so no deletion of it is marked yet.';
COMMENT ON COLUMN reporting.census.last_census_started_at IS 'When that census began: a record deleted in Plutora before then is out of the view, unless counted in pending_deletions.';
COMMENT ON COLUMN reporting.census.census_age IS 'now() less last_census_at: a record deleted within about this long (and the next census''s duration) may still be in the view.';
COMMENT ON COLUMN reporting.census.census_age_hours IS 'census_age in hours (numeric, to 4 decimals), for tools that cannot use an interval.';
COMMENT ON COLUMN reporting.census.pending_deletions IS 'Rows that census did not see but left in the view: over DELETE_MAX_SHARE, or not yet confirmed gone one by one (reporting.freshness.pending_deletions_reason says why).';

-- +goose StatementBegin
DO $$
DECLARE
    v text;
BEGIN
    FOR v IN
        WITH RECURSIVE reads AS (
            SELECT c.oid AS view_oid, d.refobjid AS rel, d.refobjsubid AS col
            FROM pg_class c
            JOIN pg_rewrite w ON w.ev_class = c.oid
            JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = w.oid
                AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> c.oid
            WHERE c.relnamespace = 'reporting'::regnamespace AND c.relkind IN ('v', 'm')
            UNION
            SELECT r.view_oid, d.refobjid, d.refobjsubid
            FROM reads r
            JOIN pg_rewrite w ON w.ev_class = r.rel
            JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = w.oid
                AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> r.rel
        )
        SELECT DISTINCT c.relname::text
        FROM reads r
        JOIN pg_attribute a ON a.attrelid = r.rel AND a.attnum = r.col AND a.attname = '_deleted_at'
        JOIN pg_class t ON t.oid = r.rel AND t.relnamespace = 'plutora'::regnamespace
        JOIN pg_class c ON c.oid = r.view_oid
        WHERE c.relname <> 'census'
    LOOP
        EXECUTE format('COMMENT ON VIEW reporting.%I IS %L', v, obj_description(('reporting.' || quote_ident(v))::regclass, 'pg_class') ||
            CASE WHEN v = 'deletions' THEN ' A deletion enters it at its entity''s next census: reporting.census (view_name = ''deletions'') says when that was.'
                 ELSE format(' A record deleted in Plutora leaves it at its entity''s next census: reporting.census (view_name = %L) says when that was.', v) END);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE
    v record;
BEGIN
    FOR v IN SELECT c.relname::text AS name, obj_description(c.oid, 'pg_class') AS comment
             FROM pg_class c WHERE c.relnamespace = 'reporting'::regnamespace AND c.relkind IN ('v', 'm')
               AND obj_description(c.oid, 'pg_class') LIKE '%at its entity''s next census: reporting.census (view_name = %'
    LOOP
        EXECUTE format('COMMENT ON VIEW reporting.%I IS %L', v.name,
            regexp_replace(v.comment, ' A (record deleted in Plutora leaves|deletion enters) it at its entity''s next census: reporting\.census \(view_name = ''[a-z_]+''\) says when that was\.$', ''));
    END LOOP;
END
$$;
-- +goose StatementEnd
DROP VIEW reporting.census;
DROP INDEX plutora_sync.run_entities_complete_census;
