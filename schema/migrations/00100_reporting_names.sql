-- One naming scheme across reporting (issue 29, point 4; docs/warehouse.md,
-- "Naming"). No release is tagged, so the views are renamed outright; the
-- plutora tables keep their names and the views alias them.
--   * Keys carry their entity's name in every view (change_id,
--     change_number, release_identifier, defect_display_id); a record's own
--     attributes are bare (name, status, status_id, priority, type, …);
--   * a timestamp ends in _at, a date in _date (the daily views' day becomes
--     calendar_date, which joins reporting.calendar);
--   * an interval has a numeric twin in hours (time_in_status_hours);
--   * a child view carries its parent's key, never its business key or
--     name: JOIN … USING (change_id) is never ambiguous.
-- schema/changes.md lists every rename (the dictionary's change notes).
-- Comments carry over from the columns renamed; new meanings get new ones.

-- +goose Up
CREATE TEMPORARY TABLE kept_comments ON COMMIT DROP AS
SELECT c.relname AS rel, a.attname AS col, col_description(c.oid, a.attnum) AS comment
FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relnamespace = 'reporting'::regnamespace AND c.relkind = 'v'
UNION ALL
SELECT c.relname, NULL, obj_description(c.oid, 'pg_class')
FROM pg_class c WHERE c.relnamespace = 'reporting'::regnamespace AND c.relkind = 'v';

-- (view, new column, old column): the comment of the old column carries over.
CREATE TEMPORARY TABLE renamed (rel text, col text, old text, PRIMARY KEY (rel, col)) ON COMMIT DROP;
INSERT INTO renamed VALUES
('changes', 'status', 'change_status'), ('changes', 'status_id', 'change_status_id'),
('changes', 'priority', 'change_priority'), ('changes', 'priority_id', 'change_priority_id'),
('changes', 'type', 'change_type'), ('changes', 'type_id', 'change_type_id'),
('changes', 'delivery_risk', 'change_delivery_risk'), ('changes', 'delivery_risk_id', 'change_delivery_risk_id'),
('changes', 'theme', 'change_theme'), ('changes', 'theme_id', 'change_theme_id'),
('changes', 'raised_at', 'raised_date'), ('changes', 'last_modified_at', 'last_modified_date'),
('change_versions', 'status', 'change_status'), ('change_versions', 'status_id', 'change_status_id'),
('change_versions', 'priority', 'change_priority'), ('change_versions', 'type', 'change_type'),
('change_versions', 'delivery_risk', 'change_delivery_risk'), ('change_versions', 'theme', 'change_theme'),
('change_versions', 'raised_at', 'raised_date'), ('change_versions', 'last_modified_at', 'last_modified_date'),
('change_status_history', 'status', 'change_status'), ('change_status_history', 'status_id', 'change_status_id'),
('change_time_in_status', 'status', 'change_status'),
('change_status_daily', 'calendar_date', 'day'), ('change_status_daily', 'status', 'change_status'),
('change_references', 'status_sort_order', 'change_status_sort_order'),
('change_references', 'priority_sort_order', 'change_priority_sort_order'),
('change_references', 'type_sort_order', 'change_type_sort_order'),
('change_references', 'delivery_risk_sort_order', 'change_delivery_risk_sort_order'),
('change_references', 'theme_sort_order', 'change_theme_sort_order'),
('releases', 'status', 'release_status'), ('releases', 'status_id', 'release_status_id'),
('releases', 'type', 'release_type'), ('releases', 'type_id', 'release_type_id'),
('releases', 'risk_level', 'release_risk_level'), ('releases', 'risk_level_id', 'release_risk_level_id'),
('releases', 'project_type', 'release_project_type'), ('releases', 'last_modified_at', 'last_modified_date'),
('release_versions', 'status', 'release_status'), ('release_versions', 'status_id', 'release_status_id'),
('release_versions', 'type', 'release_type'), ('release_versions', 'risk_level', 'release_risk_level'),
('release_versions', 'last_modified_at', 'last_modified_date'),
('release_status_history', 'status', 'release_status'), ('release_status_history', 'status_id', 'release_status_id'),
('release_time_in_status', 'status', 'release_status'),
('release_status_daily', 'calendar_date', 'day'), ('release_status_daily', 'status', 'release_status'),
('release_references', 'status_sort_order', 'release_status_sort_order'),
('release_references', 'type_sort_order', 'release_type_sort_order'),
('release_references', 'risk_level_sort_order', 'release_risk_level_sort_order'),
('defects', 'created_at', 'created_date'), ('defects', 'last_modified_at', 'last_modified_date'),
('defect_versions', 'last_modified_at', 'last_modified_date'),
('defect_status_daily', 'calendar_date', 'day'),
('environments', 'status_id', 'environment_status_id'), ('environments', 'manager', 'environment_mgr'),
('environment_references', 'status_sort_order', 'environment_status_sort_order'),
('environment_references', 'group_names', 'environment_groups'),
('hosts', 'name', 'host'),
('host_stack', 'environment_name', 'environment'), ('host_stack', 'host_name', 'host'),
('organizations', 'type', 'organization_type'),
('users', 'username', 'user_name'),
('lookup_values', 'type', 'lookup_type'),
('environment_group_members', 'environment_name', 'environment');

-- New meanings: (view pattern, column, comment).
CREATE TEMPORARY TABLE new_comments (rel text, col text, comment text NOT NULL, PRIMARY KEY (rel, col)) ON COMMIT DROP;
INSERT INTO new_comments VALUES
('%', 'time_in_status_hours', 'time_in_status in hours (numeric, to 4 decimals), for tools that cannot sum an interval.'),
('%_status_daily', 'calendar_date', 'The day (session time zone); counts are at its end. Joins reporting.calendar.calendar_date.'),
('environments', 'status', 'Status name: the detail''s environmentStatus, else the list''s status (API environmentStatus / status).'),
('environments', 'status_id', 'Status lookup id (API environmentStatusId); joins the EnvironmentStatus lookup values.');

DROP VIEW reporting.changes, reporting.releases, reporting.release_changes, reporting.change_systems,
    reporting.change_stakeholders, reporting.change_stakeholder_roles, reporting.environments, reporting.hosts,
    reporting.host_stack, reporting.defects, reporting.defect_fields, reporting.change_custom_fields,
    reporting.release_custom_fields, reporting.system_custom_fields, reporting.custom_fields,
    reporting.custom_field_list_items, reporting.change_status_history, reporting.release_status_history,
    reporting.defect_status_history, reporting.change_time_in_status, reporting.release_time_in_status,
    reporting.defect_time_in_status, reporting.change_status_daily, reporting.release_status_daily,
    reporting.defect_status_daily, reporting.change_versions, reporting.release_versions, reporting.defect_versions,
    reporting.organizations, reporting.users, reporting.lookup_values, reporting.environment_group_members,
    reporting.change_references, reporting.release_references, reporting.environment_references;

CREATE VIEW reporting.changes AS
SELECT id AS change_id, change_number, name, change_status AS status, change_status_id AS status_id,
       change_priority AS priority, change_priority_id AS priority_id, change_type AS type, change_type_id AS type_id,
       change_delivery_risk AS delivery_risk, change_delivery_risk_id AS delivery_risk_id,
       change_theme AS theme, change_theme_id AS theme_id,
       business_value_score, raised_by, raised_by_id, raised_date AS raised_at, organization, organization_id,
       expected_delivery_date, description_simple, last_modified_date AS last_modified_at, last_modified_by,
       _last_changed_at AS changed_in_warehouse_at
FROM plutora.changes WHERE _deleted_at IS NULL;

CREATE VIEW reporting.releases AS
SELECT id AS release_id, identifier AS release_identifier, name,
       release_status_type AS status, release_status_type_id AS status_id,
       release_type AS type, release_type_id AS type_id, release_risk_level AS risk_level, release_risk_level_id AS risk_level_id,
       plutora_release_type, release_project_type AS project_type, implementation_date, location,
       organization, organization_id, manager_id, parent_release_id, display_color,
       last_modified_date AS last_modified_at, _last_changed_at AS changed_in_warehouse_at
FROM plutora.releases WHERE _deleted_at IS NULL;

-- One row per (release, change): a change may list a release more than
-- once, so its first element stands for the pair, with the flags of all of
-- them. Written per row, the pair's elements and the liveness of both
-- records read in one lateral subquery: no GROUP BY over the table, and
-- two relations only, so that a join from reporting.releases filtered on
-- release_identifier, with more views beside it, still reaches the
-- indexes (PostgreSQL plans a join of more than from_collapse_limit, 8,
-- relations in pieces).
CREATE VIEW reporting.release_changes AS
SELECT d.release_id, d.change_id,
       CASE WHEN f.is_actual THEN 'actual' WHEN f.is_target THEN 'target' ELSE 'related' END AS relation,
       f.is_target, f.is_actual
FROM plutora.change_delivery_releases d
CROSS JOIN LATERAL (
    SELECT min(x.ordinal) AS first_ordinal, COALESCE(bool_or(x.target_release), false) AS is_target,
           COALESCE(bool_or(x.actual_delivery_release), false) AS is_actual
    FROM plutora.change_delivery_releases x
    WHERE x.change_id = d.change_id AND x.release_id = d.release_id
      AND EXISTS (SELECT 1 FROM plutora.changes c WHERE c.id = d.change_id AND c._deleted_at IS NULL)
      AND EXISTS (SELECT 1 FROM plutora.releases r WHERE r.id = d.release_id AND r._deleted_at IS NULL)
) f
WHERE d.ordinal = f.first_ordinal;

CREATE VIEW reporting.change_systems AS
SELECT s.change_id, s.system_id, s.name AS system_name, s.system_role_type, s.ordinal
FROM plutora.change_systems s
JOIN plutora.changes c ON c.id = s.change_id AND c._deleted_at IS NULL;

CREATE VIEW reporting.change_stakeholders AS
SELECT s.change_id, s.ordinal, s.user_id, s.user_name, s.group_id, s.group_name,
       s.stakeholder_roles, s.stakeholder_role_ids, s.responsible, s.accountable, s.informed, s.consulted
FROM plutora.change_stakeholders s
JOIN plutora.changes c ON c.id = s.change_id AND c._deleted_at IS NULL;

CREATE VIEW reporting.change_stakeholder_roles AS
SELECT s.change_id, s.ordinal, s.user_id, s.group_id, r.stakeholder_role_id
FROM plutora.change_stakeholders s
JOIN plutora.changes c ON c.id = s.change_id AND c._deleted_at IS NULL
CROSS JOIN LATERAL unnest(s.stakeholder_role_ids) AS r (stakeholder_role_id);

CREATE VIEW reporting.environments AS
SELECT id AS environment_id, name, url, COALESCE(environment_status, status) AS status, environment_status_id AS status_id,
       linked_system, linked_system_id, usage_work_item, usage_work_item_id, color, description, vendor,
       environment_mgr AS manager, is_shared_environment, _last_changed_at AS changed_in_warehouse_at
FROM plutora.environments WHERE _deleted_at IS NULL;

CREATE VIEW reporting.hosts AS
SELECT id AS host_id, name, environment_id, _last_changed_at AS changed_in_warehouse_at
FROM plutora.hosts WHERE _deleted_at IS NULL;

CREATE VIEW reporting.host_stack AS
SELECT e.id AS environment_id, e.name AS environment_name, h.id AS host_id, h.name AS host_name,
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
       created_date AS created_at, last_modified_date AS last_modified_at, _last_changed_at AS changed_in_warehouse_at
FROM plutora.defects WHERE _deleted_at IS NULL;

CREATE VIEW reporting.defect_fields AS
SELECT f.defect_id, f.ordinal, f.field_id, f.name AS field_name, f.data_type, f.string_value
FROM plutora.defect_fields f
JOIN plutora.defects d ON d.id = f.defect_id AND d._deleted_at IS NULL;

CREATE VIEW reporting.change_custom_fields AS
SELECT f.change_id, f.ordinal, f.field_id, f.name AS field_name, f.type AS field_type, f.data_type,
       f.text_value, f.number_value, f.decimal_value, f.date_value, f.time_value, f.datetime_value,
       f.list_item_id, f.list_item_value, f.multi_list_item_ids, f.multi_list_item_values,
       COALESCE(f.text_value, f.number_value::text, f.decimal_value::text, f.date_value::text, f.time_value::text,
                f.datetime_value::text, f.list_item_value, array_to_string(f.multi_list_item_values, ', ')) AS value_text
FROM plutora.change_custom_fields f
JOIN plutora.changes c ON c.id = f.change_id AND c._deleted_at IS NULL;

CREATE VIEW reporting.release_custom_fields AS
SELECT f.release_id, f.ordinal, f.field_id, f.name AS field_name, f.type AS field_type, f.data_type,
       f.text_value, f.number_value, f.decimal_value, f.date_value, f.time_value, f.datetime_value,
       f.list_item_id, f.list_item_value, f.multi_list_item_ids, f.multi_list_item_values,
       COALESCE(f.text_value, f.number_value::text, f.decimal_value::text, f.date_value::text, f.time_value::text,
                f.datetime_value::text, f.list_item_value, array_to_string(f.multi_list_item_values, ', ')) AS value_text
FROM plutora.release_custom_fields f
JOIN plutora.releases r ON r.id = f.release_id AND r._deleted_at IS NULL;

CREATE VIEW reporting.system_custom_fields AS
SELECT f.system_id, f.ordinal, f.field_id, f.name AS field_name, f.type AS field_type, f.data_type,
       f.text_value, f.number_value, f.decimal_value, f.date_value, f.time_value, f.datetime_value,
       f.list_item_id, f.list_item_value, f.multi_list_item_ids, f.multi_list_item_values,
       COALESCE(f.text_value, f.number_value::text, f.decimal_value::text, f.date_value::text, f.time_value::text,
                f.datetime_value::text, f.list_item_value, array_to_string(f.multi_list_item_values, ', ')) AS value_text
FROM plutora.system_custom_fields f
JOIN plutora.systems s ON s.id = f.system_id AND s._deleted_at IS NULL;

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

CREATE VIEW reporting.custom_field_list_items AS
SELECT f.entity, f.record_id, f.ordinal, f.field_id, f.field_name, i.list_item_id, i.list_item_value
FROM reporting.custom_fields f
CROSS JOIN LATERAL unnest(f.multi_list_item_ids, f.multi_list_item_values) AS i (list_item_id, list_item_value);

CREATE VIEW reporting.change_status_history AS
SELECT p.id AS change_id, p.status, p.status_id, p.valid_from, p.valid_to,
       COALESCE(p.valid_to, now()) - p.valid_from AS time_in_status,
       round(extract(epoch FROM COALESCE(p.valid_to, now()) - p.valid_from) / 3600, 4) AS time_in_status_hours
FROM plutora.changes_status_periods p
JOIN plutora.changes c ON c.id = p.id AND c._deleted_at IS NULL;

CREATE VIEW reporting.release_status_history AS
SELECT p.id AS release_id, p.status, p.status_id, p.valid_from, p.valid_to,
       COALESCE(p.valid_to, now()) - p.valid_from AS time_in_status,
       round(extract(epoch FROM COALESCE(p.valid_to, now()) - p.valid_from) / 3600, 4) AS time_in_status_hours
FROM plutora.releases_status_periods p
JOIN plutora.releases r ON r.id = p.id AND r._deleted_at IS NULL;

CREATE VIEW reporting.defect_status_history AS
SELECT p.id AS defect_id, p.status, p.status_id, p.valid_from, p.valid_to,
       COALESCE(p.valid_to, now()) - p.valid_from AS time_in_status,
       round(extract(epoch FROM COALESCE(p.valid_to, now()) - p.valid_from) / 3600, 4) AS time_in_status_hours
FROM plutora.defects_status_periods p
JOIN plutora.defects d ON d.id = p.id AND d._deleted_at IS NULL;

CREATE VIEW reporting.change_time_in_status AS
SELECT change_id, status, count(*) AS periods, sum(time_in_status) AS time_in_status,
       round(extract(epoch FROM sum(time_in_status)) / 3600, 4) AS time_in_status_hours
FROM reporting.change_status_history GROUP BY change_id, status;

CREATE VIEW reporting.release_time_in_status AS
SELECT release_id, status, count(*) AS periods, sum(time_in_status) AS time_in_status,
       round(extract(epoch FROM sum(time_in_status)) / 3600, 4) AS time_in_status_hours
FROM reporting.release_status_history GROUP BY release_id, status;

CREATE VIEW reporting.defect_time_in_status AS
SELECT defect_id, status, count(*) AS periods, sum(time_in_status) AS time_in_status,
       round(extract(epoch FROM sum(time_in_status)) / 3600, 4) AS time_in_status_hours
FROM reporting.defect_status_history GROUP BY defect_id, status;

-- Records per status at the end of each day (session time zone), as 00014's.
CREATE VIEW reporting.change_status_daily AS
WITH ev AS (
    SELECT status, valid_from::date AS day, 1 AS delta FROM reporting.change_status_history
    UNION ALL
    SELECT status, valid_to::date, -1 FROM reporting.change_status_history WHERE valid_to IS NOT NULL
), per_day AS (
    SELECT status, day, sum(delta) AS delta FROM ev GROUP BY status, day
), grid AS (
    SELECT s.status, d::date AS day
    FROM (SELECT DISTINCT status FROM per_day) s,
         generate_series((SELECT min(day) FROM per_day), current_date, interval '1 day') d
)
SELECT g.day AS calendar_date, g.status,
       sum(COALESCE(p.delta, 0)) OVER (PARTITION BY g.status ORDER BY g.day)::bigint AS changes
FROM grid g LEFT JOIN per_day p ON p.status IS NOT DISTINCT FROM g.status AND p.day = g.day;

CREATE VIEW reporting.release_status_daily AS
WITH ev AS (
    SELECT status, valid_from::date AS day, 1 AS delta FROM reporting.release_status_history
    UNION ALL
    SELECT status, valid_to::date, -1 FROM reporting.release_status_history WHERE valid_to IS NOT NULL
), per_day AS (
    SELECT status, day, sum(delta) AS delta FROM ev GROUP BY status, day
), grid AS (
    SELECT s.status, d::date AS day
    FROM (SELECT DISTINCT status FROM per_day) s,
         generate_series((SELECT min(day) FROM per_day), current_date, interval '1 day') d
)
SELECT g.day AS calendar_date, g.status,
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
SELECT g.day AS calendar_date, g.status,
       sum(COALESCE(p.delta, 0)) OVER (PARTITION BY g.status ORDER BY g.day)::bigint AS defects
FROM grid g LEFT JOIN per_day p ON p.status IS NOT DISTINCT FROM g.status AND p.day = g.day;

CREATE VIEW reporting.change_versions AS
SELECT h.id AS change_id, h.change_number, h.name, h.change_status AS status, h.change_status_id AS status_id,
       h.change_priority AS priority, h.change_type AS type, h.change_delivery_risk AS delivery_risk,
       h.change_theme AS theme, h.business_value_score, h.raised_by, h.raised_date AS raised_at,
       h.organization, h.expected_delivery_date, h.last_modified_date AS last_modified_at, h.last_modified_by,
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
       h.release_status_type AS status, h.release_status_type_id AS status_id,
       h.release_type AS type, h.release_risk_level AS risk_level, h.implementation_date, h.parent_release_id,
       h.last_modified_date AS last_modified_at,
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
       h.assigned_to, h.assigned_to_id, h.last_modified_date AS last_modified_at,
       h.valid_from, h.valid_to, false AS is_current, h._run_id AS run_id
FROM plutora.defects_history h
WHERE EXISTS (SELECT 1 FROM plutora.defects d WHERE d.id = h.id AND d._deleted_at IS NULL)
UNION ALL
SELECT id, display_id, name, status, status_id, priority, severity,
       assigned_to, assigned_to_id, last_modified_date,
       COALESCE(last_modified_date, _last_changed_at), NULL, true, _run_id
FROM plutora.defects WHERE _deleted_at IS NULL;

CREATE VIEW reporting.organizations AS
SELECT id AS organization_id, name, type, _last_changed_at AS changed_in_warehouse_at
FROM plutora.organizations WHERE _deleted_at IS NULL;

CREATE VIEW reporting.users AS
SELECT id AS user_id, user_name AS username, first_name, last_name, email, _last_changed_at AS changed_in_warehouse_at
FROM plutora.users WHERE _deleted_at IS NULL;

CREATE VIEW reporting.lookup_values AS
SELECT id AS lookup_value_id, type, value, sort_order, _last_changed_at AS changed_in_warehouse_at
FROM plutora.lookup_values WHERE _deleted_at IS NULL;

CREATE VIEW reporting.environment_group_members AS
SELECT m.group_id AS environment_group_id, m.ordinal, m.environment_id, e.name AS environment_name
FROM plutora.environment_group_members m
JOIN plutora.environment_groups g ON g.id = m.group_id AND g._deleted_at IS NULL
LEFT JOIN plutora.environments e ON e.id = m.environment_id AND e._deleted_at IS NULL;

CREATE VIEW reporting.change_references AS
SELECT c.id AS change_id,
       st.sort_order AS status_sort_order, pr.sort_order AS priority_sort_order,
       ty.sort_order AS type_sort_order, ri.sort_order AS delivery_risk_sort_order,
       th.sort_order AS theme_sort_order,
       NULLIF(concat_ws(' ', u.first_name, u.last_name), '') AS raised_by_name, u.email AS raised_by_email,
       o.name AS organization_name, o.type AS organization_type
FROM plutora.changes c
LEFT JOIN plutora.lookup_values st ON st.id = c.change_status_id AND st._deleted_at IS NULL
LEFT JOIN plutora.lookup_values pr ON pr.id = c.change_priority_id AND pr._deleted_at IS NULL
LEFT JOIN plutora.lookup_values ty ON ty.id = c.change_type_id AND ty._deleted_at IS NULL
LEFT JOIN plutora.lookup_values ri ON ri.id = c.change_delivery_risk_id AND ri._deleted_at IS NULL
LEFT JOIN plutora.lookup_values th ON th.id = c.change_theme_id AND th._deleted_at IS NULL
LEFT JOIN plutora.users u ON u.id = c.raised_by_id AND u._deleted_at IS NULL
LEFT JOIN plutora.organizations o ON o.id = c.organization_id AND o._deleted_at IS NULL
WHERE c._deleted_at IS NULL;

CREATE VIEW reporting.release_references AS
SELECT r.id AS release_id,
       st.sort_order AS status_sort_order, ty.sort_order AS type_sort_order,
       ri.sort_order AS risk_level_sort_order,
       NULLIF(concat_ws(' ', u.first_name, u.last_name), '') AS manager_name, u.email AS manager_email,
       o.name AS organization_name, o.type AS organization_type
FROM plutora.releases r
LEFT JOIN plutora.lookup_values st ON st.id = r.release_status_type_id AND st._deleted_at IS NULL
LEFT JOIN plutora.lookup_values ty ON ty.id = r.release_type_id AND ty._deleted_at IS NULL
LEFT JOIN plutora.lookup_values ri ON ri.id = r.release_risk_level_id AND ri._deleted_at IS NULL
LEFT JOIN plutora.users u ON u.id = r.manager_id AND u._deleted_at IS NULL
LEFT JOIN plutora.organizations o ON o.id = r.organization_id AND o._deleted_at IS NULL
WHERE r._deleted_at IS NULL;

CREATE VIEW reporting.environment_references AS
SELECT e.id AS environment_id, st.sort_order AS status_sort_order,
       (SELECT array_agg(g.name ORDER BY g.name) FROM plutora.environment_group_members m
        JOIN plutora.environment_groups g ON g.id = m.group_id AND g._deleted_at IS NULL
        WHERE m.environment_id = e.id) AS group_names
FROM plutora.environments e
LEFT JOIN plutora.lookup_values st ON st.id = e.environment_status_id AND st._deleted_at IS NULL
WHERE e._deleted_at IS NULL;

-- The comments: the views' own carry over; each column's from new_comments,
-- else from the column it was renamed from, else from its own name before.
-- +goose StatementBegin
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT k.rel, k.comment FROM kept_comments k
        WHERE k.col IS NULL AND to_regclass('reporting.' || k.rel) IS NOT NULL
    LOOP
        EXECUTE format('COMMENT ON VIEW reporting.%I IS %L', r.rel, r.comment);
    END LOOP;
    FOR r IN SELECT c.relname AS rel, a.attname AS col,
            COALESCE((SELECT n.comment FROM new_comments n WHERE c.relname LIKE n.rel AND n.col = a.attname
                      ORDER BY length(n.rel) DESC LIMIT 1),
                     (SELECT k.comment FROM kept_comments k
                      WHERE k.rel = c.relname AND k.col = COALESCE((SELECT m.old FROM renamed m WHERE m.rel = c.relname AND m.col = a.attname), a.attname))) AS comment
        FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE c.relnamespace = 'reporting'::regnamespace AND c.relkind = 'v'
          AND col_description(c.oid, a.attnum) IS NULL
    LOOP
        CONTINUE WHEN r.comment IS NULL; -- TestEveryRelationAndColumnHasAComment names it
        EXECUTE format('COMMENT ON COLUMN reporting.%I.%I IS %L', r.rel, r.col, r.comment);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- The views as 00014, 00030, 00040 and 00070 left them, with their comments.
DROP VIEW reporting.changes, reporting.releases, reporting.release_changes, reporting.change_systems,
    reporting.change_stakeholders, reporting.change_stakeholder_roles, reporting.environments, reporting.hosts,
    reporting.host_stack, reporting.defects, reporting.defect_fields, reporting.change_custom_fields,
    reporting.release_custom_fields, reporting.system_custom_fields, reporting.custom_fields,
    reporting.custom_field_list_items, reporting.change_status_history, reporting.release_status_history,
    reporting.defect_status_history, reporting.change_time_in_status, reporting.release_time_in_status,
    reporting.defect_time_in_status, reporting.change_status_daily, reporting.release_status_daily,
    reporting.defect_status_daily, reporting.change_versions, reporting.release_versions, reporting.defect_versions,
    reporting.organizations, reporting.users, reporting.lookup_values, reporting.environment_group_members,
    reporting.change_references, reporting.release_references, reporting.environment_references;

CREATE VIEW reporting.changes AS
 SELECT changes.id AS change_id, changes.change_number, changes.name, changes.change_status,
    changes.change_status_id, changes.change_priority, changes.change_priority_id,
    changes.change_type, changes.change_type_id, changes.change_delivery_risk,
    changes.change_delivery_risk_id, changes.change_theme, changes.change_theme_id,
    changes.business_value_score, changes.raised_by, changes.raised_by_id, changes.raised_date,
    changes.organization, changes.organization_id, changes.expected_delivery_date,
    changes.description_simple, changes.last_modified_date, changes.last_modified_by,
    changes._last_changed_at AS changed_in_warehouse_at
   FROM plutora.changes
  WHERE changes._deleted_at IS NULL;
COMMENT ON VIEW reporting.changes IS 'Live changes: status, priority, type, risk, theme, dates. Key change_id; business key change_number.';
COMMENT ON COLUMN reporting.changes.change_id IS 'The change''s uuid (API id); joins reporting.changes.change_id.';
COMMENT ON COLUMN reporting.changes.change_number IS 'The change''s number (API changeId), its business key.';
COMMENT ON COLUMN reporting.changes.name IS 'Name (API name).';
COMMENT ON COLUMN reporting.changes.change_status IS 'Status name (API changeStatus).';
COMMENT ON COLUMN reporting.changes.change_status_id IS 'Status lookup id (API changeStatusId; the all-zero GUID is NULL).';
COMMENT ON COLUMN reporting.changes.change_priority IS 'Priority name (API changePriority).';
COMMENT ON COLUMN reporting.changes.change_priority_id IS 'Priority lookup id (API changePriorityId).';
COMMENT ON COLUMN reporting.changes.change_type IS 'Type name (API changeType).';
COMMENT ON COLUMN reporting.changes.change_type_id IS 'Type lookup id (API changeTypeId).';
COMMENT ON COLUMN reporting.changes.change_delivery_risk IS 'Delivery risk name (API changeDeliveryRisk).';
COMMENT ON COLUMN reporting.changes.change_delivery_risk_id IS 'Delivery risk lookup id (API changeDeliveryRiskId).';
COMMENT ON COLUMN reporting.changes.change_theme IS 'Theme name (API changeTheme).';
COMMENT ON COLUMN reporting.changes.change_theme_id IS 'Theme lookup id (API changeThemeId).';
COMMENT ON COLUMN reporting.changes.business_value_score IS 'Business value score (API businessValueScore).';
COMMENT ON COLUMN reporting.changes.raised_by IS 'Who raised the change (API raisedBy).';
COMMENT ON COLUMN reporting.changes.raised_by_id IS 'The user uuid of who raised it (API raisedById).';
COMMENT ON COLUMN reporting.changes.raised_date IS 'When the change was raised (API raisedDate); its first status period starts here.';
COMMENT ON COLUMN reporting.changes.organization IS 'The organization''s name (API organization).';
COMMENT ON COLUMN reporting.changes.organization_id IS 'The organization''s uuid (API organizationId); joins the organizations reference data.';
COMMENT ON COLUMN reporting.changes.expected_delivery_date IS 'Expected delivery date, date only (API expectedDeliveryDate).';
COMMENT ON COLUMN reporting.changes.description_simple IS 'Description as plain text (API descriptionSimple).';
COMMENT ON COLUMN reporting.changes.last_modified_date IS 'When the record was last modified in Plutora (API lastModifiedDate / LastModifiedDate).';
COMMENT ON COLUMN reporting.changes.last_modified_by IS 'Who last modified the record (API lastModifiedBy).';
COMMENT ON COLUMN reporting.changes.changed_in_warehouse_at IS 'When the record''s content last changed in the warehouse.';

CREATE VIEW reporting.releases AS
 SELECT releases.id AS release_id, releases.identifier AS release_identifier, releases.name,
    releases.release_status_type AS release_status,
    releases.release_status_type_id AS release_status_id, releases.release_type,
    releases.release_type_id, releases.release_risk_level, releases.release_risk_level_id,
    releases.plutora_release_type, releases.release_project_type, releases.implementation_date,
    releases.location, releases.organization, releases.organization_id, releases.manager_id,
    releases.parent_release_id, releases.display_color, releases.last_modified_date,
    releases._last_changed_at AS changed_in_warehouse_at
   FROM plutora.releases
  WHERE releases._deleted_at IS NULL;
COMMENT ON VIEW reporting.releases IS 'Live releases: status, type, risk, implementation date, parent. Key release_id; business key release_identifier.';
COMMENT ON COLUMN reporting.releases.release_id IS 'The release''s uuid (API id / releaseId); joins reporting.releases.release_id.';
COMMENT ON COLUMN reporting.releases.release_identifier IS 'The release''s identifier (API identifier, e.g. PR-3561), its business key.';
COMMENT ON COLUMN reporting.releases.name IS 'Name (API name).';
COMMENT ON COLUMN reporting.releases.release_status IS 'Release status name (API releaseStatusType).';
COMMENT ON COLUMN reporting.releases.release_status_id IS 'Release status lookup id (API releaseStatusTypeId).';
COMMENT ON COLUMN reporting.releases.release_type IS 'Release type name (API releaseType).';
COMMENT ON COLUMN reporting.releases.release_type_id IS 'Release type lookup id (API releaseTypeId).';
COMMENT ON COLUMN reporting.releases.release_risk_level IS 'Risk level name (API releaseRiskLevel).';
COMMENT ON COLUMN reporting.releases.release_risk_level_id IS 'Risk level lookup id (API releaseRiskLevelId).';
COMMENT ON COLUMN reporting.releases.plutora_release_type IS 'Enterprise, Integrated or Independent (API plutoraReleaseType).';
COMMENT ON COLUMN reporting.releases.release_project_type IS 'IsProject, NotIsProject or None (API releaseProjectType).';
COMMENT ON COLUMN reporting.releases.implementation_date IS 'Implementation (go-live) date, date only (API implementationDate).';
COMMENT ON COLUMN reporting.releases.location IS 'Location (API location).';
COMMENT ON COLUMN reporting.releases.organization IS 'The organization''s name (API organization).';
COMMENT ON COLUMN reporting.releases.organization_id IS 'The organization''s uuid (API organizationId); joins the organizations reference data.';
COMMENT ON COLUMN reporting.releases.manager_id IS 'The release manager''s user uuid (API managerId).';
COMMENT ON COLUMN reporting.releases.parent_release_id IS 'The parent release''s uuid (API parentReleaseId); joins release_id.';
COMMENT ON COLUMN reporting.releases.display_color IS 'Display colour (API displayColor).';
COMMENT ON COLUMN reporting.releases.last_modified_date IS 'When the record was last modified in Plutora (API lastModifiedDate / LastModifiedDate).';
COMMENT ON COLUMN reporting.releases.changed_in_warehouse_at IS 'When the record''s content last changed in the warehouse.';

CREATE VIEW reporting.release_changes AS
 SELECT r.id AS release_id, r.identifier AS release_identifier, r.name AS release_name,
    r.release_status_type AS release_status, r.implementation_date, c.id AS change_id,
    c.change_number, c.name AS change_name, c.change_status,
        CASE
            WHEN bool_or(d.actual_delivery_release) THEN 'actual'::text
            WHEN bool_or(d.target_release) THEN 'target'::text
            ELSE 'related'::text
        END AS relation,
    COALESCE(bool_or(d.target_release), false) AS is_target,
    COALESCE(bool_or(d.actual_delivery_release), false) AS is_actual
   FROM plutora.change_delivery_releases d
     JOIN plutora.changes c ON c.id = d.change_id AND c._deleted_at IS NULL
     JOIN plutora.releases r ON r.id = d.release_id AND r._deleted_at IS NULL
  GROUP BY r.id, r.identifier, r.name, r.release_status_type, r.implementation_date, c.id, c.change_number, c.name, c.change_status;
COMMENT ON VIEW reporting.release_changes IS 'One row per (release, change) between live records, with relation actual, target or related.';
COMMENT ON COLUMN reporting.release_changes.release_id IS 'The release''s uuid (API id / releaseId); joins reporting.releases.release_id.';
COMMENT ON COLUMN reporting.release_changes.release_identifier IS 'The release''s identifier (API identifier, e.g. PR-3561), its business key.';
COMMENT ON COLUMN reporting.release_changes.release_name IS 'The release''s name (API name).';
COMMENT ON COLUMN reporting.release_changes.release_status IS 'Release status name (API releaseStatusType).';
COMMENT ON COLUMN reporting.release_changes.implementation_date IS 'Implementation (go-live) date, date only (API implementationDate).';
COMMENT ON COLUMN reporting.release_changes.change_id IS 'The change''s uuid (API id); joins reporting.changes.change_id.';
COMMENT ON COLUMN reporting.release_changes.change_number IS 'The change''s number (API changeId), its business key.';
COMMENT ON COLUMN reporting.release_changes.change_name IS 'The change''s name (API name).';
COMMENT ON COLUMN reporting.release_changes.change_status IS 'Status name (API changeStatus).';
COMMENT ON COLUMN reporting.release_changes.relation IS 'actual (delivered in it), target (planned for it) or related (listed without either flag).';
COMMENT ON COLUMN reporting.release_changes.is_target IS 'Some element says targetRelease.';
COMMENT ON COLUMN reporting.release_changes.is_actual IS 'Some element says actualDeliveryRelease.';

CREATE VIEW reporting.change_systems AS
 SELECT s.change_id, c.change_number, s.system_id, s.name AS system_name, s.system_role_type,
    s.ordinal
   FROM plutora.change_systems s
     JOIN plutora.changes c ON c.id = s.change_id AND c._deleted_at IS NULL;
COMMENT ON VIEW reporting.change_systems IS 'The systems a live change touches.';
COMMENT ON COLUMN reporting.change_systems.change_id IS 'The change''s uuid (API id); joins reporting.changes.change_id.';
COMMENT ON COLUMN reporting.change_systems.change_number IS 'The change''s number (API changeId), its business key.';
COMMENT ON COLUMN reporting.change_systems.system_id IS 'The system''s uuid (API systemId / id); joins reporting.systems.system_id.';
COMMENT ON COLUMN reporting.change_systems.system_name IS 'The system''s name (API systems[].name / name).';
COMMENT ON COLUMN reporting.change_systems.system_role_type IS 'The system''s role in the change (API systemRoleType).';
COMMENT ON COLUMN reporting.change_systems.ordinal IS 'Position (1-based) of the element in the record''s array.';

CREATE VIEW reporting.change_stakeholders AS
 SELECT s.change_id, c.change_number, s.ordinal, s.user_id, s.user_name, s.group_id, s.group_name,
    s.stakeholder_roles, s.stakeholder_role_ids, s.responsible, s.accountable, s.informed,
    s.consulted
   FROM plutora.change_stakeholders s
     JOIN plutora.changes c ON c.id = s.change_id AND c._deleted_at IS NULL;
COMMENT ON VIEW reporting.change_stakeholders IS 'The stakeholders of live changes, with their RACI flags.';
COMMENT ON COLUMN reporting.change_stakeholders.change_id IS 'The change''s uuid (API id); joins reporting.changes.change_id.';
COMMENT ON COLUMN reporting.change_stakeholders.change_number IS 'The change''s number (API changeId), its business key.';
COMMENT ON COLUMN reporting.change_stakeholders.ordinal IS 'Position (1-based) of the element in the record''s array.';
COMMENT ON COLUMN reporting.change_stakeholders.user_id IS 'The stakeholder''s user uuid (API userId).';
COMMENT ON COLUMN reporting.change_stakeholders.user_name IS 'The stakeholder''s user name (API user).';
COMMENT ON COLUMN reporting.change_stakeholders.group_id IS 'The stakeholder''s group uuid (API groupId).';
COMMENT ON COLUMN reporting.change_stakeholders.group_name IS 'The stakeholder''s group name (API group).';
COMMENT ON COLUMN reporting.change_stakeholders.stakeholder_roles IS 'The stakeholder''s roles, as the API lists them (API stakeholderRoles).';
COMMENT ON COLUMN reporting.change_stakeholders.stakeholder_role_ids IS 'The stakeholder''s role lookup ids (API stakeholderRoleIds); bridge: reporting.change_stakeholder_roles.';
COMMENT ON COLUMN reporting.change_stakeholders.responsible IS 'RACI: responsible (API responsible).';
COMMENT ON COLUMN reporting.change_stakeholders.accountable IS 'RACI: accountable (API accountable).';
COMMENT ON COLUMN reporting.change_stakeholders.informed IS 'RACI: informed (API informed).';
COMMENT ON COLUMN reporting.change_stakeholders.consulted IS 'RACI: consulted (API consulted).';

CREATE VIEW reporting.change_stakeholder_roles AS
 SELECT s.change_id, c.change_number, s.ordinal, s.user_id, s.group_id, r.stakeholder_role_id
   FROM plutora.change_stakeholders s
     JOIN plutora.changes c ON c.id = s.change_id AND c._deleted_at IS NULL
     CROSS JOIN LATERAL unnest(s.stakeholder_role_ids) r(stakeholder_role_id);
COMMENT ON VIEW reporting.change_stakeholder_roles IS 'Bridge: one row per role of a stakeholder of a live change (stakeholder_role_ids unnested).';
COMMENT ON COLUMN reporting.change_stakeholder_roles.change_id IS 'The change''s uuid (API id); joins reporting.changes.change_id.';
COMMENT ON COLUMN reporting.change_stakeholder_roles.change_number IS 'The change''s number (API changeId), its business key.';
COMMENT ON COLUMN reporting.change_stakeholder_roles.ordinal IS 'Position (1-based) of the element in the record''s array.';
COMMENT ON COLUMN reporting.change_stakeholder_roles.user_id IS 'The stakeholder''s user uuid (API userId).';
COMMENT ON COLUMN reporting.change_stakeholder_roles.group_id IS 'The stakeholder''s group uuid (API groupId).';
COMMENT ON COLUMN reporting.change_stakeholder_roles.stakeholder_role_id IS 'One role lookup id of the stakeholder.';

CREATE VIEW reporting.environments AS
 SELECT environments.id AS environment_id, environments.name, environments.url, environments.status,
    environments.environment_status, environments.environment_status_id, environments.linked_system,
    environments.linked_system_id, environments.usage_work_item, environments.color,
    environments.description, environments.vendor, environments.environment_mgr,
    environments.is_shared_environment, environments._last_changed_at AS changed_in_warehouse_at,
    environments.usage_work_item_id
   FROM plutora.environments
  WHERE environments._deleted_at IS NULL;
COMMENT ON VIEW reporting.environments IS 'Live environments.';
COMMENT ON COLUMN reporting.environments.environment_id IS 'The environment''s uuid (API environmentID / id); joins reporting.environments.environment_id.';
COMMENT ON COLUMN reporting.environments.name IS 'Name (API name).';
COMMENT ON COLUMN reporting.environments.url IS 'URL (API url).';
COMMENT ON COLUMN reporting.environments.status IS 'Status (API status; defects: Status.Value).';
COMMENT ON COLUMN reporting.environments.environment_status IS 'Environment status name (API environmentStatus).';
COMMENT ON COLUMN reporting.environments.environment_status_id IS 'Environment status lookup id (API environmentStatusId).';
COMMENT ON COLUMN reporting.environments.linked_system IS 'The linked system''s name (API linkedSystem).';
COMMENT ON COLUMN reporting.environments.linked_system_id IS 'The linked system''s uuid (API linkedSystemId).';
COMMENT ON COLUMN reporting.environments.usage_work_item IS 'Usage work item (API usageWorkItem).';
COMMENT ON COLUMN reporting.environments.color IS 'Display colour (API color).';
COMMENT ON COLUMN reporting.environments.description IS 'Description (API description; HTML for changes).';
COMMENT ON COLUMN reporting.environments.vendor IS 'Vendor (API vendor).';
COMMENT ON COLUMN reporting.environments.environment_mgr IS 'Environment manager (API environmentMgr).';
COMMENT ON COLUMN reporting.environments.is_shared_environment IS 'Shared environment (API isSharedEnvironment).';
COMMENT ON COLUMN reporting.environments.changed_in_warehouse_at IS 'When the record''s content last changed in the warehouse.';
COMMENT ON COLUMN reporting.environments.usage_work_item_id IS 'Usage work item lookup id (API usageWorkItemId); joins the UsedForWorkItem lookup values.';

CREATE VIEW reporting.hosts AS
 SELECT hosts.id AS host_id, hosts.name AS host, hosts.environment_id,
    hosts._last_changed_at AS changed_in_warehouse_at
   FROM plutora.hosts
  WHERE hosts._deleted_at IS NULL;
COMMENT ON VIEW reporting.hosts IS 'Live hosts.';
COMMENT ON COLUMN reporting.hosts.host_id IS 'The host''s uuid (API id / hostID); joins reporting.hosts.host_id.';
COMMENT ON COLUMN reporting.hosts.host IS 'The host''s name (API name).';
COMMENT ON COLUMN reporting.hosts.environment_id IS 'The environment''s uuid (API environmentID / id); joins reporting.environments.environment_id.';
COMMENT ON COLUMN reporting.hosts.changed_in_warehouse_at IS 'When the record''s content last changed in the warehouse.';

CREATE VIEW reporting.host_stack AS
 SELECT e.id AS environment_id, e.name AS environment, h.id AS host_id, h.name AS host, l.layer_id,
    l.stack_layer_id, l.stack_layer, l.stack_layer_type, l.component_name AS component, l.version
   FROM plutora.environments e
     LEFT JOIN plutora.hosts h ON h.environment_id = e.id AND h._deleted_at IS NULL
     LEFT JOIN plutora.host_layers l ON l.host_id = h.id
  WHERE e._deleted_at IS NULL
UNION ALL
 SELECT h.environment_id, NULL::text AS environment, h.id AS host_id, h.name AS host, l.layer_id,
    l.stack_layer_id, l.stack_layer, l.stack_layer_type, l.component_name AS component, l.version
   FROM plutora.hosts h
     LEFT JOIN plutora.host_layers l ON l.host_id = h.id
  WHERE h._deleted_at IS NULL AND NOT (EXISTS ( SELECT 1
           FROM plutora.environments e
          WHERE e.id = h.environment_id));
COMMENT ON VIEW reporting.host_stack IS 'The stack by environment: live environments (also those without hosts), their live hosts and components; hosts whose environment the warehouse lacks have a NULL environment.';
COMMENT ON COLUMN reporting.host_stack.environment_id IS 'The environment''s uuid (API environmentID / id); joins reporting.environments.environment_id.';
COMMENT ON COLUMN reporting.host_stack.environment IS 'The environment''s name (NULL when the warehouse lacks it).';
COMMENT ON COLUMN reporting.host_stack.host_id IS 'The host''s uuid (API id / hostID); joins reporting.hosts.host_id.';
COMMENT ON COLUMN reporting.host_stack.host IS 'The host''s name (API name).';
COMMENT ON COLUMN reporting.host_stack.layer_id IS 'The layer''s uuid (API layers[].id).';
COMMENT ON COLUMN reporting.host_stack.stack_layer_id IS 'Stack layer lookup id (API stackLayerID).';
COMMENT ON COLUMN reporting.host_stack.stack_layer IS 'Stack layer: Application, Database, Middleware, Network, Operating System (API stackLayer).';
COMMENT ON COLUMN reporting.host_stack.stack_layer_type IS 'Always StackLayer (API stackLayerType).';
COMMENT ON COLUMN reporting.host_stack.component IS 'Component (API componentName).';
COMMENT ON COLUMN reporting.host_stack.version IS 'Component version (API version).';

CREATE VIEW reporting.defects AS
 SELECT defects.id AS defect_id, defects.display_id AS defect_display_id, defects.name,
    defects.status, defects.status_id, defects.priority, defects.priority_id, defects.severity,
    defects.severity_id, defects.assigned_to, defects.assigned_to_id, defects.assigned_to_email,
    defects.created_date, defects.last_modified_date,
    defects._last_changed_at AS changed_in_warehouse_at
   FROM plutora.defects
  WHERE defects._deleted_at IS NULL;
COMMENT ON VIEW reporting.defects IS 'Live defects (Plutora Test). Key defect_id; business key defect_display_id.';
COMMENT ON COLUMN reporting.defects.defect_id IS 'The defect''s uuid (API Id); joins reporting.defects.defect_id.';
COMMENT ON COLUMN reporting.defects.defect_display_id IS 'The defect''s display id (API DisplayId, e.g. P-D-1415), its business key.';
COMMENT ON COLUMN reporting.defects.name IS 'Name (API name).';
COMMENT ON COLUMN reporting.defects.status IS 'Status (API status; defects: Status.Value).';
COMMENT ON COLUMN reporting.defects.status_id IS 'Status lookup id (API Status.Id).';
COMMENT ON COLUMN reporting.defects.priority IS 'Priority (API Priority.Value).';
COMMENT ON COLUMN reporting.defects.priority_id IS 'Priority lookup id (API Priority.Id).';
COMMENT ON COLUMN reporting.defects.severity IS 'Severity (API Severity.Value).';
COMMENT ON COLUMN reporting.defects.severity_id IS 'Severity lookup id (API Severity.Id).';
COMMENT ON COLUMN reporting.defects.assigned_to IS 'Assignee''s name (API AssignedTo.Name).';
COMMENT ON COLUMN reporting.defects.assigned_to_id IS 'Assignee''s user uuid (API AssignedTo.Id).';
COMMENT ON COLUMN reporting.defects.assigned_to_email IS 'Assignee''s e-mail (API AssignedTo.Email).';
COMMENT ON COLUMN reporting.defects.created_date IS 'When the defect was created (API CreatedDate); its first status period starts here.';
COMMENT ON COLUMN reporting.defects.last_modified_date IS 'When the record was last modified in Plutora (API lastModifiedDate / LastModifiedDate).';
COMMENT ON COLUMN reporting.defects.changed_in_warehouse_at IS 'When the record''s content last changed in the warehouse.';

CREATE VIEW reporting.defect_fields AS
 SELECT f.defect_id, d.display_id AS defect_display_id, f.ordinal, f.field_id, f.name AS field_name,
    f.data_type, f.string_value
   FROM plutora.defect_fields f
     JOIN plutora.defects d ON d.id = f.defect_id AND d._deleted_at IS NULL;
COMMENT ON VIEW reporting.defect_fields IS 'The fields of live defects.';
COMMENT ON COLUMN reporting.defect_fields.defect_id IS 'The defect''s uuid (API Id); joins reporting.defects.defect_id.';
COMMENT ON COLUMN reporting.defect_fields.defect_display_id IS 'The defect''s display id (API DisplayId, e.g. P-D-1415), its business key.';
COMMENT ON COLUMN reporting.defect_fields.ordinal IS 'Position (1-based) of the element in the record''s array.';
COMMENT ON COLUMN reporting.defect_fields.field_id IS 'The field''s uuid (API id / Id).';
COMMENT ON COLUMN reporting.defect_fields.field_name IS 'The field''s name (API name / Name).';
COMMENT ON COLUMN reporting.defect_fields.data_type IS 'Data type: FreeText, Number, Decimal, ListField, ListSelect, DatePicker, TimePicker, DateTimePicker (API dataType / DataType).';
COMMENT ON COLUMN reporting.defect_fields.string_value IS 'The field''s value as text (API StringValue).';

CREATE VIEW reporting.change_custom_fields AS
 SELECT f.change_id, c.change_number, f.ordinal, f.field_id, f.name AS field_name,
    f.type AS field_type, f.data_type, f.text_value, f.number_value, f.decimal_value, f.date_value,
    f.time_value, f.datetime_value, f.list_item_id, f.list_item_value, f.multi_list_item_ids,
    f.multi_list_item_values,
    COALESCE(f.text_value, f.number_value::text, f.decimal_value::text, f.date_value::text, f.time_value::text, f.datetime_value::text, f.list_item_value, array_to_string(f.multi_list_item_values, ', '::text)) AS value_text
   FROM plutora.change_custom_fields f
     JOIN plutora.changes c ON c.id = f.change_id AND c._deleted_at IS NULL;
COMMENT ON VIEW reporting.change_custom_fields IS 'Custom fields of live changes, a typed value per data type. One field as a column: LEFT JOIN it ON change_id AND field_name = ''…''.';
COMMENT ON COLUMN reporting.change_custom_fields.change_id IS 'The change''s uuid (API id); joins reporting.changes.change_id.';
COMMENT ON COLUMN reporting.change_custom_fields.change_number IS 'The change''s number (API changeId), its business key.';
COMMENT ON COLUMN reporting.change_custom_fields.ordinal IS 'Position (1-based) of the element in the record''s array.';
COMMENT ON COLUMN reporting.change_custom_fields.field_id IS 'The field''s uuid (API id / Id).';
COMMENT ON COLUMN reporting.change_custom_fields.field_name IS 'The field''s name (API name / Name).';
COMMENT ON COLUMN reporting.change_custom_fields.field_type IS 'Change or Release (API type).';
COMMENT ON COLUMN reporting.change_custom_fields.data_type IS 'Data type: FreeText, Number, Decimal, ListField, ListSelect, DatePicker, TimePicker, DateTimePicker (API dataType / DataType).';
COMMENT ON COLUMN reporting.change_custom_fields.text_value IS 'FreeText value (API text).';
COMMENT ON COLUMN reporting.change_custom_fields.number_value IS 'Number value (API number).';
COMMENT ON COLUMN reporting.change_custom_fields.decimal_value IS 'Decimal value (API decimal).';
COMMENT ON COLUMN reporting.change_custom_fields.date_value IS 'DatePicker value, date only (API date).';
COMMENT ON COLUMN reporting.change_custom_fields.time_value IS 'TimePicker value (API time).';
COMMENT ON COLUMN reporting.change_custom_fields.datetime_value IS 'DateTimePicker value (API dateTime).';
COMMENT ON COLUMN reporting.change_custom_fields.list_item_id IS 'ListField item id (API listItem.id).';
COMMENT ON COLUMN reporting.change_custom_fields.list_item_value IS 'ListField item value (API listItem.value).';
COMMENT ON COLUMN reporting.change_custom_fields.multi_list_item_ids IS 'ListSelect item ids (API multiListItem[].id); bridge: reporting.custom_field_list_items.';
COMMENT ON COLUMN reporting.change_custom_fields.multi_list_item_values IS 'ListSelect item values (API multiListItem[].value).';
COMMENT ON COLUMN reporting.change_custom_fields.value_text IS 'The value whatever its data type, as text (lists joined with commas).';

CREATE VIEW reporting.release_custom_fields AS
 SELECT f.release_id, r.identifier AS release_identifier, f.ordinal, f.field_id,
    f.name AS field_name, f.type AS field_type, f.data_type, f.text_value, f.number_value,
    f.decimal_value, f.date_value, f.time_value, f.datetime_value, f.list_item_id, f.list_item_value,
    f.multi_list_item_ids, f.multi_list_item_values,
    COALESCE(f.text_value, f.number_value::text, f.decimal_value::text, f.date_value::text, f.time_value::text, f.datetime_value::text, f.list_item_value, array_to_string(f.multi_list_item_values, ', '::text)) AS value_text
   FROM plutora.release_custom_fields f
     JOIN plutora.releases r ON r.id = f.release_id AND r._deleted_at IS NULL;
COMMENT ON VIEW reporting.release_custom_fields IS 'Custom fields of live releases, a typed value per data type.';
COMMENT ON COLUMN reporting.release_custom_fields.release_id IS 'The release''s uuid (API id / releaseId); joins reporting.releases.release_id.';
COMMENT ON COLUMN reporting.release_custom_fields.release_identifier IS 'The release''s identifier (API identifier, e.g. PR-3561), its business key.';
COMMENT ON COLUMN reporting.release_custom_fields.ordinal IS 'Position (1-based) of the element in the record''s array.';
COMMENT ON COLUMN reporting.release_custom_fields.field_id IS 'The field''s uuid (API id / Id).';
COMMENT ON COLUMN reporting.release_custom_fields.field_name IS 'The field''s name (API name / Name).';
COMMENT ON COLUMN reporting.release_custom_fields.field_type IS 'Change or Release (API type).';
COMMENT ON COLUMN reporting.release_custom_fields.data_type IS 'Data type: FreeText, Number, Decimal, ListField, ListSelect, DatePicker, TimePicker, DateTimePicker (API dataType / DataType).';
COMMENT ON COLUMN reporting.release_custom_fields.text_value IS 'FreeText value (API text).';
COMMENT ON COLUMN reporting.release_custom_fields.number_value IS 'Number value (API number).';
COMMENT ON COLUMN reporting.release_custom_fields.decimal_value IS 'Decimal value (API decimal).';
COMMENT ON COLUMN reporting.release_custom_fields.date_value IS 'DatePicker value, date only (API date).';
COMMENT ON COLUMN reporting.release_custom_fields.time_value IS 'TimePicker value (API time).';
COMMENT ON COLUMN reporting.release_custom_fields.datetime_value IS 'DateTimePicker value (API dateTime).';
COMMENT ON COLUMN reporting.release_custom_fields.list_item_id IS 'ListField item id (API listItem.id).';
COMMENT ON COLUMN reporting.release_custom_fields.list_item_value IS 'ListField item value (API listItem.value).';
COMMENT ON COLUMN reporting.release_custom_fields.multi_list_item_ids IS 'ListSelect item ids (API multiListItem[].id); bridge: reporting.custom_field_list_items.';
COMMENT ON COLUMN reporting.release_custom_fields.multi_list_item_values IS 'ListSelect item values (API multiListItem[].value).';
COMMENT ON COLUMN reporting.release_custom_fields.value_text IS 'The value whatever its data type, as text (lists joined with commas).';

CREATE VIEW reporting.system_custom_fields AS
 SELECT f.system_id, s.name AS system_name, f.ordinal, f.field_id, f.name AS field_name,
    f.type AS field_type, f.data_type, f.text_value, f.number_value, f.decimal_value, f.date_value,
    f.time_value, f.datetime_value, f.list_item_id, f.list_item_value, f.multi_list_item_ids,
    f.multi_list_item_values,
    COALESCE(f.text_value, f.number_value::text, f.decimal_value::text, f.date_value::text, f.time_value::text, f.datetime_value::text, f.list_item_value, array_to_string(f.multi_list_item_values, ', '::text)) AS value_text
   FROM plutora.system_custom_fields f
     JOIN plutora.systems s ON s.id = f.system_id AND s._deleted_at IS NULL;
COMMENT ON VIEW reporting.system_custom_fields IS 'Custom fields of live systems, a typed value per data type.';
COMMENT ON COLUMN reporting.system_custom_fields.system_id IS 'The system''s uuid (API systemId / id); joins reporting.systems.system_id.';
COMMENT ON COLUMN reporting.system_custom_fields.system_name IS 'The system''s name (API systems[].name / name).';
COMMENT ON COLUMN reporting.system_custom_fields.ordinal IS 'Position (1-based) of the element in the record''s array.';
COMMENT ON COLUMN reporting.system_custom_fields.field_id IS 'The field''s uuid (API id / Id).';
COMMENT ON COLUMN reporting.system_custom_fields.field_name IS 'The field''s name (API name / Name).';
COMMENT ON COLUMN reporting.system_custom_fields.field_type IS 'Change or Release (API type).';
COMMENT ON COLUMN reporting.system_custom_fields.data_type IS 'Data type: FreeText, Number, Decimal, ListField, ListSelect, DatePicker, TimePicker, DateTimePicker (API dataType / DataType).';
COMMENT ON COLUMN reporting.system_custom_fields.text_value IS 'FreeText value (API text).';
COMMENT ON COLUMN reporting.system_custom_fields.number_value IS 'Number value (API number).';
COMMENT ON COLUMN reporting.system_custom_fields.decimal_value IS 'Decimal value (API decimal).';
COMMENT ON COLUMN reporting.system_custom_fields.date_value IS 'DatePicker value, date only (API date).';
COMMENT ON COLUMN reporting.system_custom_fields.time_value IS 'TimePicker value (API time).';
COMMENT ON COLUMN reporting.system_custom_fields.datetime_value IS 'DateTimePicker value (API dateTime).';
COMMENT ON COLUMN reporting.system_custom_fields.list_item_id IS 'ListField item id (API listItem.id).';
COMMENT ON COLUMN reporting.system_custom_fields.list_item_value IS 'ListField item value (API listItem.value).';
COMMENT ON COLUMN reporting.system_custom_fields.multi_list_item_ids IS 'ListSelect item ids (API multiListItem[].id); bridge: reporting.custom_field_list_items.';
COMMENT ON COLUMN reporting.system_custom_fields.multi_list_item_values IS 'ListSelect item values (API multiListItem[].value).';
COMMENT ON COLUMN reporting.system_custom_fields.value_text IS 'The value whatever its data type, as text (lists joined with commas).';

CREATE VIEW reporting.custom_fields AS
 SELECT 'changes'::text AS entity, change_custom_fields.change_id AS record_id,
    change_custom_fields.ordinal, change_custom_fields.field_id, change_custom_fields.field_name,
    change_custom_fields.field_type, change_custom_fields.data_type, change_custom_fields.text_value,
    change_custom_fields.number_value, change_custom_fields.decimal_value,
    change_custom_fields.date_value, change_custom_fields.time_value,
    change_custom_fields.datetime_value, change_custom_fields.list_item_id,
    change_custom_fields.list_item_value, change_custom_fields.multi_list_item_ids,
    change_custom_fields.multi_list_item_values, change_custom_fields.value_text
   FROM reporting.change_custom_fields
UNION ALL
 SELECT 'releases'::text AS entity, release_custom_fields.release_id AS record_id,
    release_custom_fields.ordinal, release_custom_fields.field_id, release_custom_fields.field_name,
    release_custom_fields.field_type, release_custom_fields.data_type,
    release_custom_fields.text_value, release_custom_fields.number_value,
    release_custom_fields.decimal_value, release_custom_fields.date_value,
    release_custom_fields.time_value, release_custom_fields.datetime_value,
    release_custom_fields.list_item_id, release_custom_fields.list_item_value,
    release_custom_fields.multi_list_item_ids, release_custom_fields.multi_list_item_values,
    release_custom_fields.value_text
   FROM reporting.release_custom_fields
UNION ALL
 SELECT 'systems'::text AS entity, system_custom_fields.system_id AS record_id,
    system_custom_fields.ordinal, system_custom_fields.field_id, system_custom_fields.field_name,
    system_custom_fields.field_type, system_custom_fields.data_type, system_custom_fields.text_value,
    system_custom_fields.number_value, system_custom_fields.decimal_value,
    system_custom_fields.date_value, system_custom_fields.time_value,
    system_custom_fields.datetime_value, system_custom_fields.list_item_id,
    system_custom_fields.list_item_value, system_custom_fields.multi_list_item_ids,
    system_custom_fields.multi_list_item_values, system_custom_fields.value_text
   FROM reporting.system_custom_fields;
COMMENT ON VIEW reporting.custom_fields IS 'All custom fields of live changes, releases and systems in one long view (entity, record_id).';
COMMENT ON COLUMN reporting.custom_fields.entity IS 'The entity: changes, releases, environments, hosts, systems or defects.';
COMMENT ON COLUMN reporting.custom_fields.record_id IS 'The uuid of the record (in quarantine: as text, when the record had one).';
COMMENT ON COLUMN reporting.custom_fields.ordinal IS 'Position (1-based) of the element in the record''s array.';
COMMENT ON COLUMN reporting.custom_fields.field_id IS 'The field''s uuid (API id / Id).';
COMMENT ON COLUMN reporting.custom_fields.field_name IS 'The field''s name (API name / Name).';
COMMENT ON COLUMN reporting.custom_fields.field_type IS 'Change or Release (API type).';
COMMENT ON COLUMN reporting.custom_fields.data_type IS 'Data type: FreeText, Number, Decimal, ListField, ListSelect, DatePicker, TimePicker, DateTimePicker (API dataType / DataType).';
COMMENT ON COLUMN reporting.custom_fields.text_value IS 'FreeText value (API text).';
COMMENT ON COLUMN reporting.custom_fields.number_value IS 'Number value (API number).';
COMMENT ON COLUMN reporting.custom_fields.decimal_value IS 'Decimal value (API decimal).';
COMMENT ON COLUMN reporting.custom_fields.date_value IS 'DatePicker value, date only (API date).';
COMMENT ON COLUMN reporting.custom_fields.time_value IS 'TimePicker value (API time).';
COMMENT ON COLUMN reporting.custom_fields.datetime_value IS 'DateTimePicker value (API dateTime).';
COMMENT ON COLUMN reporting.custom_fields.list_item_id IS 'ListField item id (API listItem.id).';
COMMENT ON COLUMN reporting.custom_fields.list_item_value IS 'ListField item value (API listItem.value).';
COMMENT ON COLUMN reporting.custom_fields.multi_list_item_ids IS 'ListSelect item ids (API multiListItem[].id); bridge: reporting.custom_field_list_items.';
COMMENT ON COLUMN reporting.custom_fields.multi_list_item_values IS 'ListSelect item values (API multiListItem[].value).';
COMMENT ON COLUMN reporting.custom_fields.value_text IS 'The value whatever its data type, as text (lists joined with commas).';

CREATE VIEW reporting.custom_field_list_items AS
 SELECT f.entity, f.record_id, f.ordinal, f.field_id, f.field_name, i.list_item_id,
    i.list_item_value
   FROM reporting.custom_fields f
     CROSS JOIN LATERAL UNNEST(f.multi_list_item_ids, f.multi_list_item_values) i(list_item_id, list_item_value);
COMMENT ON VIEW reporting.custom_field_list_items IS 'Bridge: one row per item chosen in a multi-select custom field.';
COMMENT ON COLUMN reporting.custom_field_list_items.entity IS 'The entity: changes, releases, environments, hosts, systems or defects.';
COMMENT ON COLUMN reporting.custom_field_list_items.record_id IS 'The uuid of the record (in quarantine: as text, when the record had one).';
COMMENT ON COLUMN reporting.custom_field_list_items.ordinal IS 'Position (1-based) of the element in the record''s array.';
COMMENT ON COLUMN reporting.custom_field_list_items.field_id IS 'The field''s uuid (API id / Id).';
COMMENT ON COLUMN reporting.custom_field_list_items.field_name IS 'The field''s name (API name / Name).';
COMMENT ON COLUMN reporting.custom_field_list_items.list_item_id IS 'ListField item id (API listItem.id).';
COMMENT ON COLUMN reporting.custom_field_list_items.list_item_value IS 'ListField item value (API listItem.value).';

CREATE VIEW reporting.change_status_history AS
 SELECT p.id AS change_id, c.change_number, p.status AS change_status,
    p.status_id AS change_status_id, p.valid_from, p.valid_to,
    COALESCE(p.valid_to, now()) - p.valid_from AS time_in_status
   FROM plutora.changes_status_periods p
     JOIN plutora.changes c ON c.id = p.id AND c._deleted_at IS NULL;
COMMENT ON VIEW reporting.change_status_history IS 'Status periods of live changes (valid_to NULL: still holds). Status at time X: valid_from <= X AND (valid_to > X OR valid_to IS NULL).';
COMMENT ON COLUMN reporting.change_status_history.change_id IS 'The change''s uuid (API id); joins reporting.changes.change_id.';
COMMENT ON COLUMN reporting.change_status_history.change_number IS 'The change''s number (API changeId), its business key.';
COMMENT ON COLUMN reporting.change_status_history.change_status IS 'Status name (API changeStatus).';
COMMENT ON COLUMN reporting.change_status_history.change_status_id IS 'Status lookup id (API changeStatusId; the all-zero GUID is NULL).';
COMMENT ON COLUMN reporting.change_status_history.valid_from IS 'When this version or period began.';
COMMENT ON COLUMN reporting.change_status_history.valid_to IS 'When this version or period ended (NULL: it still holds).';
COMMENT ON COLUMN reporting.change_status_history.time_in_status IS 'How long the status held (an open period: until now).';

CREATE VIEW reporting.release_status_history AS
 SELECT p.id AS release_id, r.identifier AS release_identifier, p.status AS release_status,
    p.status_id AS release_status_id, p.valid_from, p.valid_to,
    COALESCE(p.valid_to, now()) - p.valid_from AS time_in_status
   FROM plutora.releases_status_periods p
     JOIN plutora.releases r ON r.id = p.id AND r._deleted_at IS NULL;
COMMENT ON VIEW reporting.release_status_history IS 'Status periods of live releases (valid_to NULL: still holds).';
COMMENT ON COLUMN reporting.release_status_history.release_id IS 'The release''s uuid (API id / releaseId); joins reporting.releases.release_id.';
COMMENT ON COLUMN reporting.release_status_history.release_identifier IS 'The release''s identifier (API identifier, e.g. PR-3561), its business key.';
COMMENT ON COLUMN reporting.release_status_history.release_status IS 'Release status name (API releaseStatusType).';
COMMENT ON COLUMN reporting.release_status_history.release_status_id IS 'Release status lookup id (API releaseStatusTypeId).';
COMMENT ON COLUMN reporting.release_status_history.valid_from IS 'When this version or period began.';
COMMENT ON COLUMN reporting.release_status_history.valid_to IS 'When this version or period ended (NULL: it still holds).';
COMMENT ON COLUMN reporting.release_status_history.time_in_status IS 'How long the status held (an open period: until now).';

CREATE VIEW reporting.defect_status_history AS
 SELECT p.id AS defect_id, d.display_id AS defect_display_id, p.status, p.status_id, p.valid_from,
    p.valid_to, COALESCE(p.valid_to, now()) - p.valid_from AS time_in_status
   FROM plutora.defects_status_periods p
     JOIN plutora.defects d ON d.id = p.id AND d._deleted_at IS NULL;
COMMENT ON VIEW reporting.defect_status_history IS 'Status periods of live defects (valid_to NULL: still holds).';
COMMENT ON COLUMN reporting.defect_status_history.defect_id IS 'The defect''s uuid (API Id); joins reporting.defects.defect_id.';
COMMENT ON COLUMN reporting.defect_status_history.defect_display_id IS 'The defect''s display id (API DisplayId, e.g. P-D-1415), its business key.';
COMMENT ON COLUMN reporting.defect_status_history.status IS 'Status (API status; defects: Status.Value).';
COMMENT ON COLUMN reporting.defect_status_history.status_id IS 'Status lookup id (API Status.Id).';
COMMENT ON COLUMN reporting.defect_status_history.valid_from IS 'When this version or period began.';
COMMENT ON COLUMN reporting.defect_status_history.valid_to IS 'When this version or period ended (NULL: it still holds).';
COMMENT ON COLUMN reporting.defect_status_history.time_in_status IS 'How long the status held (an open period: until now).';

CREATE VIEW reporting.change_time_in_status AS
 SELECT change_status_history.change_id, change_status_history.change_number,
    change_status_history.change_status, count(*) AS periods,
    sum(change_status_history.time_in_status) AS time_in_status
   FROM reporting.change_status_history
  GROUP BY change_status_history.change_id, change_status_history.change_number, change_status_history.change_status;
COMMENT ON VIEW reporting.change_time_in_status IS 'Time each live change spent in each status, periods summed (an open one up to now).';
COMMENT ON COLUMN reporting.change_time_in_status.change_id IS 'The change''s uuid (API id); joins reporting.changes.change_id.';
COMMENT ON COLUMN reporting.change_time_in_status.change_number IS 'The change''s number (API changeId), its business key.';
COMMENT ON COLUMN reporting.change_time_in_status.change_status IS 'Status name (API changeStatus).';
COMMENT ON COLUMN reporting.change_time_in_status.periods IS 'How many periods the record spent in the status.';
COMMENT ON COLUMN reporting.change_time_in_status.time_in_status IS 'How long the status held (an open period: until now).';

CREATE VIEW reporting.release_time_in_status AS
 SELECT release_status_history.release_id, release_status_history.release_identifier,
    release_status_history.release_status, count(*) AS periods,
    sum(release_status_history.time_in_status) AS time_in_status
   FROM reporting.release_status_history
  GROUP BY release_status_history.release_id, release_status_history.release_identifier, release_status_history.release_status;
COMMENT ON VIEW reporting.release_time_in_status IS 'Time each live release spent in each status.';
COMMENT ON COLUMN reporting.release_time_in_status.release_id IS 'The release''s uuid (API id / releaseId); joins reporting.releases.release_id.';
COMMENT ON COLUMN reporting.release_time_in_status.release_identifier IS 'The release''s identifier (API identifier, e.g. PR-3561), its business key.';
COMMENT ON COLUMN reporting.release_time_in_status.release_status IS 'Release status name (API releaseStatusType).';
COMMENT ON COLUMN reporting.release_time_in_status.periods IS 'How many periods the record spent in the status.';
COMMENT ON COLUMN reporting.release_time_in_status.time_in_status IS 'How long the status held (an open period: until now).';

CREATE VIEW reporting.defect_time_in_status AS
 SELECT defect_status_history.defect_id, defect_status_history.defect_display_id,
    defect_status_history.status, count(*) AS periods,
    sum(defect_status_history.time_in_status) AS time_in_status
   FROM reporting.defect_status_history
  GROUP BY defect_status_history.defect_id, defect_status_history.defect_display_id, defect_status_history.status;
COMMENT ON VIEW reporting.defect_time_in_status IS 'Time each live defect spent in each status.';
COMMENT ON COLUMN reporting.defect_time_in_status.defect_id IS 'The defect''s uuid (API Id); joins reporting.defects.defect_id.';
COMMENT ON COLUMN reporting.defect_time_in_status.defect_display_id IS 'The defect''s display id (API DisplayId, e.g. P-D-1415), its business key.';
COMMENT ON COLUMN reporting.defect_time_in_status.status IS 'Status (API status; defects: Status.Value).';
COMMENT ON COLUMN reporting.defect_time_in_status.periods IS 'How many periods the record spent in the status.';
COMMENT ON COLUMN reporting.defect_time_in_status.time_in_status IS 'How long the status held (an open period: until now).';

CREATE VIEW reporting.change_status_daily AS
 WITH ev AS (
         SELECT change_status_history.change_status AS status,
            change_status_history.valid_from::date AS day, 1 AS delta
           FROM reporting.change_status_history
        UNION ALL
         SELECT change_status_history.change_status,
            change_status_history.valid_to::date AS valid_to, '-1'::integer
           FROM reporting.change_status_history
          WHERE change_status_history.valid_to IS NOT NULL
        ), per_day AS (
         SELECT ev.status, ev.day, sum(ev.delta) AS delta
           FROM ev
          GROUP BY ev.status, ev.day
        ), grid AS (
         SELECT s.status, d.d::date AS day
           FROM ( SELECT DISTINCT per_day.status
                   FROM per_day) s,
            generate_series((( SELECT min(per_day.day) AS min
                   FROM per_day))::timestamp with time zone, CURRENT_DATE::timestamp with time zone, '1 day'::interval) d(d)
        )
 SELECT g.day, g.status AS change_status,
    sum(COALESCE(p.delta, 0::bigint)) OVER (PARTITION BY g.status ORDER BY g.day)::bigint AS changes
   FROM grid g
     LEFT JOIN per_day p ON NOT p.status IS DISTINCT FROM g.status AND p.day = g.day;
COMMENT ON VIEW reporting.change_status_daily IS 'Live changes per status at the end of each day (session time zone), from the first period to today.';
COMMENT ON COLUMN reporting.change_status_daily.day IS 'The day (session time zone); counts are at its end.';
COMMENT ON COLUMN reporting.change_status_daily.change_status IS 'Status name (API changeStatus).';
COMMENT ON COLUMN reporting.change_status_daily.changes IS 'Live changes in the status at the end of the day.';

CREATE VIEW reporting.release_status_daily AS
 WITH ev AS (
         SELECT release_status_history.release_status AS status,
            release_status_history.valid_from::date AS day, 1 AS delta
           FROM reporting.release_status_history
        UNION ALL
         SELECT release_status_history.release_status,
            release_status_history.valid_to::date AS valid_to, '-1'::integer
           FROM reporting.release_status_history
          WHERE release_status_history.valid_to IS NOT NULL
        ), per_day AS (
         SELECT ev.status, ev.day, sum(ev.delta) AS delta
           FROM ev
          GROUP BY ev.status, ev.day
        ), grid AS (
         SELECT s.status, d.d::date AS day
           FROM ( SELECT DISTINCT per_day.status
                   FROM per_day) s,
            generate_series((( SELECT min(per_day.day) AS min
                   FROM per_day))::timestamp with time zone, CURRENT_DATE::timestamp with time zone, '1 day'::interval) d(d)
        )
 SELECT g.day, g.status AS release_status,
    sum(COALESCE(p.delta, 0::bigint)) OVER (PARTITION BY g.status ORDER BY g.day)::bigint AS releases
   FROM grid g
     LEFT JOIN per_day p ON NOT p.status IS DISTINCT FROM g.status AND p.day = g.day;
COMMENT ON VIEW reporting.release_status_daily IS 'Live releases per status at the end of each day.';
COMMENT ON COLUMN reporting.release_status_daily.day IS 'The day (session time zone); counts are at its end.';
COMMENT ON COLUMN reporting.release_status_daily.release_status IS 'Release status name (API releaseStatusType).';
COMMENT ON COLUMN reporting.release_status_daily.releases IS 'Live releases in the status at the end of the day.';

CREATE VIEW reporting.defect_status_daily AS
 WITH ev AS (
         SELECT defect_status_history.status, defect_status_history.valid_from::date AS day,
            1 AS delta
           FROM reporting.defect_status_history
        UNION ALL
         SELECT defect_status_history.status, defect_status_history.valid_to::date AS valid_to,
            '-1'::integer
           FROM reporting.defect_status_history
          WHERE defect_status_history.valid_to IS NOT NULL
        ), per_day AS (
         SELECT ev.status, ev.day, sum(ev.delta) AS delta
           FROM ev
          GROUP BY ev.status, ev.day
        ), grid AS (
         SELECT s.status, d.d::date AS day
           FROM ( SELECT DISTINCT per_day.status
                   FROM per_day) s,
            generate_series((( SELECT min(per_day.day) AS min
                   FROM per_day))::timestamp with time zone, CURRENT_DATE::timestamp with time zone, '1 day'::interval) d(d)
        )
 SELECT g.day, g.status,
    sum(COALESCE(p.delta, 0::bigint)) OVER (PARTITION BY g.status ORDER BY g.day)::bigint AS defects
   FROM grid g
     LEFT JOIN per_day p ON NOT p.status IS DISTINCT FROM g.status AND p.day = g.day;
COMMENT ON VIEW reporting.defect_status_daily IS 'Live defects per status at the end of each day.';
COMMENT ON COLUMN reporting.defect_status_daily.day IS 'The day (session time zone); counts are at its end.';
COMMENT ON COLUMN reporting.defect_status_daily.status IS 'Status (API status; defects: Status.Value).';
COMMENT ON COLUMN reporting.defect_status_daily.defects IS 'Live defects in the status at the end of the day.';

CREATE VIEW reporting.change_versions AS
 SELECT h.id AS change_id, h.change_number, h.name, h.change_status, h.change_status_id,
    h.change_priority, h.change_type, h.change_delivery_risk, h.change_theme, h.business_value_score,
    h.raised_by, h.raised_date, h.organization, h.expected_delivery_date, h.last_modified_date,
    h.last_modified_by, h.valid_from, h.valid_to, false AS is_current, h._run_id AS run_id
   FROM plutora.changes_history h
  WHERE (EXISTS ( SELECT 1
           FROM plutora.changes c
          WHERE c.id = h.id AND c._deleted_at IS NULL))
UNION ALL
 SELECT changes.id AS change_id, changes.change_number, changes.name, changes.change_status,
    changes.change_status_id, changes.change_priority, changes.change_type,
    changes.change_delivery_risk, changes.change_theme, changes.business_value_score,
    changes.raised_by, changes.raised_date, changes.organization, changes.expected_delivery_date,
    changes.last_modified_date, changes.last_modified_by,
    COALESCE(changes.last_modified_date, changes._last_changed_at) AS valid_from,
    NULL::timestamp with time zone AS valid_to, true AS is_current, changes._run_id AS run_id
   FROM plutora.changes
  WHERE changes._deleted_at IS NULL;
COMMENT ON VIEW reporting.change_versions IS 'Every version of a live change, typed: its history plus the current row (is_current).';
COMMENT ON COLUMN reporting.change_versions.change_id IS 'The change''s uuid (API id); joins reporting.changes.change_id.';
COMMENT ON COLUMN reporting.change_versions.change_number IS 'The change''s number (API changeId), its business key.';
COMMENT ON COLUMN reporting.change_versions.name IS 'Name (API name).';
COMMENT ON COLUMN reporting.change_versions.change_status IS 'Status name (API changeStatus).';
COMMENT ON COLUMN reporting.change_versions.change_status_id IS 'Status lookup id (API changeStatusId; the all-zero GUID is NULL).';
COMMENT ON COLUMN reporting.change_versions.change_priority IS 'Priority name (API changePriority).';
COMMENT ON COLUMN reporting.change_versions.change_type IS 'Type name (API changeType).';
COMMENT ON COLUMN reporting.change_versions.change_delivery_risk IS 'Delivery risk name (API changeDeliveryRisk).';
COMMENT ON COLUMN reporting.change_versions.change_theme IS 'Theme name (API changeTheme).';
COMMENT ON COLUMN reporting.change_versions.business_value_score IS 'Business value score (API businessValueScore).';
COMMENT ON COLUMN reporting.change_versions.raised_by IS 'Who raised the change (API raisedBy).';
COMMENT ON COLUMN reporting.change_versions.raised_date IS 'When the change was raised (API raisedDate); its first status period starts here.';
COMMENT ON COLUMN reporting.change_versions.organization IS 'The organization''s name (API organization).';
COMMENT ON COLUMN reporting.change_versions.expected_delivery_date IS 'Expected delivery date, date only (API expectedDeliveryDate).';
COMMENT ON COLUMN reporting.change_versions.last_modified_date IS 'When the record was last modified in Plutora (API lastModifiedDate / LastModifiedDate).';
COMMENT ON COLUMN reporting.change_versions.last_modified_by IS 'Who last modified the record (API lastModifiedBy).';
COMMENT ON COLUMN reporting.change_versions.valid_from IS 'When this version or period began.';
COMMENT ON COLUMN reporting.change_versions.valid_to IS 'When this version or period ended (NULL: it still holds).';
COMMENT ON COLUMN reporting.change_versions.is_current IS 'The current version (the entity row), not a history row.';
COMMENT ON COLUMN reporting.change_versions.run_id IS 'The run (plutora_sync.runs.id).';

CREATE VIEW reporting.release_versions AS
 SELECT h.id AS release_id, h.identifier AS release_identifier, h.name,
    h.release_status_type AS release_status, h.release_status_type_id AS release_status_id,
    h.release_type, h.release_risk_level, h.implementation_date, h.parent_release_id,
    h.last_modified_date, h.valid_from, h.valid_to, false AS is_current, h._run_id AS run_id
   FROM plutora.releases_history h
  WHERE (EXISTS ( SELECT 1
           FROM plutora.releases r
          WHERE r.id = h.id AND r._deleted_at IS NULL))
UNION ALL
 SELECT releases.id AS release_id, releases.identifier AS release_identifier, releases.name,
    releases.release_status_type AS release_status,
    releases.release_status_type_id AS release_status_id, releases.release_type,
    releases.release_risk_level, releases.implementation_date, releases.parent_release_id,
    releases.last_modified_date,
    COALESCE(releases.last_modified_date, releases._last_changed_at) AS valid_from,
    NULL::timestamp with time zone AS valid_to, true AS is_current, releases._run_id AS run_id
   FROM plutora.releases
  WHERE releases._deleted_at IS NULL;
COMMENT ON VIEW reporting.release_versions IS 'Every version of a live release, typed: its history plus the current row.';
COMMENT ON COLUMN reporting.release_versions.release_id IS 'The release''s uuid (API id / releaseId); joins reporting.releases.release_id.';
COMMENT ON COLUMN reporting.release_versions.release_identifier IS 'The release''s identifier (API identifier, e.g. PR-3561), its business key.';
COMMENT ON COLUMN reporting.release_versions.name IS 'Name (API name).';
COMMENT ON COLUMN reporting.release_versions.release_status IS 'Release status name (API releaseStatusType).';
COMMENT ON COLUMN reporting.release_versions.release_status_id IS 'Release status lookup id (API releaseStatusTypeId).';
COMMENT ON COLUMN reporting.release_versions.release_type IS 'Release type name (API releaseType).';
COMMENT ON COLUMN reporting.release_versions.release_risk_level IS 'Risk level name (API releaseRiskLevel).';
COMMENT ON COLUMN reporting.release_versions.implementation_date IS 'Implementation (go-live) date, date only (API implementationDate).';
COMMENT ON COLUMN reporting.release_versions.parent_release_id IS 'The parent release''s uuid (API parentReleaseId); joins release_id.';
COMMENT ON COLUMN reporting.release_versions.last_modified_date IS 'When the record was last modified in Plutora (API lastModifiedDate / LastModifiedDate).';
COMMENT ON COLUMN reporting.release_versions.valid_from IS 'When this version or period began.';
COMMENT ON COLUMN reporting.release_versions.valid_to IS 'When this version or period ended (NULL: it still holds).';
COMMENT ON COLUMN reporting.release_versions.is_current IS 'The current version (the entity row), not a history row.';
COMMENT ON COLUMN reporting.release_versions.run_id IS 'The run (plutora_sync.runs.id).';

CREATE VIEW reporting.defect_versions AS
 SELECT h.id AS defect_id, h.display_id AS defect_display_id, h.name, h.status, h.status_id,
    h.priority, h.severity, h.assigned_to, h.assigned_to_id, h.last_modified_date, h.valid_from,
    h.valid_to, false AS is_current, h._run_id AS run_id
   FROM plutora.defects_history h
  WHERE (EXISTS ( SELECT 1
           FROM plutora.defects d
          WHERE d.id = h.id AND d._deleted_at IS NULL))
UNION ALL
 SELECT defects.id AS defect_id, defects.display_id AS defect_display_id, defects.name,
    defects.status, defects.status_id, defects.priority, defects.severity, defects.assigned_to,
    defects.assigned_to_id, defects.last_modified_date,
    COALESCE(defects.last_modified_date, defects._last_changed_at) AS valid_from,
    NULL::timestamp with time zone AS valid_to, true AS is_current, defects._run_id AS run_id
   FROM plutora.defects
  WHERE defects._deleted_at IS NULL;
COMMENT ON VIEW reporting.defect_versions IS 'Every version of a live defect, typed: its history plus the current row.';
COMMENT ON COLUMN reporting.defect_versions.defect_id IS 'The defect''s uuid (API Id); joins reporting.defects.defect_id.';
COMMENT ON COLUMN reporting.defect_versions.defect_display_id IS 'The defect''s display id (API DisplayId, e.g. P-D-1415), its business key.';
COMMENT ON COLUMN reporting.defect_versions.name IS 'Name (API name).';
COMMENT ON COLUMN reporting.defect_versions.status IS 'Status (API status; defects: Status.Value).';
COMMENT ON COLUMN reporting.defect_versions.status_id IS 'Status lookup id (API Status.Id).';
COMMENT ON COLUMN reporting.defect_versions.priority IS 'Priority (API Priority.Value).';
COMMENT ON COLUMN reporting.defect_versions.severity IS 'Severity (API Severity.Value).';
COMMENT ON COLUMN reporting.defect_versions.assigned_to IS 'Assignee''s name (API AssignedTo.Name).';
COMMENT ON COLUMN reporting.defect_versions.assigned_to_id IS 'Assignee''s user uuid (API AssignedTo.Id).';
COMMENT ON COLUMN reporting.defect_versions.last_modified_date IS 'When the record was last modified in Plutora (API lastModifiedDate / LastModifiedDate).';
COMMENT ON COLUMN reporting.defect_versions.valid_from IS 'When this version or period began.';
COMMENT ON COLUMN reporting.defect_versions.valid_to IS 'When this version or period ended (NULL: it still holds).';
COMMENT ON COLUMN reporting.defect_versions.is_current IS 'The current version (the entity row), not a history row.';
COMMENT ON COLUMN reporting.defect_versions.run_id IS 'The run (plutora_sync.runs.id).';

CREATE VIEW reporting.organizations AS
 SELECT organizations.id AS organization_id, organizations.name,
    organizations.type AS organization_type,
    organizations._last_changed_at AS changed_in_warehouse_at
   FROM plutora.organizations
  WHERE organizations._deleted_at IS NULL;
COMMENT ON VIEW reporting.organizations IS 'Live organizations. Key organization_id: joins the organization_id of changes, releases and systems.';
COMMENT ON COLUMN reporting.organizations.organization_id IS 'The organization''s uuid (API id); joins organization_id elsewhere.';
COMMENT ON COLUMN reporting.organizations.name IS 'The organization''s name (API name).';
COMMENT ON COLUMN reporting.organizations.organization_type IS 'The organization''s type, such as Company or Department (API type).';
COMMENT ON COLUMN reporting.organizations.changed_in_warehouse_at IS 'When the record''s content last changed in the warehouse.';

CREATE VIEW reporting.users AS
 SELECT users.id AS user_id, users.user_name, users.first_name, users.last_name, users.email,
    users._last_changed_at AS changed_in_warehouse_at
   FROM plutora.users
  WHERE users._deleted_at IS NULL;
COMMENT ON VIEW reporting.users IS 'Live users. Key user_id: joins raised_by_id, manager_id, a stakeholder''s user_id, assigned_to_id.';
COMMENT ON COLUMN reporting.users.user_id IS 'The user''s uuid (API id); joins raised_by_id, manager_id, user_id, assigned_to_id.';
COMMENT ON COLUMN reporting.users.user_name IS 'The user''s login name (API userName).';
COMMENT ON COLUMN reporting.users.first_name IS 'The user''s first name (API firstName).';
COMMENT ON COLUMN reporting.users.last_name IS 'The user''s last name (API lastName).';
COMMENT ON COLUMN reporting.users.email IS 'The user''s e-mail (API email; field assumed, NULL when the site does not send it).';
COMMENT ON COLUMN reporting.users.changed_in_warehouse_at IS 'When the record''s content last changed in the warehouse.';

CREATE VIEW reporting.lookup_values AS
 SELECT lookup_values.id AS lookup_value_id, lookup_values.type AS lookup_type, lookup_values.value,
    lookup_values.sort_order, lookup_values._last_changed_at AS changed_in_warehouse_at
   FROM plutora.lookup_values
  WHERE lookup_values._deleted_at IS NULL;
COMMENT ON VIEW reporting.lookup_values IS 'Live lookup values of every type, with their sort order. Key lookup_value_id: joins every *_status_id, *_type_id, *_priority_id, stack_layer_id, stakeholder_role_id.';
COMMENT ON COLUMN reporting.lookup_values.lookup_value_id IS 'The value''s uuid (API id); joins the *_id of a lookup (status, type, priority, risk, theme, stack layer, role).';
COMMENT ON COLUMN reporting.lookup_values.lookup_type IS 'The lookup type, such as ChangeStatus or StackLayer (API type).';
COMMENT ON COLUMN reporting.lookup_values.value IS 'The value''s text (API value).';
COMMENT ON COLUMN reporting.lookup_values.sort_order IS 'The value''s place in its type''s list (API sortOrder): ORDER BY it to list statuses in workflow order.';
COMMENT ON COLUMN reporting.lookup_values.changed_in_warehouse_at IS 'When the record''s content last changed in the warehouse.';

CREATE VIEW reporting.environment_group_members AS
 SELECT m.group_id AS environment_group_id, g.name AS environment_group, m.ordinal, m.environment_id,
    e.name AS environment
   FROM plutora.environment_group_members m
     JOIN plutora.environment_groups g ON g.id = m.group_id AND g._deleted_at IS NULL
     LEFT JOIN plutora.environments e ON e.id = m.environment_id AND e._deleted_at IS NULL;
COMMENT ON VIEW reporting.environment_group_members IS 'One row per environment of a live environment group.';
COMMENT ON COLUMN reporting.environment_group_members.environment_group_id IS 'The group''s uuid; joins reporting.environment_groups.';
COMMENT ON COLUMN reporting.environment_group_members.environment_group IS 'The group''s name.';
COMMENT ON COLUMN reporting.environment_group_members.ordinal IS 'Position (1-based) of the environment in the group''s list.';
COMMENT ON COLUMN reporting.environment_group_members.environment_id IS 'The member environment''s uuid; joins reporting.environments.environment_id.';
COMMENT ON COLUMN reporting.environment_group_members.environment IS 'The environment''s name (NULL when the warehouse does not hold it live).';

CREATE VIEW reporting.change_references AS
 SELECT c.id AS change_id, c.change_number, st.sort_order AS change_status_sort_order,
    pr.sort_order AS change_priority_sort_order, ty.sort_order AS change_type_sort_order,
    ri.sort_order AS change_delivery_risk_sort_order, th.sort_order AS change_theme_sort_order,
    NULLIF(concat_ws(' '::text, u.first_name, u.last_name), ''::text) AS raised_by_name,
    u.email AS raised_by_email, o.name AS organization_name, o.type AS organization_type
   FROM plutora.changes c
     LEFT JOIN plutora.lookup_values st ON st.id = c.change_status_id AND st._deleted_at IS NULL
     LEFT JOIN plutora.lookup_values pr ON pr.id = c.change_priority_id AND pr._deleted_at IS NULL
     LEFT JOIN plutora.lookup_values ty ON ty.id = c.change_type_id AND ty._deleted_at IS NULL
     LEFT JOIN plutora.lookup_values ri ON ri.id = c.change_delivery_risk_id AND ri._deleted_at IS NULL
     LEFT JOIN plutora.lookup_values th ON th.id = c.change_theme_id AND th._deleted_at IS NULL
     LEFT JOIN plutora.users u ON u.id = c.raised_by_id AND u._deleted_at IS NULL
     LEFT JOIN plutora.organizations o ON o.id = c.organization_id AND o._deleted_at IS NULL
  WHERE c._deleted_at IS NULL;
COMMENT ON VIEW reporting.change_references IS 'What a live change''s ids resolve to: lookup sort orders, who raised it, its organization. JOIN USING (change_id).';
COMMENT ON COLUMN reporting.change_references.change_id IS 'The change''s uuid (API id); joins reporting.changes.change_id.';
COMMENT ON COLUMN reporting.change_references.change_number IS 'The change''s number (API changeId), its business key.';
COMMENT ON COLUMN reporting.change_references.change_status_sort_order IS 'Sort order of the change''s status (lookup ChangeStatus).';
COMMENT ON COLUMN reporting.change_references.change_priority_sort_order IS 'Sort order of the change''s priority (lookup ChangePriority).';
COMMENT ON COLUMN reporting.change_references.change_type_sort_order IS 'Sort order of the change''s type (lookup ChangeType).';
COMMENT ON COLUMN reporting.change_references.change_delivery_risk_sort_order IS 'Sort order of the change''s delivery risk (lookup ChangeDeliveryRisk).';
COMMENT ON COLUMN reporting.change_references.change_theme_sort_order IS 'Sort order of the change''s theme (lookup ChangeTheme).';
COMMENT ON COLUMN reporting.change_references.raised_by_name IS 'The first and last name of the user who raised the change (users, by raised_by_id).';
COMMENT ON COLUMN reporting.change_references.raised_by_email IS 'The e-mail of the user who raised the change.';
COMMENT ON COLUMN reporting.change_references.organization_name IS 'The organization''s name in the reference data (by organization_id).';
COMMENT ON COLUMN reporting.change_references.organization_type IS 'The organization''s type, such as Company or Department.';

CREATE VIEW reporting.release_references AS
 SELECT r.id AS release_id, r.identifier AS release_identifier,
    st.sort_order AS release_status_sort_order, ty.sort_order AS release_type_sort_order,
    ri.sort_order AS release_risk_level_sort_order,
    NULLIF(concat_ws(' '::text, u.first_name, u.last_name), ''::text) AS manager_name,
    u.email AS manager_email, o.name AS organization_name, o.type AS organization_type
   FROM plutora.releases r
     LEFT JOIN plutora.lookup_values st ON st.id = r.release_status_type_id AND st._deleted_at IS NULL
     LEFT JOIN plutora.lookup_values ty ON ty.id = r.release_type_id AND ty._deleted_at IS NULL
     LEFT JOIN plutora.lookup_values ri ON ri.id = r.release_risk_level_id AND ri._deleted_at IS NULL
     LEFT JOIN plutora.users u ON u.id = r.manager_id AND u._deleted_at IS NULL
     LEFT JOIN plutora.organizations o ON o.id = r.organization_id AND o._deleted_at IS NULL
  WHERE r._deleted_at IS NULL;
COMMENT ON VIEW reporting.release_references IS 'What a live release''s ids resolve to: lookup sort orders, its manager, its organization. JOIN USING (release_id).';
COMMENT ON COLUMN reporting.release_references.release_id IS 'The release''s uuid (API id / releaseId); joins reporting.releases.release_id.';
COMMENT ON COLUMN reporting.release_references.release_identifier IS 'The release''s identifier (API identifier, e.g. PR-3561), its business key.';
COMMENT ON COLUMN reporting.release_references.release_status_sort_order IS 'Sort order of the release''s status (lookup ReleaseStatusType).';
COMMENT ON COLUMN reporting.release_references.release_type_sort_order IS 'Sort order of the release''s type (lookup ReleaseType).';
COMMENT ON COLUMN reporting.release_references.release_risk_level_sort_order IS 'Sort order of the release''s risk level (lookup ReleaseRiskLevel).';
COMMENT ON COLUMN reporting.release_references.manager_name IS 'The release manager''s first and last name (users, by manager_id).';
COMMENT ON COLUMN reporting.release_references.manager_email IS 'The release manager''s e-mail.';
COMMENT ON COLUMN reporting.release_references.organization_name IS 'The organization''s name in the reference data (by organization_id).';
COMMENT ON COLUMN reporting.release_references.organization_type IS 'The organization''s type, such as Company or Department.';

CREATE VIEW reporting.environment_references AS
 SELECT e.id AS environment_id, st.sort_order AS environment_status_sort_order,
    ( SELECT array_agg(g.name ORDER BY g.name) AS array_agg
           FROM plutora.environment_group_members m
             JOIN plutora.environment_groups g ON g.id = m.group_id AND g._deleted_at IS NULL
          WHERE m.environment_id = e.id) AS environment_groups
   FROM plutora.environments e
     LEFT JOIN plutora.lookup_values st ON st.id = e.environment_status_id AND st._deleted_at IS NULL
  WHERE e._deleted_at IS NULL;
COMMENT ON VIEW reporting.environment_references IS 'What a live environment''s ids resolve to: its status''s sort order and its groups. JOIN USING (environment_id).';
COMMENT ON COLUMN reporting.environment_references.environment_id IS 'The member environment''s uuid; joins reporting.environments.environment_id.';
COMMENT ON COLUMN reporting.environment_references.environment_status_sort_order IS 'Sort order of the environment''s status (lookup EnvironmentStatus).';
COMMENT ON COLUMN reporting.environment_references.environment_groups IS 'The names of the live groups that list the environment, sorted (NULL: none).';

