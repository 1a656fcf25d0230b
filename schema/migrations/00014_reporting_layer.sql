-- The reporting layer (issue 16): a view for every part of the model, one
-- key convention (<entity>_id is the uuid; change_number,
-- release_identifier, defect_display_id are the business keys), status over
-- time from the periods kept at load (never from raw at query time), typed
-- versions, bridge views for the arrays, and deletion health in freshness.
-- Every view leaves out deleted rows and the child rows of deleted parents.
-- Lookup names come from the records themselves; joins to the reference data
-- (organizations, users, lookup values) go on the *_id columns each view
-- carries beside the name.

-- +goose Up
CREATE VIEW reporting.changes AS
SELECT id AS change_id, change_number, name, change_status, change_status_id,
       change_priority, change_priority_id, change_type, change_type_id,
       change_delivery_risk, change_delivery_risk_id, change_theme, change_theme_id,
       business_value_score, raised_by, raised_by_id, raised_date, organization, organization_id,
       expected_delivery_date, description_simple, last_modified_date, last_modified_by,
       _last_changed_at AS changed_in_warehouse_at
FROM plutora.changes WHERE _deleted_at IS NULL;

CREATE VIEW reporting.releases AS
SELECT id AS release_id, identifier AS release_identifier, name,
       release_status_type AS release_status, release_status_type_id AS release_status_id,
       release_type, release_type_id, release_risk_level, release_risk_level_id,
       plutora_release_type, release_project_type, implementation_date, location,
       organization, organization_id, manager_id, parent_release_id, display_color,
       last_modified_date, _last_changed_at AS changed_in_warehouse_at
FROM plutora.releases WHERE _deleted_at IS NULL;

-- One row per (release, change): a change may list a release more than once.
-- The grouping lists the columns BI filters on, so that a filter on them
-- reaches the tables' indexes.
CREATE VIEW reporting.release_changes AS
SELECT r.id AS release_id, r.identifier AS release_identifier, r.name AS release_name,
       r.release_status_type AS release_status, r.implementation_date,
       c.id AS change_id, c.change_number, c.name AS change_name, c.change_status,
       CASE WHEN bool_or(d.actual_delivery_release) THEN 'actual'
            WHEN bool_or(d.target_release) THEN 'target' ELSE 'related' END AS relation,
       COALESCE(bool_or(d.target_release), false) AS is_target,
       COALESCE(bool_or(d.actual_delivery_release), false) AS is_actual
FROM plutora.change_delivery_releases d
JOIN plutora.changes c ON c.id = d.change_id AND c._deleted_at IS NULL
JOIN plutora.releases r ON r.id = d.release_id AND r._deleted_at IS NULL
GROUP BY r.id, r.identifier, r.name, r.release_status_type, r.implementation_date,
         c.id, c.change_number, c.name, c.change_status;

CREATE VIEW reporting.change_systems AS
SELECT s.change_id, c.change_number, s.system_id, s.name AS system_name, s.system_role_type, s.ordinal
FROM plutora.change_systems s
JOIN plutora.changes c ON c.id = s.change_id AND c._deleted_at IS NULL;

CREATE VIEW reporting.change_stakeholders AS
SELECT s.change_id, c.change_number, s.ordinal, s.user_id, s.user_name, s.group_id, s.group_name,
       s.stakeholder_roles, s.stakeholder_role_ids, s.responsible, s.accountable, s.informed, s.consulted
FROM plutora.change_stakeholders s
JOIN plutora.changes c ON c.id = s.change_id AND c._deleted_at IS NULL;

-- Bridge: one row per role of a stakeholder, for tools that cannot read arrays.
CREATE VIEW reporting.change_stakeholder_roles AS
SELECT s.change_id, c.change_number, s.ordinal, s.user_id, s.group_id, r.stakeholder_role_id
FROM plutora.change_stakeholders s
JOIN plutora.changes c ON c.id = s.change_id AND c._deleted_at IS NULL
CROSS JOIN LATERAL unnest(s.stakeholder_role_ids) AS r (stakeholder_role_id);

CREATE VIEW reporting.environments AS
SELECT id AS environment_id, name, url, status, environment_status, environment_status_id,
       linked_system, linked_system_id, usage_work_item, color, description, vendor,
       environment_mgr, is_shared_environment, _last_changed_at AS changed_in_warehouse_at
FROM plutora.environments WHERE _deleted_at IS NULL;

CREATE VIEW reporting.systems AS
SELECT id AS system_id, name, vendor, status, organization, organization_id, description,
       _last_changed_at AS changed_in_warehouse_at
FROM plutora.systems WHERE _deleted_at IS NULL;

CREATE VIEW reporting.hosts AS
SELECT id AS host_id, name AS host, environment_id, _last_changed_at AS changed_in_warehouse_at
FROM plutora.hosts WHERE _deleted_at IS NULL;

-- Every live environment with its hosts and their components (environments
-- without hosts and hosts without layers have NULLs there), plus hosts whose
-- environment the warehouse does not hold.
CREATE VIEW reporting.host_stack AS
SELECT e.id AS environment_id, e.name AS environment, h.id AS host_id, h.name AS host,
       l.layer_id, l.stack_layer_id, l.stack_layer, l.stack_layer_type, l.component_name AS component, l.version
FROM plutora.environments e
LEFT JOIN plutora.hosts h ON h.environment_id = e.id AND h._deleted_at IS NULL
LEFT JOIN plutora.host_layers l ON l.host_id = h.id
WHERE e._deleted_at IS NULL
UNION ALL
SELECT h.environment_id, NULL, h.id, h.name,
       l.layer_id, l.stack_layer_id, l.stack_layer, l.stack_layer_type, l.component_name, l.version
FROM plutora.hosts h
LEFT JOIN plutora.host_layers l ON l.host_id = h.id
WHERE h._deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM plutora.environments e WHERE e.id = h.environment_id);

CREATE VIEW reporting.defects AS
SELECT id AS defect_id, display_id AS defect_display_id, name, status, status_id,
       priority, priority_id, severity, severity_id, assigned_to, assigned_to_id, assigned_to_email,
       created_date, last_modified_date, _last_changed_at AS changed_in_warehouse_at
FROM plutora.defects WHERE _deleted_at IS NULL;

CREATE VIEW reporting.defect_fields AS
SELECT f.defect_id, d.display_id AS defect_display_id, f.ordinal, f.field_id, f.name AS field_name,
       f.data_type, f.string_value
FROM plutora.defect_fields f
JOIN plutora.defects d ON d.id = f.defect_id AND d._deleted_at IS NULL;

-- Custom fields, one row per field of a record, one typed value column per
-- data type and value_text for any of them. To make one field a column:
--   LEFT JOIN reporting.change_custom_fields f
--     ON f.change_id = c.change_id AND f.field_name = 'Go-Live Window'
CREATE VIEW reporting.change_custom_fields AS
SELECT f.change_id, c.change_number, f.ordinal, f.field_id, f.name AS field_name, f.type AS field_type, f.data_type,
       f.text_value, f.number_value, f.decimal_value, f.date_value, f.time_value, f.datetime_value,
       f.list_item_id, f.list_item_value, f.multi_list_item_ids, f.multi_list_item_values,
       COALESCE(f.text_value, f.number_value::text, f.decimal_value::text, f.date_value::text, f.time_value::text,
                f.datetime_value::text, f.list_item_value, array_to_string(f.multi_list_item_values, ', ')) AS value_text
FROM plutora.change_custom_fields f
JOIN plutora.changes c ON c.id = f.change_id AND c._deleted_at IS NULL;

CREATE VIEW reporting.release_custom_fields AS
SELECT f.release_id, r.identifier AS release_identifier, f.ordinal, f.field_id, f.name AS field_name, f.type AS field_type, f.data_type,
       f.text_value, f.number_value, f.decimal_value, f.date_value, f.time_value, f.datetime_value,
       f.list_item_id, f.list_item_value, f.multi_list_item_ids, f.multi_list_item_values,
       COALESCE(f.text_value, f.number_value::text, f.decimal_value::text, f.date_value::text, f.time_value::text,
                f.datetime_value::text, f.list_item_value, array_to_string(f.multi_list_item_values, ', ')) AS value_text
FROM plutora.release_custom_fields f
JOIN plutora.releases r ON r.id = f.release_id AND r._deleted_at IS NULL;

CREATE VIEW reporting.system_custom_fields AS
SELECT f.system_id, s.name AS system_name, f.ordinal, f.field_id, f.name AS field_name, f.type AS field_type, f.data_type,
       f.text_value, f.number_value, f.decimal_value, f.date_value, f.time_value, f.datetime_value,
       f.list_item_id, f.list_item_value, f.multi_list_item_ids, f.multi_list_item_values,
       COALESCE(f.text_value, f.number_value::text, f.decimal_value::text, f.date_value::text, f.time_value::text,
                f.datetime_value::text, f.list_item_value, array_to_string(f.multi_list_item_values, ', ')) AS value_text
FROM plutora.system_custom_fields f
JOIN plutora.systems s ON s.id = f.system_id AND s._deleted_at IS NULL;

-- All custom fields in one long view: entity names the table record_id is the id of.
CREATE VIEW reporting.custom_fields AS
SELECT 'changes' AS entity, change_id AS record_id, ordinal, field_id, field_name, field_type, data_type,
       text_value, number_value, decimal_value, date_value, time_value, datetime_value,
       list_item_id, list_item_value, multi_list_item_ids, multi_list_item_values, value_text
FROM reporting.change_custom_fields
UNION ALL
SELECT 'releases', release_id, ordinal, field_id, field_name, field_type, data_type,
       text_value, number_value, decimal_value, date_value, time_value, datetime_value,
       list_item_id, list_item_value, multi_list_item_ids, multi_list_item_values, value_text
FROM reporting.release_custom_fields
UNION ALL
SELECT 'systems', system_id, ordinal, field_id, field_name, field_type, data_type,
       text_value, number_value, decimal_value, date_value, time_value, datetime_value,
       list_item_id, list_item_value, multi_list_item_ids, multi_list_item_values, value_text
FROM reporting.system_custom_fields;

-- Bridge: one row per item chosen in a multi-select custom field.
CREATE VIEW reporting.custom_field_list_items AS
SELECT f.entity, f.record_id, f.ordinal, f.field_id, f.field_name, i.list_item_id, i.list_item_value
FROM reporting.custom_fields f
CROSS JOIN LATERAL unnest(f.multi_list_item_ids, f.multi_list_item_values) AS i (list_item_id, list_item_value);

-- Status over time: the periods kept at load, one row per period in which a
-- status held (valid_to NULL: it still holds). Status at a time X:
--   WHERE valid_from <= X AND (valid_to > X OR valid_to IS NULL)
CREATE VIEW reporting.change_status_history AS
SELECT p.id AS change_id, c.change_number, p.status AS change_status, p.status_id AS change_status_id,
       p.valid_from, p.valid_to, COALESCE(p.valid_to, now()) - p.valid_from AS time_in_status
FROM plutora.changes_status_periods p
JOIN plutora.changes c ON c.id = p.id AND c._deleted_at IS NULL;

CREATE VIEW reporting.release_status_history AS
SELECT p.id AS release_id, r.identifier AS release_identifier, p.status AS release_status, p.status_id AS release_status_id,
       p.valid_from, p.valid_to, COALESCE(p.valid_to, now()) - p.valid_from AS time_in_status
FROM plutora.releases_status_periods p
JOIN plutora.releases r ON r.id = p.id AND r._deleted_at IS NULL;

CREATE VIEW reporting.defect_status_history AS
SELECT p.id AS defect_id, d.display_id AS defect_display_id, p.status, p.status_id,
       p.valid_from, p.valid_to, COALESCE(p.valid_to, now()) - p.valid_from AS time_in_status
FROM plutora.defects_status_periods p
JOIN plutora.defects d ON d.id = p.id AND d._deleted_at IS NULL;

-- Time in each status per record, all periods summed (open ones up to now).
CREATE VIEW reporting.change_time_in_status AS
SELECT change_id, change_number, change_status, count(*) AS periods, sum(time_in_status) AS time_in_status
FROM reporting.change_status_history GROUP BY change_id, change_number, change_status;

CREATE VIEW reporting.release_time_in_status AS
SELECT release_id, release_identifier, release_status, count(*) AS periods, sum(time_in_status) AS time_in_status
FROM reporting.release_status_history GROUP BY release_id, release_identifier, release_status;

CREATE VIEW reporting.defect_time_in_status AS
SELECT defect_id, defect_display_id, status, count(*) AS periods, sum(time_in_status) AS time_in_status
FROM reporting.defect_status_history GROUP BY defect_id, defect_display_id, status;

-- Records per status at the end of each day (in the session's time zone),
-- from the first period's day to today: the periods begun on or before the
-- day less those ended on or before it, summed per day in one pass.
CREATE VIEW reporting.change_status_daily AS
WITH ev AS (
    SELECT change_status AS status, valid_from::date AS day, 1 AS delta FROM reporting.change_status_history
    UNION ALL
    SELECT change_status, valid_to::date, -1 FROM reporting.change_status_history WHERE valid_to IS NOT NULL
), per_day AS (
    SELECT status, day, sum(delta) AS delta FROM ev GROUP BY status, day
), grid AS (
    SELECT s.status, d::date AS day
    FROM (SELECT DISTINCT status FROM per_day) s,
         generate_series((SELECT min(day) FROM per_day), current_date, interval '1 day') d
)
SELECT g.day, g.status AS change_status,
       sum(COALESCE(p.delta, 0)) OVER (PARTITION BY g.status ORDER BY g.day)::bigint AS changes
FROM grid g LEFT JOIN per_day p ON p.status IS NOT DISTINCT FROM g.status AND p.day = g.day;

CREATE VIEW reporting.release_status_daily AS
WITH ev AS (
    SELECT release_status AS status, valid_from::date AS day, 1 AS delta FROM reporting.release_status_history
    UNION ALL
    SELECT release_status, valid_to::date, -1 FROM reporting.release_status_history WHERE valid_to IS NOT NULL
), per_day AS (
    SELECT status, day, sum(delta) AS delta FROM ev GROUP BY status, day
), grid AS (
    SELECT s.status, d::date AS day
    FROM (SELECT DISTINCT status FROM per_day) s,
         generate_series((SELECT min(day) FROM per_day), current_date, interval '1 day') d
)
SELECT g.day, g.status AS release_status,
       sum(COALESCE(p.delta, 0)) OVER (PARTITION BY g.status ORDER BY g.day)::bigint AS releases
FROM grid g LEFT JOIN per_day p ON p.status IS NOT DISTINCT FROM g.status AND p.day = g.day;

CREATE VIEW reporting.defect_status_daily AS
WITH ev AS (
    SELECT status, valid_from::date AS day, 1 AS delta FROM reporting.defect_status_history
    UNION ALL
    SELECT status, valid_to::date, -1 FROM reporting.defect_status_history WHERE valid_to IS NOT NULL
), per_day AS (
    SELECT status, day, sum(delta) AS delta FROM ev GROUP BY status, day
), grid AS (
    SELECT s.status, d::date AS day
    FROM (SELECT DISTINCT status FROM per_day) s,
         generate_series((SELECT min(day) FROM per_day), current_date, interval '1 day') d
)
SELECT g.day, g.status, sum(COALESCE(p.delta, 0)) OVER (PARTITION BY g.status ORDER BY g.day)::bigint AS defects
FROM grid g LEFT JOIN per_day p ON p.status IS NOT DISTINCT FROM g.status AND p.day = g.day;

-- Every version of a live record, typed: history plus the current row
-- (is_current; valid_to NULL).
CREATE VIEW reporting.change_versions AS
SELECT h.id AS change_id, h.change_number, h.name, h.change_status, h.change_status_id, h.change_priority,
       h.change_type, h.change_delivery_risk, h.change_theme, h.business_value_score, h.raised_by, h.raised_date,
       h.organization, h.expected_delivery_date, h.last_modified_date, h.last_modified_by,
       h.valid_from, h.valid_to, false AS is_current, h._run_id AS run_id
FROM plutora.changes_history h
WHERE EXISTS (SELECT 1 FROM plutora.changes c WHERE c.id = h.id AND c._deleted_at IS NULL)
UNION ALL
SELECT id, change_number, name, change_status, change_status_id, change_priority,
       change_type, change_delivery_risk, change_theme, business_value_score, raised_by, raised_date,
       organization, expected_delivery_date, last_modified_date, last_modified_by,
       COALESCE(last_modified_date, _last_changed_at), NULL, true, _run_id
FROM plutora.changes WHERE _deleted_at IS NULL;

CREATE VIEW reporting.release_versions AS
SELECT h.id AS release_id, h.identifier AS release_identifier, h.name,
       h.release_status_type AS release_status, h.release_status_type_id AS release_status_id,
       h.release_type, h.release_risk_level, h.implementation_date, h.parent_release_id, h.last_modified_date,
       h.valid_from, h.valid_to, false AS is_current, h._run_id AS run_id
FROM plutora.releases_history h
WHERE EXISTS (SELECT 1 FROM plutora.releases r WHERE r.id = h.id AND r._deleted_at IS NULL)
UNION ALL
SELECT id, identifier, name, release_status_type, release_status_type_id,
       release_type, release_risk_level, implementation_date, parent_release_id, last_modified_date,
       COALESCE(last_modified_date, _last_changed_at), NULL, true, _run_id
FROM plutora.releases WHERE _deleted_at IS NULL;

CREATE VIEW reporting.defect_versions AS
SELECT h.id AS defect_id, h.display_id AS defect_display_id, h.name, h.status, h.status_id, h.priority, h.severity,
       h.assigned_to, h.assigned_to_id, h.last_modified_date,
       h.valid_from, h.valid_to, false AS is_current, h._run_id AS run_id
FROM plutora.defects_history h
WHERE EXISTS (SELECT 1 FROM plutora.defects d WHERE d.id = h.id AND d._deleted_at IS NULL)
UNION ALL
SELECT id, display_id, name, status, status_id, priority, severity,
       assigned_to, assigned_to_id, last_modified_date,
       COALESCE(last_modified_date, _last_changed_at), NULL, true, _run_id
FROM plutora.defects WHERE _deleted_at IS NULL;

-- Records that could not be loaded and are still not loaded.
CREATE VIEW reporting.quarantine AS
SELECT entity, record_id, reason, run_id, page, record_index, first_seen_at, last_seen_at, seen_count
FROM plutora_sync.quarantine WHERE resolved_at IS NULL;

-- The rows a census did not see and did not mark: its deletions held back.
ALTER TABLE plutora_sync.run_entities ADD COLUMN pending_deletions integer;

-- Freshness gains deletion health and staleness. The columns before
-- last_complete_census_at are those of 00004, unchanged.
CREATE OR REPLACE VIEW reporting.freshness AS
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
       rs.reasons AS quarantine_reasons
FROM entities en
LEFT JOIN counts c ON c.entity = en.entity
LEFT JOIN last_success s ON s.entity = en.entity
LEFT JOIN last_census lc ON lc.entity = en.entity
LEFT JOIN last_run lr ON lr.entity = en.entity
LEFT JOIN quarantined q ON q.entity = en.entity
LEFT JOIN census ce ON ce.entity = en.entity
LEFT JOIN expected ex ON ex.entity = en.entity
LEFT JOIN reasons rs ON rs.entity = en.entity;

-- What reports filter and join on. The business keys (change_number,
-- identifier, display_id) keep plain indexes: plutora-api.md documents no
-- uniqueness for them, and a duplicate under a unique index would fail the
-- whole page instead of one record.
CREATE INDEX change_systems_system_id ON plutora.change_systems (system_id);
CREATE INDEX changes_expected_delivery_date ON plutora.changes (expected_delivery_date);
CREATE INDEX releases_implementation_date ON plutora.releases (implementation_date);
CREATE INDEX defects_created_date ON plutora.defects (created_date);

-- +goose Down
DROP INDEX plutora.defects_created_date, plutora.releases_implementation_date, plutora.changes_expected_delivery_date,
    plutora.change_systems_system_id;
DROP VIEW reporting.freshness;
ALTER TABLE plutora_sync.run_entities DROP COLUMN pending_deletions;
DROP VIEW reporting.quarantine, reporting.defect_versions, reporting.release_versions, reporting.change_versions,
    reporting.defect_status_daily, reporting.release_status_daily, reporting.change_status_daily,
    reporting.defect_time_in_status, reporting.release_time_in_status, reporting.change_time_in_status,
    reporting.defect_status_history, reporting.release_status_history, reporting.change_status_history,
    reporting.custom_field_list_items, reporting.custom_fields, reporting.system_custom_fields,
    reporting.release_custom_fields, reporting.change_custom_fields, reporting.defect_fields, reporting.defects,
    reporting.host_stack, reporting.hosts, reporting.systems, reporting.environments,
    reporting.change_stakeholder_roles, reporting.change_stakeholders, reporting.change_systems,
    reporting.release_changes, reporting.releases, reporting.changes;
-- The freshness view of 00004.
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

