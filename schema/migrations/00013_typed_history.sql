-- Typed history and status periods written at load, and the names and types
-- BI tools like (issue 16):
--   * plutora.changes.change_id (the change number) becomes change_number, so
--     that <entity>_id is always a uuid; the stakeholders' reserved-word
--     columns "user" and "group" become user_name and group_name;
--   * date-only values (expectedDeliveryDate, implementationDate, custom
--     DatePicker fields) become date, as written (no UTC midnight a day early
--     elsewhere); all-zero GUIDs in typed uuid columns become NULL (raw keeps
--     them);
--   * every <entity>_history gets the entity's typed columns, filled here
--     from raw and at load from the superseded row;
--   * <entity>_status_periods (changes, releases, defects): one row per period
--     in which a record's status held, kept by the page statement, filled
--     here from the history;
-- The reporting views that read the renamed or retyped columns are dropped
-- here and made anew in 00014.

-- +goose Up
DROP VIEW reporting.change_status_history, reporting.release_status_history,
    reporting.change_versions, reporting.release_versions, reporting.release_changes,
    reporting.changes, reporting.releases, reporting.defects, reporting.host_stack;

ALTER TABLE plutora.changes RENAME COLUMN change_id TO change_number;
ALTER INDEX plutora.changes_change_id RENAME TO changes_change_number;
ALTER TABLE plutora.change_stakeholders RENAME COLUMN "user" TO user_name;
ALTER TABLE plutora.change_stakeholders RENAME COLUMN "group" TO group_name;

ALTER TABLE plutora.changes ALTER COLUMN expected_delivery_date TYPE date
    USING NULLIF(raw->>'expectedDeliveryDate', '')::date;
ALTER TABLE plutora.releases ALTER COLUMN implementation_date TYPE date
    USING NULLIF(raw->>'implementationDate', '')::date;
-- Zone-less custom dates were stored as UTC midnight: the UTC date is the one written.
ALTER TABLE plutora.change_custom_fields ALTER COLUMN date_value TYPE date USING (date_value AT TIME ZONE 'UTC')::date;
ALTER TABLE plutora.release_custom_fields ALTER COLUMN date_value TYPE date USING (date_value AT TIME ZONE 'UTC')::date;
ALTER TABLE plutora.system_custom_fields ALTER COLUMN date_value TYPE date USING (date_value AT TIME ZONE 'UTC')::date;

-- +goose StatementBegin
DO $$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT table_name, column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'plutora' AND column_name <> 'id' AND table_name NOT LIKE '%\_history'
          AND (data_type = 'uuid' OR udt_name = '_uuid')
    LOOP
        IF c.data_type = 'uuid' THEN
            EXECUTE format('UPDATE plutora.%I SET %I = NULL WHERE %I = %L',
                c.table_name, c.column_name, c.column_name, '00000000-0000-0000-0000-000000000000');
        ELSE
            EXECUTE format('UPDATE plutora.%I SET %I = array_replace(%I, %L, NULL) WHERE %L = ANY (%I)',
                c.table_name, c.column_name, c.column_name, '00000000-0000-0000-0000-000000000000',
                '00000000-0000-0000-0000-000000000000', c.column_name);
        END IF;
    END LOOP;
END
$$;
-- +goose StatementEnd

-- The history tables get the typed columns of their entity, same names and types.
-- +goose StatementBegin
DO $$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT r.relname, a.attname, format_type(a.atttypid, a.atttypmod) AS typ
        FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid JOIN pg_namespace n ON n.oid = r.relnamespace
        WHERE n.nspname = 'plutora' AND r.relname IN ('changes', 'releases', 'environments', 'hosts', 'systems', 'defects')
          AND a.attnum > 0 AND NOT a.attisdropped AND a.attname NOT IN ('id', 'raw') AND left(a.attname, 1) <> '_'
        ORDER BY r.relname, a.attnum
    LOOP
        EXECUTE format('ALTER TABLE plutora.%I ADD COLUMN %I %s', c.relname || '_history', c.attname, c.typ);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- Fill them from raw, with the expressions of load/entities.go.
SET LOCAL TimeZone = 'UTC';
UPDATE plutora.changes_history h SET (change_number, name, change_priority_id, change_priority, change_status_id, change_status, change_type_id, change_type, change_delivery_risk_id, change_delivery_risk, change_theme_id, change_theme, business_value_score, raised_by_id, raised_by, raised_date, organization_id, organization, expected_delivery_date, description, description_simple, last_modified_date, last_modified_by) = (
    (h.raw->>'changeId')::bigint,
    h.raw->>'name',
    NULLIF(NULLIF(h.raw->>'changePriorityId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
    h.raw->>'changePriority',
    NULLIF(NULLIF(h.raw->>'changeStatusId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
    h.raw->>'changeStatus',
    NULLIF(NULLIF(h.raw->>'changeTypeId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
    h.raw->>'changeType',
    NULLIF(NULLIF(h.raw->>'changeDeliveryRiskId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
    h.raw->>'changeDeliveryRisk',
    NULLIF(NULLIF(h.raw->>'changeThemeId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
    h.raw->>'changeTheme',
    (h.raw->>'businessValueScore')::numeric,
    NULLIF(NULLIF(h.raw->>'raisedById', ''), '00000000-0000-0000-0000-000000000000')::uuid,
    h.raw->>'raisedBy',
    (CASE WHEN (h.raw->>'raisedDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((h.raw->>'raisedDate'), '0123456789-:.T +Z') = '' THEN (h.raw->>'raisedDate') WHEN (h.raw->>'raisedDate') <> '' THEN 'not an ISO 8601 date: ' || (h.raw->>'raisedDate') END)::timestamptz,
    NULLIF(NULLIF(h.raw->>'organizationId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
    h.raw->>'organization',
    (CASE WHEN (h.raw->>'expectedDeliveryDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((h.raw->>'expectedDeliveryDate'), '0123456789-:.T +Z') = '' THEN (h.raw->>'expectedDeliveryDate') WHEN (h.raw->>'expectedDeliveryDate') <> '' THEN 'not an ISO 8601 date: ' || (h.raw->>'expectedDeliveryDate') END)::date,
    h.raw->>'description',
    h.raw->>'descriptionSimple',
    (CASE WHEN (h.raw->>'lastModifiedDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((h.raw->>'lastModifiedDate'), '0123456789-:.T +Z') = '' THEN (h.raw->>'lastModifiedDate') WHEN (h.raw->>'lastModifiedDate') <> '' THEN 'not an ISO 8601 date: ' || (h.raw->>'lastModifiedDate') END)::timestamptz,
    h.raw->>'lastModifiedBy');
UPDATE plutora.releases_history h SET (identifier, name, summary, location, release_type_id, release_type, release_status_type_id, release_status_type, release_risk_level_id, release_risk_level, implementation_date, display_color, organization_id, organization, manager_id, parent_release_id, plutora_release_type, release_project_type, last_modified_date) = (
    h.raw->>'identifier',
    h.raw->>'name',
    h.raw->>'summary',
    h.raw->>'location',
    NULLIF(NULLIF(h.raw->>'releaseTypeId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
    h.raw->>'releaseType',
    NULLIF(NULLIF(h.raw->>'releaseStatusTypeId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
    h.raw->>'releaseStatusType',
    NULLIF(NULLIF(h.raw->>'releaseRiskLevelId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
    h.raw->>'releaseRiskLevel',
    (CASE WHEN (h.raw->>'implementationDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((h.raw->>'implementationDate'), '0123456789-:.T +Z') = '' THEN (h.raw->>'implementationDate') WHEN (h.raw->>'implementationDate') <> '' THEN 'not an ISO 8601 date: ' || (h.raw->>'implementationDate') END)::date,
    h.raw->>'displayColor',
    NULLIF(NULLIF(h.raw->>'organizationId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
    h.raw->>'organization',
    NULLIF(NULLIF(h.raw->>'managerId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
    NULLIF(NULLIF(h.raw->>'parentReleaseId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
    h.raw->>'plutoraReleaseType',
    h.raw->>'releaseProjectType',
    (CASE WHEN (h.raw->>'lastModifiedDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((h.raw->>'lastModifiedDate'), '0123456789-:.T +Z') = '' THEN (h.raw->>'lastModifiedDate') WHEN (h.raw->>'lastModifiedDate') <> '' THEN 'not an ISO 8601 date: ' || (h.raw->>'lastModifiedDate') END)::timestamptz);
UPDATE plutora.environments_history h SET (name, url, linked_system, linked_system_id, usage_work_item, status, environment_status_id, environment_status, color, description, vendor, environment_mgr, is_shared_environment) = (
    h.raw->>'name',
    h.raw->>'url',
    h.raw->>'linkedSystem',
    NULLIF(NULLIF(h.raw->>'linkedSystemId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
    h.raw->>'usageWorkItem',
    h.raw->>'status',
    NULLIF(NULLIF(h.raw->>'environmentStatusId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
    h.raw->>'environmentStatus',
    h.raw->>'color',
    h.raw->>'description',
    h.raw->>'vendor',
    h.raw->>'environmentMgr',
    (h.raw->>'isSharedEnvironment')::boolean);
UPDATE plutora.hosts_history h SET (name, environment_id) = (
    h.raw->>'name',
    NULLIF(NULLIF(h.raw->>'environmentID', ''), '00000000-0000-0000-0000-000000000000')::uuid);
UPDATE plutora.systems_history h SET (name, vendor, status, organization_id, organization, description) = (
    h.raw->>'name',
    h.raw->>'vendor',
    h.raw->>'status',
    NULLIF(NULLIF(h.raw->>'organizationId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
    h.raw->>'organization',
    h.raw->>'description');
UPDATE plutora.defects_history h SET (display_id, name, description, status_id, status, priority_id, priority, severity_id, severity, assigned_to_id, assigned_to, assigned_to_email, created_date, last_modified_date) = (
    h.raw->>'DisplayId',
    h.raw->>'Name',
    h.raw->>'Description',
    NULLIF(NULLIF(h.raw#>>'{Status,Id}', ''), '00000000-0000-0000-0000-000000000000')::uuid,
    h.raw#>>'{Status,Value}',
    NULLIF(NULLIF(h.raw#>>'{Priority,Id}', ''), '00000000-0000-0000-0000-000000000000')::uuid,
    h.raw#>>'{Priority,Value}',
    NULLIF(NULLIF(h.raw#>>'{Severity,Id}', ''), '00000000-0000-0000-0000-000000000000')::uuid,
    h.raw#>>'{Severity,Value}',
    NULLIF(NULLIF(h.raw#>>'{AssignedTo,Id}', ''), '00000000-0000-0000-0000-000000000000')::uuid,
    h.raw#>>'{AssignedTo,Name}',
    h.raw#>>'{AssignedTo,Email}',
    (CASE WHEN (h.raw->>'CreatedDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((h.raw->>'CreatedDate'), '0123456789-:.T +Z') = '' THEN (h.raw->>'CreatedDate') WHEN (h.raw->>'CreatedDate') <> '' THEN 'not an ISO 8601 date: ' || (h.raw->>'CreatedDate') END)::timestamptz,
    (CASE WHEN (h.raw->>'LastModifiedDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((h.raw->>'LastModifiedDate'), '0123456789-:.T +Z') = '' THEN (h.raw->>'LastModifiedDate') WHEN (h.raw->>'LastModifiedDate') <> '' THEN 'not an ISO 8601 date: ' || (h.raw->>'LastModifiedDate') END)::timestamptz);

CREATE TABLE plutora.changes_status_periods (
    id         uuid        NOT NULL,
    status     text,
    status_id  uuid,
    valid_from timestamptz NOT NULL,
    valid_to   timestamptz,
    CHECK (valid_to >= valid_from)
);
CREATE INDEX changes_status_periods_id ON plutora.changes_status_periods (id, valid_from);
CREATE TABLE plutora.releases_status_periods (LIKE plutora.changes_status_periods INCLUDING ALL);
CREATE TABLE plutora.defects_status_periods (LIKE plutora.changes_status_periods INCLUDING ALL);

-- The periods so far: every version (history, then the row), a new period
-- where the status changes; the first starts at the creation time where the
-- record has one and it is earlier; a deleted record's last period ends when
-- it was marked.
-- +goose StatementBegin
DO $$
DECLARE
    e record;
BEGIN
    FOR e IN SELECT * FROM (VALUES ('changes', 'change_status', 'change_status_id', 't.raised_date'),
                                   ('releases', 'release_status_type', 'release_status_type_id', 'NULL'),
                                   ('defects', 'status', 'status_id', 't.created_date')) v (tbl, st, st_id, born)
    LOOP
        EXECUTE format($f$
            INSERT INTO plutora.%1$I (id, status, status_id, valid_from, valid_to)
            WITH v AS (
                SELECT id, %3$I AS st, %4$I AS st_id, valid_from, valid_to, false AS cur FROM plutora.%2$I
                UNION ALL
                SELECT id, %3$I, %4$I, LEAST(COALESCE(last_modified_date, _last_changed_at), _deleted_at), _deleted_at, true
                FROM plutora.%5$I
            ), s AS (
                SELECT *, (lag(st) OVER w IS DISTINCT FROM st OR lag(st_id) OVER w IS DISTINCT FROM st_id
                           OR row_number() OVER w = 1) AS starts
                FROM v WINDOW w AS (PARTITION BY id ORDER BY valid_from, cur)
            ), g AS (
                SELECT *, count(*) FILTER (WHERE starts) OVER (PARTITION BY id ORDER BY valid_from, cur ROWS UNBOUNDED PRECEDING) AS n
                FROM s
            ), p AS (
                SELECT id, n, min(st) AS st, min(st_id::text)::uuid AS st_id, min(valid_from) AS valid_from,
                       CASE WHEN bool_or(cur AND valid_to IS NULL) THEN NULL ELSE max(valid_to) END AS valid_to
                FROM g GROUP BY id, n
            )
            SELECT p.id, p.st, p.st_id,
                   CASE WHEN p.n = 1 THEN LEAST(%6$s::timestamptz, p.valid_from) ELSE p.valid_from END,
                   CASE WHEN p.valid_to IS NOT NULL  -- GREATEST would turn an open period's NULL into a time
                        THEN GREATEST(p.valid_to, CASE WHEN p.n = 1 THEN LEAST(%6$s::timestamptz, p.valid_from) ELSE p.valid_from END) END
            FROM p JOIN plutora.%5$I t ON t.id = p.id$f$,
            e.tbl || '_status_periods', e.tbl || '_history', e.st, e.st_id, e.tbl, e.born);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE plutora.changes_status_periods, plutora.releases_status_periods, plutora.defects_status_periods;
-- +goose StatementBegin
DO $$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT r.relname, a.attname
        FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid JOIN pg_namespace n ON n.oid = r.relnamespace
        WHERE n.nspname = 'plutora' AND r.relname LIKE '%\_history' AND a.attnum > 0 AND NOT a.attisdropped
          AND a.attname NOT IN ('history_id', 'id', 'valid_from', 'valid_to', 'raw', '_run_id', '_synced_at')
    LOOP
        EXECUTE format('ALTER TABLE plutora.%I DROP COLUMN %I', c.relname, c.attname);
    END LOOP;
END
$$;
-- +goose StatementEnd
ALTER TABLE plutora.change_custom_fields ALTER COLUMN date_value TYPE timestamptz USING date_value::timestamp AT TIME ZONE 'UTC';
ALTER TABLE plutora.release_custom_fields ALTER COLUMN date_value TYPE timestamptz USING date_value::timestamp AT TIME ZONE 'UTC';
ALTER TABLE plutora.system_custom_fields ALTER COLUMN date_value TYPE timestamptz USING date_value::timestamp AT TIME ZONE 'UTC';
ALTER TABLE plutora.releases ALTER COLUMN implementation_date TYPE timestamptz USING implementation_date::timestamp AT TIME ZONE 'UTC';
ALTER TABLE plutora.changes ALTER COLUMN expected_delivery_date TYPE timestamptz USING expected_delivery_date::timestamp AT TIME ZONE 'UTC';
ALTER TABLE plutora.change_stakeholders RENAME COLUMN group_name TO "group";
ALTER TABLE plutora.change_stakeholders RENAME COLUMN user_name TO "user";
ALTER INDEX plutora.changes_change_number RENAME TO changes_change_id;
ALTER TABLE plutora.changes RENAME COLUMN change_number TO change_id;
-- The views of 00004, as they were.
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

