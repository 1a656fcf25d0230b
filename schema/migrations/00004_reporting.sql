-- Child rows keep their position in the record's array; views for BI in
-- schema reporting.

-- +goose Up
ALTER TABLE plutora.change_systems ADD COLUMN ordinal integer;
ALTER TABLE plutora.change_delivery_releases ADD COLUMN ordinal integer;
ALTER TABLE plutora.change_stakeholders ADD COLUMN ordinal integer;
ALTER TABLE plutora.change_custom_fields ADD COLUMN ordinal integer;
ALTER TABLE plutora.release_custom_fields ADD COLUMN ordinal integer;
ALTER TABLE plutora.system_custom_fields ADD COLUMN ordinal integer;
ALTER TABLE plutora.host_layers ADD COLUMN ordinal integer;
ALTER TABLE plutora.defect_fields ADD COLUMN ordinal integer;

CREATE SCHEMA IF NOT EXISTS reporting;

-- Current (not deleted) records with their status and lookup names.
CREATE VIEW reporting.changes AS
SELECT id, change_id, name, change_status, change_status_id, change_priority, change_type,
       change_delivery_risk, change_theme, business_value_score, raised_by, raised_date,
       organization, expected_delivery_date, description_simple, last_modified_date,
       last_modified_by, _last_changed_at AS changed_in_warehouse_at
FROM plutora.changes WHERE _deleted_at IS NULL;

CREATE VIEW reporting.releases AS
SELECT id, identifier, name, release_status_type AS release_status, release_status_type_id AS release_status_id,
       release_type, release_risk_level, plutora_release_type, release_project_type,
       implementation_date, location, organization, manager_id, parent_release_id, display_color,
       last_modified_date, _last_changed_at AS changed_in_warehouse_at
FROM plutora.releases WHERE _deleted_at IS NULL;

-- Which changes each release delivers (a change's deliveryReleases).
CREATE VIEW reporting.release_changes AS
SELECT d.release_id, r.identifier AS release_identifier, r.name AS release_name,
       r.release_status_type AS release_status, r.implementation_date,
       c.id AS change_id, c.change_id AS change_number, c.name AS change_name, c.change_status,
       d.target_release, d.actual_delivery_release
FROM plutora.change_delivery_releases d
JOIN plutora.changes c ON c.id = d.change_id AND c._deleted_at IS NULL
LEFT JOIN plutora.releases r ON r.id = d.release_id AND r._deleted_at IS NULL;

-- The stack of every host: environment, host, stack layer, component, version.
CREATE VIEW reporting.host_stack AS
SELECT h.environment_id, e.name AS environment, h.id AS host_id, h.name AS host,
       l.stack_layer_id, l.stack_layer, l.stack_layer_type, l.component_name AS component, l.version
FROM plutora.hosts h
LEFT JOIN plutora.host_layers l ON l.host_id = h.id
LEFT JOIN plutora.environments e ON e.id = h.environment_id AND e._deleted_at IS NULL
WHERE h._deleted_at IS NULL;

CREATE VIEW reporting.defects AS
SELECT id, display_id, name, status, priority, severity, assigned_to, assigned_to_email,
       created_date, last_modified_date, _last_changed_at AS changed_in_warehouse_at
FROM plutora.defects WHERE _deleted_at IS NULL;

-- Every version of every record: history plus the current row. valid_to is
-- NULL for the current version of a live record.
CREATE VIEW reporting.change_versions AS
SELECT id, valid_from, valid_to, raw, _run_id AS run_id, false AS is_current FROM plutora.changes_history
UNION ALL
SELECT id, COALESCE(last_modified_date, _last_changed_at), _deleted_at, raw, _run_id, true FROM plutora.changes;

CREATE VIEW reporting.release_versions AS
SELECT id, valid_from, valid_to, raw, _run_id AS run_id, false AS is_current FROM plutora.releases_history
UNION ALL
SELECT id, COALESCE(last_modified_date, _last_changed_at), _deleted_at, raw, _run_id, true FROM plutora.releases;

-- Status over time: one row per period in which the status stayed the same.
CREATE VIEW reporting.change_status_history AS
WITH v AS (
    SELECT id, raw->>'changeStatus' AS status, valid_from, valid_to,
           lag(raw->>'changeStatus') OVER (PARTITION BY id ORDER BY valid_from, is_current) AS prev
    FROM reporting.change_versions
), g AS (
    SELECT *, count(*) FILTER (WHERE prev IS DISTINCT FROM status)
              OVER (PARTITION BY id ORDER BY valid_from ROWS UNBOUNDED PRECEDING) AS period
    FROM v
)
SELECT id AS change_id, status AS change_status, min(valid_from) AS valid_from,
       CASE WHEN bool_or(valid_to IS NULL) THEN NULL ELSE max(valid_to) END AS valid_to
FROM g GROUP BY id, period, status;

CREATE VIEW reporting.release_status_history AS
WITH v AS (
    SELECT id, raw->>'releaseStatusType' AS status, valid_from, valid_to,
           lag(raw->>'releaseStatusType') OVER (PARTITION BY id ORDER BY valid_from, is_current) AS prev
    FROM reporting.release_versions
), g AS (
    SELECT *, count(*) FILTER (WHERE prev IS DISTINCT FROM status)
              OVER (PARTITION BY id ORDER BY valid_from ROWS UNBOUNDED PRECEDING) AS period
    FROM v
)
SELECT id AS release_id, status AS release_status, min(valid_from) AS valid_from,
       CASE WHEN bool_or(valid_to IS NULL) THEN NULL ELSE max(valid_to) END AS valid_to
FROM g GROUP BY id, period, status;

-- Freshness per entity: last successful sync and its age, rows, deleted rows,
-- open quarantined records, and how the last run ended and whether it was
-- complete (a census: totalCount steady and all ids seen; other modes: as many
-- records written as totalCount said).
CREATE VIEW reporting.freshness AS
WITH entities (entity, product) AS (
    VALUES ('changes', 'plutora'), ('releases', 'plutora'), ('environments', 'plutora'),
           ('hosts', 'plutora'), ('systems', 'plutora'), ('defects', 'plutoratest')
), counts AS (
    SELECT 'changes' AS entity, count(*) FILTER (WHERE _deleted_at IS NULL) AS live, count(_deleted_at) AS deleted FROM plutora.changes
    UNION ALL SELECT 'releases', count(*) FILTER (WHERE _deleted_at IS NULL), count(_deleted_at) FROM plutora.releases
    UNION ALL SELECT 'environments', count(*) FILTER (WHERE _deleted_at IS NULL), count(_deleted_at) FROM plutora.environments
    UNION ALL SELECT 'hosts', count(*) FILTER (WHERE _deleted_at IS NULL), count(_deleted_at) FROM plutora.hosts
    UNION ALL SELECT 'systems', count(*) FILTER (WHERE _deleted_at IS NULL), count(_deleted_at) FROM plutora.systems
    UNION ALL SELECT 'defects', count(*) FILTER (WHERE _deleted_at IS NULL), count(_deleted_at) FROM plutora.defects
), runs AS (
    SELECT e.*, r.status, r.started_at, r.finished_at
    FROM plutora_sync.run_entities e JOIN plutora_sync.runs r ON r.id = e.run_id
), last_success AS (
    SELECT entity, max(finished_at) AS at FROM runs WHERE status = 'success' GROUP BY entity
), last_census AS (
    SELECT entity, max(finished_at) AS at FROM runs WHERE status = 'success' AND mode = 'census' AND complete GROUP BY entity
), last_run AS (
    SELECT DISTINCT ON (entity) * FROM runs ORDER BY entity, run_id DESC
), quarantined AS (
    SELECT entity, count(*) AS n FROM plutora_sync.quarantine WHERE resolved_at IS NULL GROUP BY entity
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
       lc.at AS last_complete_census_at
FROM entities en
LEFT JOIN counts c ON c.entity = en.entity
LEFT JOIN last_success s ON s.entity = en.entity
LEFT JOIN last_census lc ON lc.entity = en.entity
LEFT JOIN last_run lr ON lr.entity = en.entity
LEFT JOIN quarantined q ON q.entity = en.entity;

-- +goose Down
DROP SCHEMA reporting CASCADE;
ALTER TABLE plutora.change_systems DROP COLUMN ordinal;
ALTER TABLE plutora.change_delivery_releases DROP COLUMN ordinal;
ALTER TABLE plutora.change_stakeholders DROP COLUMN ordinal;
ALTER TABLE plutora.change_custom_fields DROP COLUMN ordinal;
ALTER TABLE plutora.release_custom_fields DROP COLUMN ordinal;
ALTER TABLE plutora.system_custom_fields DROP COLUMN ordinal;
ALTER TABLE plutora.host_layers DROP COLUMN ordinal;
ALTER TABLE plutora.defect_fields DROP COLUMN ordinal;
