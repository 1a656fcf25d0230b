-- Versions views for every entity with a history table (issue 29, point 1):
-- 00014 made them for changes, releases and defects; the swept entities and
-- the reference data get theirs here, named and shaped alike (<entity>_id,
-- the typed columns as the entity's view names them, valid_from, valid_to,
-- is_current, run_id). These entities have no last-modified field: a
-- version begins when the warehouse wrote it.

-- +goose Up
CREATE VIEW reporting.environment_versions AS
SELECT h.id AS environment_id, h.name, h.url, COALESCE(h.environment_status, h.status) AS status,
       h.environment_status_id AS status_id, h.linked_system, h.linked_system_id, h.usage_work_item,
       h.usage_work_item_id, h.color, h.description, h.vendor, h.environment_mgr AS manager, h.is_shared_environment,
       h.valid_from, h.valid_to, false AS is_current, h._run_id AS run_id
FROM plutora.environments_history h
WHERE EXISTS (SELECT 1 FROM plutora.environments e WHERE e.id = h.id AND e._deleted_at IS NULL)
UNION ALL
SELECT id, name, url, COALESCE(environment_status, status), environment_status_id, linked_system, linked_system_id,
       usage_work_item, usage_work_item_id, color, description, vendor, environment_mgr, is_shared_environment,
       _last_changed_at, NULL, true, _run_id
FROM plutora.environments WHERE _deleted_at IS NULL;

CREATE VIEW reporting.host_versions AS
SELECT h.id AS host_id, h.name, h.environment_id, h.valid_from, h.valid_to, false AS is_current, h._run_id AS run_id
FROM plutora.hosts_history h
WHERE EXISTS (SELECT 1 FROM plutora.hosts t WHERE t.id = h.id AND t._deleted_at IS NULL)
UNION ALL
SELECT id, name, environment_id, _last_changed_at, NULL, true, _run_id
FROM plutora.hosts WHERE _deleted_at IS NULL;

CREATE VIEW reporting.system_versions AS
SELECT h.id AS system_id, h.name, h.vendor, h.status, h.organization, h.organization_id, h.description,
       h.is_allow_edit, h.in_my_organization, h.valid_from, h.valid_to, false AS is_current, h._run_id AS run_id
FROM plutora.systems_history h
WHERE EXISTS (SELECT 1 FROM plutora.systems s WHERE s.id = h.id AND s._deleted_at IS NULL)
UNION ALL
SELECT id, name, vendor, status, organization, organization_id, description, is_allow_edit, in_my_organization,
       _last_changed_at, NULL, true, _run_id
FROM plutora.systems WHERE _deleted_at IS NULL;

CREATE VIEW reporting.organization_versions AS
SELECT h.id AS organization_id, h.name, h.type, h.valid_from, h.valid_to, false AS is_current, h._run_id AS run_id
FROM plutora.organizations_history h
WHERE EXISTS (SELECT 1 FROM plutora.organizations o WHERE o.id = h.id AND o._deleted_at IS NULL)
UNION ALL
SELECT id, name, type, _last_changed_at, NULL, true, _run_id
FROM plutora.organizations WHERE _deleted_at IS NULL;

CREATE VIEW reporting.user_versions AS
SELECT h.id AS user_id, h.user_name AS username, h.first_name, h.last_name, h.email,
       h.valid_from, h.valid_to, false AS is_current, h._run_id AS run_id
FROM plutora.users_history h
WHERE EXISTS (SELECT 1 FROM plutora.users u WHERE u.id = h.id AND u._deleted_at IS NULL)
UNION ALL
SELECT id, user_name, first_name, last_name, email, _last_changed_at, NULL, true, _run_id
FROM plutora.users WHERE _deleted_at IS NULL;

CREATE VIEW reporting.lookup_value_versions AS
SELECT h.id AS lookup_value_id, h.type, h.value, h.sort_order, h.valid_from, h.valid_to, false AS is_current, h._run_id AS run_id
FROM plutora.lookup_values_history h
WHERE EXISTS (SELECT 1 FROM plutora.lookup_values v WHERE v.id = h.id AND v._deleted_at IS NULL)
UNION ALL
SELECT id, type, value, sort_order, _last_changed_at, NULL, true, _run_id
FROM plutora.lookup_values WHERE _deleted_at IS NULL;

CREATE VIEW reporting.environment_group_versions AS
SELECT h.id AS environment_group_id, h.name, h.description, h.color, h.valid_from, h.valid_to, false AS is_current, h._run_id AS run_id
FROM plutora.environment_groups_history h
WHERE EXISTS (SELECT 1 FROM plutora.environment_groups g WHERE g.id = h.id AND g._deleted_at IS NULL)
UNION ALL
SELECT id, name, description, color, _last_changed_at, NULL, true, _run_id
FROM plutora.environment_groups WHERE _deleted_at IS NULL;

COMMENT ON VIEW reporting.environment_versions IS 'Every version of a live environment, typed: its history plus the current row (is_current).';
COMMENT ON VIEW reporting.host_versions IS 'Every version of a live host, typed: its history plus the current row.';
COMMENT ON VIEW reporting.system_versions IS 'Every version of a live system, typed: its history plus the current row.';
COMMENT ON VIEW reporting.organization_versions IS 'Every version of a live organization, typed: its history plus the current row.';
COMMENT ON VIEW reporting.user_versions IS 'Every version of a live user, typed: its history plus the current row.';
COMMENT ON VIEW reporting.lookup_value_versions IS 'Every version of a live lookup value, typed: its history plus the current row.';
COMMENT ON VIEW reporting.environment_group_versions IS 'Every version of a live environment group, typed: its history plus the current row.';

-- Each column means what the column of that name means in the entity's view.
-- +goose StatementBegin
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT v.relname AS rel, a.attname AS col,
            COALESCE(col_description(e.oid, ea.attnum),
                     (SELECT col_description(cv.oid, ca.attnum) FROM pg_attribute ca JOIN pg_class cv ON cv.oid = ca.attrelid
                      WHERE cv.oid = 'reporting.change_versions'::regclass AND ca.attname = a.attname)) AS comment
        FROM (VALUES ('environment_versions', 'environments'), ('host_versions', 'hosts'), ('system_versions', 'systems'),
                     ('organization_versions', 'organizations'), ('user_versions', 'users'),
                     ('lookup_value_versions', 'lookup_values'), ('environment_group_versions', 'environment_groups')) AS m (versions, entity)
        JOIN pg_class v ON v.relname = m.versions AND v.relnamespace = 'reporting'::regnamespace
        JOIN pg_attribute a ON a.attrelid = v.oid AND a.attnum > 0
        JOIN pg_class e ON e.relname = m.entity AND e.relnamespace = 'reporting'::regnamespace
        LEFT JOIN pg_attribute ea ON ea.attrelid = e.oid AND ea.attname = a.attname
    LOOP
        CONTINUE WHEN r.comment IS NULL; -- TestEveryRelationAndColumnHasAComment names it
        EXECUTE format('COMMENT ON COLUMN reporting.%I.%I IS %L', r.rel, r.col, r.comment);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP VIEW reporting.environment_versions, reporting.host_versions, reporting.system_versions,
    reporting.organization_versions, reporting.user_versions, reporting.lookup_value_versions,
    reporting.environment_group_versions;
