-- The entities as data (issue 24, docs/design.md "Target layout"): the views
-- over all entities read plutora_sync.entities instead of naming every entity
-- and table, so adding an entity adds a row, never a view. The rows are not
-- written here: the worker upserts them from its entity list right after
-- migrating, under the migration lock (load.RegisterEntities), from each
-- entity's declaration (schema/synctype).
--
-- reporting.freshness and reporting.freshness_lag are re-created over it one
-- last time, with the same columns and meaning: freshness is 00077's with its
-- two lists (entities, and the per-table counts) read from the table;
-- freshness_lag is 00050's, a row per incremental entity with changes in the
-- last hour.
--
-- The per-table counts and lags are queries on tables named by rows, run by
-- the built-in query_to_xml on format('... FROM %I.%I') and read back with
-- xpath. Not a function of our own: a view's functions are executed with the
-- privileges of whoever selects the view, so BI readers would need EXECUTE on
-- it, and the project grants them only USAGE on plutora and reporting and
-- SELECT on their tables and views (docs/operations.md), with no function
-- executable by PUBLIC. query_to_xml runs its query as the reader, who may
-- select plutora's tables; a table the reader may not select gives NULL counts
-- instead of an error.

-- +goose Up
CREATE TABLE plutora_sync.entities (
    entity          text PRIMARY KEY,
    product         text NOT NULL,
    table_schema    text NOT NULL,
    table_name      text NOT NULL,
    history_table   text NOT NULL,
    key_column      text,
    modified_column text,
    incremental     boolean GENERATED ALWAYS AS (modified_column IS NOT NULL) STORED
);
COMMENT ON TABLE plutora_sync.entities IS
    'The entities the worker syncs, one row each, written by the worker from its entity list after migrating; the views over all entities (reporting.freshness) read it.';
COMMENT ON COLUMN plutora_sync.entities.entity IS 'The entity (changes, releases, …), as in the ledger.';
COMMENT ON COLUMN plutora_sync.entities.product IS 'The API that serves it: plutora or plutoratest.';
COMMENT ON COLUMN plutora_sync.entities.table_schema IS 'The schema of its table.';
COMMENT ON COLUMN plutora_sync.entities.table_name IS 'Its table, in table_schema: one row per record.';
COMMENT ON COLUMN plutora_sync.entities.history_table IS 'Its history table, in table_schema: the versions replaced.';
COMMENT ON COLUMN plutora_sync.entities.key_column IS 'The column other tables and views name a record of it by (change_id).';
COMMENT ON COLUMN plutora_sync.entities.modified_column IS 'The column of Plutora''s last-modified time, which incremental runs filter on; NULL when the API has none.';
COMMENT ON COLUMN plutora_sync.entities.incremental IS 'Whether it is read incrementally (it has a modified column); the others are swept whole.';

-- +goose StatementBegin
CREATE OR REPLACE VIEW reporting.freshness_lag AS
WITH readable AS (
    -- the incremental entities whose table the reader may select (as in
    -- reporting.freshness: query_to_xml runs its query as the reader)
    SELECT en.entity, en.table_schema, en.table_name, en.modified_column
    FROM plutora_sync.entities en
    JOIN pg_namespace n ON n.nspname = en.table_schema
    JOIN pg_class t ON t.relnamespace = n.oid AND t.relname = en.table_name
    WHERE en.incremental AND has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(t.oid, 'SELECT')
), measured AS (
    -- a record changed twice in the hour counts with its last change
    SELECT entity, query_to_xml(format($q$
        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY lag) AS p50,
               percentile_cont(0.95) WITHIN GROUP (ORDER BY lag) AS p95,
               max(lag) AS max, count(*) AS n
        FROM (SELECT GREATEST(_last_changed_at - %3$I, interval '0') AS lag FROM %1$I.%2$I
              WHERE %3$I >= now() - interval '1 hour' AND _deleted_at IS NULL) landed$q$,
        table_schema, table_name, modified_column), false, true, '') AS doc
    FROM readable
), lags AS (
    SELECT entity,
           (xpath('/row/p50/text()', doc))[1]::text::interval AS lag_p50,
           (xpath('/row/p95/text()', doc))[1]::text::interval AS lag_p95,
           (xpath('/row/max/text()', doc))[1]::text::interval AS lag_max,
           (xpath('/row/n/text()', doc))[1]::text::bigint AS changed_last_hour
    FROM measured
)
SELECT entity, lag_p50, lag_p95, lag_max, changed_last_hour FROM lags WHERE changed_last_hour > 0;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE VIEW reporting.freshness AS
WITH entities AS (
    SELECT entity, product FROM plutora_sync.entities
), readable AS (
    -- the entities whose table the reader may select: query_to_xml runs its
    -- query as the reader, so the others get no counts rather than an error
    SELECT en.entity, en.table_schema, en.table_name
    FROM plutora_sync.entities en
    JOIN pg_namespace n ON n.nspname = en.table_schema
    JOIN pg_class t ON t.relnamespace = n.oid AND t.relname = en.table_name
    WHERE has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(t.oid, 'SELECT')
), counted AS (
    SELECT entity, query_to_xml(format(
        'SELECT count(*) FILTER (WHERE _deleted_at IS NULL) AS live, count(_deleted_at) AS deleted FROM %I.%I',
        table_schema, table_name), false, true, '') AS doc
    FROM readable
), counts AS (
    SELECT entity, (xpath('/row/live/text()', doc))[1]::text::bigint AS live,
           (xpath('/row/deleted/text()', doc))[1]::text::bigint AS deleted
    FROM counted
), runs AS (
    -- explicit columns: a view on e.* would hold every later column of run_entities
    SELECT e.run_id, e.entity, e.mode, e.total_first, e.total_last, e.inserted, e.updated, e.unchanged, e.quarantined,
           e.complete, e.error, e.pending_deletions, e.deletion_note, r.status, r.started_at, r.finished_at
    FROM plutora_sync.run_entities e JOIN plutora_sync.runs r ON r.id = e.run_id
), last_success AS (
    SELECT entity, max(finished_at) AS at FROM runs WHERE status IN ('success', 'warning') GROUP BY entity
), last_census AS (
    SELECT entity, max(finished_at) AS at FROM runs WHERE status IN ('success', 'warning') AND mode = 'census' AND complete GROUP BY entity
), last_run AS (
    SELECT DISTINCT ON (entity) * FROM runs ORDER BY entity, run_id DESC
), quarantined AS (
    SELECT entity, count(*) AS n FROM plutora_sync.quarantine WHERE resolved_at IS NULL GROUP BY entity
), census AS (
    -- the last census that got to deciding on deletions
    SELECT DISTINCT ON (entity) entity, finished_at, pending_deletions, deletion_note
    FROM runs WHERE mode = 'census' AND status IN ('success', 'warning') ORDER BY entity, run_id DESC
), recent AS (
    -- the last 21 scheduled (not census) runs, for the interval between them
    SELECT entity, started_at - lag(started_at) OVER (PARTITION BY entity ORDER BY run_id) AS gap
    FROM (SELECT entity, run_id, started_at, row_number() OVER (PARTITION BY entity ORDER BY run_id DESC) AS k
          FROM runs WHERE mode <> 'census') x
    WHERE k <= 21
), expected AS (
    SELECT entity, percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS every FROM recent WHERE gap IS NOT NULL GROUP BY entity
), reasons AS (
    SELECT entity, string_agg(reason || ' (' || n || ')', '; ' ORDER BY n DESC, reason) AS reasons
    FROM (SELECT entity, reason, count(*) AS n, row_number() OVER (PARTITION BY entity ORDER BY count(*) DESC, reason) AS k
          FROM plutora_sync.quarantine WHERE resolved_at IS NULL GROUP BY entity, reason) x
    WHERE k <= 5 GROUP BY entity
)
SELECT en.entity, en.product,
       s.at AS last_success_at, now() - s.at AS age,
       c.live AS rows, c.deleted AS deleted_rows, COALESCE(q.n, 0) AS quarantined,
       lr.run_id AS last_run_id, lr.mode AS last_run_mode, lr.status AS last_run_status,
       lr.started_at AS last_run_started_at, lr.finished_at AS last_run_finished_at,
       lr.total_first AS last_run_total_first, lr.total_last AS last_run_total_last,
       lr.inserted + lr.updated + lr.unchanged + lr.quarantined AS last_run_records,
       COALESCE(lr.complete, lr.inserted + lr.updated + lr.unchanged + lr.quarantined >= lr.total_last) AS last_run_complete,
       lr.error AS last_run_error,
       lc.at AS last_complete_census_at,
       ex.every AS expected_interval,
       -- stale: never synced, or the last success is older than two intervals
       -- (as the PlutoraSyncEntityStale alert); with no interval known yet, not stale
       CASE WHEN s.at IS NULL THEN true WHEN ex.every IS NULL THEN false ELSE now() - s.at > 2 * ex.every END AS is_stale,
       ce.finished_at AS last_census_at,
       COALESCE(ce.pending_deletions, 0) AS pending_deletions,
       CASE WHEN ce.pending_deletions > 0 THEN ce.deletion_note END AS pending_deletions_reason,
       rs.reasons AS quarantine_reasons,
       lg.lag_p50, lg.lag_p95, lg.lag_max, COALESCE(lg.changed_last_hour, 0) AS changed_last_hour
FROM entities en
LEFT JOIN counts c ON c.entity = en.entity
LEFT JOIN last_success s ON s.entity = en.entity
LEFT JOIN last_census lc ON lc.entity = en.entity
LEFT JOIN last_run lr ON lr.entity = en.entity
LEFT JOIN quarantined q ON q.entity = en.entity
LEFT JOIN census ce ON ce.entity = en.entity
LEFT JOIN expected ex ON ex.entity = en.entity
LEFT JOIN reasons rs ON rs.entity = en.entity
LEFT JOIN reporting.freshness_lag lg ON lg.entity = en.entity;

-- +goose StatementEnd

-- +goose Down
-- 00050's freshness_lag and 00077's freshness, as they were.
CREATE OR REPLACE VIEW reporting.freshness_lag AS
WITH landed (entity, lag) AS (
    SELECT 'changes', _last_changed_at - last_modified_date FROM plutora.changes
    WHERE last_modified_date >= now() - interval '1 hour' AND _deleted_at IS NULL
    UNION ALL
    SELECT 'releases', _last_changed_at - last_modified_date FROM plutora.releases
    WHERE last_modified_date >= now() - interval '1 hour' AND _deleted_at IS NULL
    UNION ALL
    SELECT 'defects', _last_changed_at - last_modified_date FROM plutora.defects
    WHERE last_modified_date >= now() - interval '1 hour' AND _deleted_at IS NULL
)
SELECT entity,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY GREATEST(lag, interval '0')) AS lag_p50,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY GREATEST(lag, interval '0')) AS lag_p95,
       max(GREATEST(lag, interval '0')) AS lag_max,
       count(*) AS changed_last_hour
FROM landed GROUP BY entity;

CREATE OR REPLACE VIEW reporting.freshness AS
WITH entities (entity, product) AS (
    VALUES ('changes', 'plutora'), ('releases', 'plutora'), ('environments', 'plutora'),
           ('hosts', 'plutora'), ('systems', 'plutora'), ('defects', 'plutoratest'),
           ('organizations', 'plutora'), ('users', 'plutora'), ('lookup_values', 'plutora'),
           ('environment_groups', 'plutora')
), counts AS (
    SELECT 'changes' AS entity, count(*) FILTER (WHERE _deleted_at IS NULL) AS live, count(_deleted_at) AS deleted FROM plutora.changes
    UNION ALL SELECT 'releases', count(*) FILTER (WHERE _deleted_at IS NULL), count(_deleted_at) FROM plutora.releases
    UNION ALL SELECT 'environments', count(*) FILTER (WHERE _deleted_at IS NULL), count(_deleted_at) FROM plutora.environments
    UNION ALL SELECT 'hosts', count(*) FILTER (WHERE _deleted_at IS NULL), count(_deleted_at) FROM plutora.hosts
    UNION ALL SELECT 'systems', count(*) FILTER (WHERE _deleted_at IS NULL), count(_deleted_at) FROM plutora.systems
    UNION ALL SELECT 'defects', count(*) FILTER (WHERE _deleted_at IS NULL), count(_deleted_at) FROM plutora.defects
    UNION ALL SELECT 'organizations', count(*) FILTER (WHERE _deleted_at IS NULL), count(_deleted_at) FROM plutora.organizations
    UNION ALL SELECT 'users', count(*) FILTER (WHERE _deleted_at IS NULL), count(_deleted_at) FROM plutora.users
    UNION ALL SELECT 'lookup_values', count(*) FILTER (WHERE _deleted_at IS NULL), count(_deleted_at) FROM plutora.lookup_values
    UNION ALL SELECT 'environment_groups', count(*) FILTER (WHERE _deleted_at IS NULL), count(_deleted_at) FROM plutora.environment_groups
), runs AS (
    -- explicit columns: a view on e.* would hold every later column of run_entities
    SELECT e.run_id, e.entity, e.mode, e.total_first, e.total_last, e.inserted, e.updated, e.unchanged, e.quarantined,
           e.complete, e.error, e.pending_deletions, e.deletion_note, r.status, r.started_at, r.finished_at
    FROM plutora_sync.run_entities e JOIN plutora_sync.runs r ON r.id = e.run_id
), last_success AS (
    SELECT entity, max(finished_at) AS at FROM runs WHERE status IN ('success', 'warning') GROUP BY entity
), last_census AS (
    SELECT entity, max(finished_at) AS at FROM runs WHERE status IN ('success', 'warning') AND mode = 'census' AND complete GROUP BY entity
), last_run AS (
    SELECT DISTINCT ON (entity) * FROM runs ORDER BY entity, run_id DESC
), quarantined AS (
    SELECT entity, count(*) AS n FROM plutora_sync.quarantine WHERE resolved_at IS NULL GROUP BY entity
), census AS (
    -- the last census that got to deciding on deletions
    SELECT DISTINCT ON (entity) entity, finished_at, pending_deletions, deletion_note
    FROM runs WHERE mode = 'census' AND status IN ('success', 'warning') ORDER BY entity, run_id DESC
), recent AS (
    -- the last 21 scheduled (not census) runs, for the interval between them
    SELECT entity, started_at - lag(started_at) OVER (PARTITION BY entity ORDER BY run_id) AS gap
    FROM (SELECT entity, run_id, started_at, row_number() OVER (PARTITION BY entity ORDER BY run_id DESC) AS k
          FROM runs WHERE mode <> 'census') x
    WHERE k <= 21
), expected AS (
    SELECT entity, percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS every FROM recent WHERE gap IS NOT NULL GROUP BY entity
), reasons AS (
    SELECT entity, string_agg(reason || ' (' || n || ')', '; ' ORDER BY n DESC, reason) AS reasons
    FROM (SELECT entity, reason, count(*) AS n, row_number() OVER (PARTITION BY entity ORDER BY count(*) DESC, reason) AS k
          FROM plutora_sync.quarantine WHERE resolved_at IS NULL GROUP BY entity, reason) x
    WHERE k <= 5 GROUP BY entity
)
SELECT en.entity, en.product,
       s.at AS last_success_at, now() - s.at AS age,
       c.live AS rows, c.deleted AS deleted_rows, COALESCE(q.n, 0) AS quarantined,
       lr.run_id AS last_run_id, lr.mode AS last_run_mode, lr.status AS last_run_status,
       lr.started_at AS last_run_started_at, lr.finished_at AS last_run_finished_at,
       lr.total_first AS last_run_total_first, lr.total_last AS last_run_total_last,
       lr.inserted + lr.updated + lr.unchanged + lr.quarantined AS last_run_records,
       COALESCE(lr.complete, lr.inserted + lr.updated + lr.unchanged + lr.quarantined >= lr.total_last) AS last_run_complete,
       lr.error AS last_run_error,
       lc.at AS last_complete_census_at,
       ex.every AS expected_interval,
       -- stale: never synced, or the last success is older than two intervals
       -- (as the PlutoraSyncEntityStale alert); with no interval known yet, not stale
       CASE WHEN s.at IS NULL THEN true WHEN ex.every IS NULL THEN false ELSE now() - s.at > 2 * ex.every END AS is_stale,
       ce.finished_at AS last_census_at,
       COALESCE(ce.pending_deletions, 0) AS pending_deletions,
       CASE WHEN ce.pending_deletions > 0 THEN ce.deletion_note END AS pending_deletions_reason,
       rs.reasons AS quarantine_reasons,
       lg.lag_p50, lg.lag_p95, lg.lag_max, COALESCE(lg.changed_last_hour, 0) AS changed_last_hour
FROM entities en
LEFT JOIN counts c ON c.entity = en.entity
LEFT JOIN last_success s ON s.entity = en.entity
LEFT JOIN last_census lc ON lc.entity = en.entity
LEFT JOIN last_run lr ON lr.entity = en.entity
LEFT JOIN quarantined q ON q.entity = en.entity
LEFT JOIN census ce ON ce.entity = en.entity
LEFT JOIN expected ex ON ex.entity = en.entity
LEFT JOIN reasons rs ON rs.entity = en.entity
LEFT JOIN reporting.freshness_lag lg ON lg.entity = en.entity;

DROP TABLE plutora_sync.entities;
