-- A run that quarantines every record it read (and at least one) ends with
-- the outcome 'warning' (issue 23, point 8): it read all it should, so its
-- checkpoint starts the next run afresh, but nothing of it loaded, and
-- `status`, reporting.freshness (last_run_status) and the alert
-- PlutoraSyncAllQuarantined say so. For freshness a warning run counts as a
-- completed one (last_success_at, the census columns): the records that did
-- not load are in the open quarantine, which has its own columns and alert;
-- staleness stays about runs that do not complete.
--
-- reporting.freshness is 00050's with 'warning' beside 'success' in its three
-- run filters (merge note: a later change of freshness keeps them).

-- +goose Up
ALTER TABLE plutora_sync.runs DROP CONSTRAINT runs_status_check;
ALTER TABLE plutora_sync.runs ADD CONSTRAINT runs_status_check
    CHECK (status IN ('running', 'success', 'warning', 'failed', 'skipped', 'abandoned'));
COMMENT ON COLUMN plutora_sync.runs.status IS
    'running, success, warning (every record read was quarantined), failed, skipped or abandoned.';
COMMENT ON COLUMN plutora_sync.runs.error IS 'Why the run failed or was skipped; for a warning, what the warning is.';
COMMENT ON COLUMN plutora_sync.run_entities.error IS 'Why the run failed or was skipped; for a warning, what the warning is.';

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
COMMENT ON COLUMN reporting.freshness.last_success_at IS
    'When the last run that completed finished: a success, or a warning (every record it read was quarantined; last_run_status says so).';
COMMENT ON COLUMN reporting.freshness.last_run_status IS
    'How the last run ended: running, success, warning (every record it read was quarantined), failed, skipped or abandoned.';

-- +goose Down
UPDATE plutora_sync.runs SET status = 'success' WHERE status = 'warning';
ALTER TABLE plutora_sync.runs DROP CONSTRAINT runs_status_check;
ALTER TABLE plutora_sync.runs ADD CONSTRAINT runs_status_check
    CHECK (status IN ('running', 'success', 'failed', 'skipped', 'abandoned'));
COMMENT ON COLUMN plutora_sync.runs.status IS 'running, success, failed, skipped or abandoned.';
COMMENT ON COLUMN plutora_sync.runs.error IS 'Why the run failed.';
COMMENT ON COLUMN plutora_sync.run_entities.error IS 'Why the run failed.';
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
    SELECT entity, max(finished_at) AS at FROM runs WHERE status = 'success' GROUP BY entity
), last_census AS (
    SELECT entity, max(finished_at) AS at FROM runs WHERE status = 'success' AND mode = 'census' AND complete GROUP BY entity
), last_run AS (
    SELECT DISTINCT ON (entity) * FROM runs ORDER BY entity, run_id DESC
), quarantined AS (
    SELECT entity, count(*) AS n FROM plutora_sync.quarantine WHERE resolved_at IS NULL GROUP BY entity
), census AS (
    -- the last census that got to deciding on deletions
    SELECT DISTINCT ON (entity) entity, finished_at, pending_deletions, deletion_note
    FROM runs WHERE mode = 'census' AND status = 'success' ORDER BY entity, run_id DESC
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
COMMENT ON COLUMN reporting.freshness.last_success_at IS 'When the last successful run finished.';
COMMENT ON COLUMN reporting.freshness.last_run_status IS 'Its status.';
