-- Reference data (issue 15): organizations, users, lookup values of every
-- type (with their sort order) and environment groups with their members,
-- swept in full on a slow schedule (none has a last-modified field), so that
-- the typed ids of changes, releases, environments, systems and layers
-- resolve to names and orders. Shaped as every entity table (00002): id,
-- typed columns, raw, the system columns, and a typed _history table.
--
-- Lookup values are keyed on id alone: GET /lookupfields/{type} gives each
-- value an id, and whether ids are unique across types is unknown for the
-- real API (they are in the sandbox); type is kept beside it.
--
-- The reporting views resolve ids where it is cheap (a primary-key join):
-- *_references give each live change, release and environment the sort
-- orders of its lookups and the people and organization behind its ids.

-- +goose Up
CREATE TABLE plutora.organizations (
    id               uuid PRIMARY KEY,
    name             text,
    type             text,
    raw              jsonb COMPRESSION lz4 NOT NULL,
    _first_seen_at   timestamptz NOT NULL DEFAULT now(),
    _last_changed_at timestamptz NOT NULL DEFAULT now(),
    _synced_at       timestamptz NOT NULL DEFAULT now(),
    _deleted_at      timestamptz,
    _run_id          bigint
);

CREATE TABLE plutora.users (
    id               uuid PRIMARY KEY,
    name             text,
    email            text,
    raw              jsonb COMPRESSION lz4 NOT NULL,
    _first_seen_at   timestamptz NOT NULL DEFAULT now(),
    _last_changed_at timestamptz NOT NULL DEFAULT now(),
    _synced_at       timestamptz NOT NULL DEFAULT now(),
    _deleted_at      timestamptz,
    _run_id          bigint
);

CREATE TABLE plutora.lookup_values (
    id               uuid PRIMARY KEY,
    type             text,
    value            text,
    sort_order       bigint,
    raw              jsonb COMPRESSION lz4 NOT NULL,
    _first_seen_at   timestamptz NOT NULL DEFAULT now(),
    _last_changed_at timestamptz NOT NULL DEFAULT now(),
    _synced_at       timestamptz NOT NULL DEFAULT now(),
    _deleted_at      timestamptz,
    _run_id          bigint
);
CREATE INDEX lookup_values_type ON plutora.lookup_values (type, sort_order);

CREATE TABLE plutora.environment_groups (
    id               uuid PRIMARY KEY,
    name             text,
    description      text,
    color            text,
    raw              jsonb COMPRESSION lz4 NOT NULL,
    _first_seen_at   timestamptz NOT NULL DEFAULT now(),
    _last_changed_at timestamptz NOT NULL DEFAULT now(),
    _synced_at       timestamptz NOT NULL DEFAULT now(),
    _deleted_at      timestamptz,
    _run_id          bigint
);

CREATE TABLE plutora.environment_group_members (
    group_id       uuid NOT NULL,
    ordinal        integer,
    environment_id uuid
);
CREATE INDEX environment_group_members_group_id ON plutora.environment_group_members (group_id);
CREATE INDEX environment_group_members_environment_id ON plutora.environment_group_members (environment_id);

-- History: superseded versions, typed as the entity (the page statement
-- copies the typed columns of the row it supersedes).
CREATE TABLE plutora.organizations_history (
    history_id bigserial PRIMARY KEY,
    id         uuid        NOT NULL,
    valid_from timestamptz NOT NULL,
    valid_to   timestamptz NOT NULL,
    raw        jsonb       COMPRESSION lz4 NOT NULL,
    _run_id    bigint,
    _synced_at timestamptz NOT NULL DEFAULT now(),
    name       text,
    type       text
);
CREATE INDEX organizations_history_id ON plutora.organizations_history (id, valid_from);
CREATE TABLE plutora.users_history (LIKE plutora.organizations_history INCLUDING ALL);
ALTER TABLE plutora.users_history DROP COLUMN type, ADD COLUMN email text;
CREATE TABLE plutora.lookup_values_history (LIKE plutora.organizations_history INCLUDING ALL);
ALTER TABLE plutora.lookup_values_history DROP COLUMN name, ADD COLUMN value text, ADD COLUMN sort_order bigint;
CREATE TABLE plutora.environment_groups_history (LIKE plutora.organizations_history INCLUDING ALL);
ALTER TABLE plutora.environment_groups_history DROP COLUMN type, ADD COLUMN description text, ADD COLUMN color text;

CREATE VIEW reporting.organizations AS
SELECT id AS organization_id, name, type AS organization_type, _last_changed_at AS changed_in_warehouse_at
FROM plutora.organizations WHERE _deleted_at IS NULL;

CREATE VIEW reporting.users AS
SELECT id AS user_id, name, email, _last_changed_at AS changed_in_warehouse_at
FROM plutora.users WHERE _deleted_at IS NULL;

-- Order a report by workflow: ORDER BY the sort_order of a status's value.
CREATE VIEW reporting.lookup_values AS
SELECT id AS lookup_value_id, type AS lookup_type, value, sort_order, _last_changed_at AS changed_in_warehouse_at
FROM plutora.lookup_values WHERE _deleted_at IS NULL;

CREATE VIEW reporting.environment_groups AS
SELECT g.id AS environment_group_id, g.name, g.description, g.color,
       (SELECT count(*) FROM plutora.environment_group_members m WHERE m.group_id = g.id) AS members,
       g._last_changed_at AS changed_in_warehouse_at
FROM plutora.environment_groups g WHERE g._deleted_at IS NULL;

-- One row per member of a live group; environment is NULL when the
-- warehouse does not hold the environment live.
CREATE VIEW reporting.environment_group_members AS
SELECT m.group_id AS environment_group_id, g.name AS environment_group, m.ordinal,
       m.environment_id, e.name AS environment
FROM plutora.environment_group_members m
JOIN plutora.environment_groups g ON g.id = m.group_id AND g._deleted_at IS NULL
LEFT JOIN plutora.environments e ON e.id = m.environment_id AND e._deleted_at IS NULL;

-- What a live change's ids resolve to: JOIN reporting.change_references
-- USING (change_id). A NULL is an id that is NULL, the all-zero GUID, or
-- not (or no longer) in the reference data.
CREATE VIEW reporting.change_references AS
SELECT c.id AS change_id, c.change_number,
       st.sort_order AS change_status_sort_order, pr.sort_order AS change_priority_sort_order,
       ty.sort_order AS change_type_sort_order, ri.sort_order AS change_delivery_risk_sort_order,
       th.sort_order AS change_theme_sort_order,
       u.name AS raised_by_name, u.email AS raised_by_email,
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
SELECT r.id AS release_id, r.identifier AS release_identifier,
       st.sort_order AS release_status_sort_order, ty.sort_order AS release_type_sort_order,
       ri.sort_order AS release_risk_level_sort_order,
       u.name AS manager_name, u.email AS manager_email,
       o.name AS organization_name, o.type AS organization_type
FROM plutora.releases r
LEFT JOIN plutora.lookup_values st ON st.id = r.release_status_type_id AND st._deleted_at IS NULL
LEFT JOIN plutora.lookup_values ty ON ty.id = r.release_type_id AND ty._deleted_at IS NULL
LEFT JOIN plutora.lookup_values ri ON ri.id = r.release_risk_level_id AND ri._deleted_at IS NULL
LEFT JOIN plutora.users u ON u.id = r.manager_id AND u._deleted_at IS NULL
LEFT JOIN plutora.organizations o ON o.id = r.organization_id AND o._deleted_at IS NULL
WHERE r._deleted_at IS NULL;

CREATE VIEW reporting.environment_references AS
SELECT e.id AS environment_id, st.sort_order AS environment_status_sort_order,
       (SELECT array_agg(g.name ORDER BY g.name) FROM plutora.environment_group_members m
        JOIN plutora.environment_groups g ON g.id = m.group_id AND g._deleted_at IS NULL
        WHERE m.environment_id = e.id) AS environment_groups
FROM plutora.environments e
LEFT JOIN plutora.lookup_values st ON st.id = e.environment_status_id AND st._deleted_at IS NULL
WHERE e._deleted_at IS NULL;

-- Freshness lists the reference entities too (00014's view, two lists longer).
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

COMMENT ON TABLE plutora.organizations IS 'Plutora organizations (GET /organizations), deleted ones included. BI: reporting.organizations.';
COMMENT ON TABLE plutora.users IS 'Plutora users (GET /users, paged), deleted ones included. BI: reporting.users.';
COMMENT ON TABLE plutora.lookup_values IS 'Values of every lookup type (GET /lookupfields, then GET /lookupfields/{type}), deleted ones included. BI: reporting.lookup_values.';
COMMENT ON TABLE plutora.environment_groups IS 'Plutora environment groups (GET /environmentgroups), deleted ones included. BI: reporting.environment_groups.';
COMMENT ON TABLE plutora.environment_group_members IS 'An environment group''s environmentIDs[]: one row per element. BI: reporting.environment_group_members.';
COMMENT ON TABLE plutora.organizations_history IS 'Superseded versions of organizations, typed as plutora.organizations.';
COMMENT ON TABLE plutora.users_history IS 'Superseded versions of users, typed as plutora.users.';
COMMENT ON TABLE plutora.lookup_values_history IS 'Superseded versions of lookup values, typed as plutora.lookup_values.';
COMMENT ON TABLE plutora.environment_groups_history IS 'Superseded versions of environment groups, typed as plutora.environment_groups.';
COMMENT ON VIEW reporting.organizations IS 'Live organizations. Key organization_id: joins the organization_id of changes, releases and systems.';
COMMENT ON VIEW reporting.users IS 'Live users. Key user_id: joins raised_by_id, manager_id, a stakeholder''s user_id, assigned_to_id.';
COMMENT ON VIEW reporting.lookup_values IS 'Live lookup values of every type, with their sort order. Key lookup_value_id: joins every *_status_id, *_type_id, *_priority_id, stack_layer_id, stakeholder_role_id.';
COMMENT ON VIEW reporting.environment_groups IS 'Live environment groups with their member count.';
COMMENT ON VIEW reporting.environment_group_members IS 'One row per environment of a live environment group.';
COMMENT ON VIEW reporting.change_references IS 'What a live change''s ids resolve to: lookup sort orders, who raised it, its organization. JOIN USING (change_id).';
COMMENT ON VIEW reporting.release_references IS 'What a live release''s ids resolve to: lookup sort orders, its manager, its organization. JOIN USING (release_id).';
COMMENT ON VIEW reporting.environment_references IS 'What a live environment''s ids resolve to: its status''s sort order and its groups. JOIN USING (environment_id).';

COMMENT ON COLUMN plutora.organizations.name IS 'The organization''s name (API name).';
COMMENT ON COLUMN plutora.organizations.type IS 'The organization''s type, such as Company or Department (API type).';
COMMENT ON COLUMN plutora.organizations_history.name IS 'The organization''s name (API name).';
COMMENT ON COLUMN plutora.organizations_history.type IS 'The organization''s type, such as Company or Department (API type).';
COMMENT ON COLUMN plutora.users.name IS 'The user''s name (API name; field assumed).';
COMMENT ON COLUMN plutora.users.email IS 'The user''s e-mail (API email; field assumed).';
COMMENT ON COLUMN plutora.users_history.name IS 'The user''s name (API name; field assumed).';
COMMENT ON COLUMN plutora.users_history.email IS 'The user''s e-mail (API email; field assumed).';
COMMENT ON COLUMN plutora.lookup_values.type IS 'The lookup type the value belongs to, such as ChangeStatus or StackLayer (API type).';
COMMENT ON COLUMN plutora.lookup_values.value IS 'The value''s text, such as Approved (API value).';
COMMENT ON COLUMN plutora.lookup_values.sort_order IS 'The value''s place in its type''s list (API sortOrder).';
COMMENT ON COLUMN plutora.lookup_values_history.type IS 'The lookup type the value belongs to (API type).';
COMMENT ON COLUMN plutora.lookup_values_history.value IS 'The value''s text (API value).';
COMMENT ON COLUMN plutora.lookup_values_history.sort_order IS 'The value''s place in its type''s list (API sortOrder).';
COMMENT ON COLUMN plutora.environment_groups.name IS 'The group''s name (API name).';
COMMENT ON COLUMN plutora.environment_groups.description IS 'The group''s description (API description).';
COMMENT ON COLUMN plutora.environment_groups.color IS 'Display colour (API color).';
COMMENT ON COLUMN plutora.environment_groups_history.name IS 'The group''s name (API name).';
COMMENT ON COLUMN plutora.environment_groups_history.description IS 'The group''s description (API description).';
COMMENT ON COLUMN plutora.environment_groups_history.color IS 'Display colour (API color).';
COMMENT ON COLUMN plutora.environment_group_members.group_id IS 'The environment group''s uuid; joins plutora.environment_groups.id.';
COMMENT ON COLUMN plutora.environment_group_members.ordinal IS 'Position (1-based) of the element in the record''s array.';
COMMENT ON COLUMN plutora.environment_group_members.environment_id IS 'The member environment''s uuid (API environmentIDs[]); joins reporting.environments.environment_id.';

COMMENT ON COLUMN reporting.organizations.organization_id IS 'The organization''s uuid (API id); joins organization_id elsewhere.';
COMMENT ON COLUMN reporting.organizations.name IS 'The organization''s name (API name).';
COMMENT ON COLUMN reporting.organizations.organization_type IS 'The organization''s type, such as Company or Department (API type).';
COMMENT ON COLUMN reporting.users.user_id IS 'The user''s uuid (API id); joins raised_by_id, manager_id, user_id, assigned_to_id.';
COMMENT ON COLUMN reporting.users.name IS 'The user''s name (API name; field assumed).';
COMMENT ON COLUMN reporting.users.email IS 'The user''s e-mail (API email; field assumed).';
COMMENT ON COLUMN reporting.lookup_values.lookup_value_id IS 'The value''s uuid (API id); joins the *_id of a lookup (status, type, priority, risk, theme, stack layer, role).';
COMMENT ON COLUMN reporting.lookup_values.lookup_type IS 'The lookup type, such as ChangeStatus or StackLayer (API type).';
COMMENT ON COLUMN reporting.lookup_values.value IS 'The value''s text (API value).';
COMMENT ON COLUMN reporting.lookup_values.sort_order IS 'The value''s place in its type''s list (API sortOrder): ORDER BY it to list statuses in workflow order.';
COMMENT ON COLUMN reporting.environment_groups.environment_group_id IS 'The group''s uuid (API id).';
COMMENT ON COLUMN reporting.environment_groups.name IS 'The group''s name (API name).';
COMMENT ON COLUMN reporting.environment_groups.description IS 'The group''s description (API description).';
COMMENT ON COLUMN reporting.environment_groups.color IS 'Display colour (API color).';
COMMENT ON COLUMN reporting.environment_groups.members IS 'How many environments the group lists.';
COMMENT ON COLUMN reporting.environment_group_members.environment_group_id IS 'The group''s uuid; joins reporting.environment_groups.';
COMMENT ON COLUMN reporting.environment_group_members.environment_group IS 'The group''s name.';
COMMENT ON COLUMN reporting.environment_group_members.ordinal IS 'Position (1-based) of the environment in the group''s list.';
COMMENT ON COLUMN reporting.environment_group_members.environment_id IS 'The member environment''s uuid; joins reporting.environments.environment_id.';
COMMENT ON COLUMN reporting.environment_group_members.environment IS 'The environment''s name (NULL when the warehouse does not hold it live).';
COMMENT ON COLUMN reporting.change_references.change_status_sort_order IS 'Sort order of the change''s status (lookup ChangeStatus).';
COMMENT ON COLUMN reporting.change_references.change_priority_sort_order IS 'Sort order of the change''s priority (lookup ChangePriority).';
COMMENT ON COLUMN reporting.change_references.change_type_sort_order IS 'Sort order of the change''s type (lookup ChangeType).';
COMMENT ON COLUMN reporting.change_references.change_delivery_risk_sort_order IS 'Sort order of the change''s delivery risk (lookup ChangeDeliveryRisk).';
COMMENT ON COLUMN reporting.change_references.change_theme_sort_order IS 'Sort order of the change''s theme (lookup ChangeTheme).';
COMMENT ON COLUMN reporting.change_references.raised_by_name IS 'The name of the user who raised the change (users, by raised_by_id).';
COMMENT ON COLUMN reporting.change_references.raised_by_email IS 'The e-mail of the user who raised the change.';
COMMENT ON COLUMN reporting.change_references.organization_name IS 'The organization''s name in the reference data (by organization_id).';
COMMENT ON COLUMN reporting.change_references.organization_type IS 'The organization''s type, such as Company or Department.';
COMMENT ON COLUMN reporting.release_references.release_status_sort_order IS 'Sort order of the release''s status (lookup ReleaseStatusType).';
COMMENT ON COLUMN reporting.release_references.release_type_sort_order IS 'Sort order of the release''s type (lookup ReleaseType).';
COMMENT ON COLUMN reporting.release_references.release_risk_level_sort_order IS 'Sort order of the release''s risk level (lookup ReleaseRiskLevel).';
COMMENT ON COLUMN reporting.release_references.manager_name IS 'The release manager''s name (users, by manager_id).';
COMMENT ON COLUMN reporting.release_references.manager_email IS 'The release manager''s e-mail.';
COMMENT ON COLUMN reporting.release_references.organization_name IS 'The organization''s name in the reference data (by organization_id).';
COMMENT ON COLUMN reporting.release_references.organization_type IS 'The organization''s type, such as Company or Department.';
COMMENT ON COLUMN reporting.environment_references.environment_status_sort_order IS 'Sort order of the environment''s status (lookup EnvironmentStatus).';
COMMENT ON COLUMN reporting.environment_references.environment_groups IS 'The names of the live groups that list the environment, sorted (NULL: none).';

-- The columns that mean what they mean elsewhere (id, raw, the system
-- columns, change_id, release_identifier, …) take the comment of the column
-- of the same name in another relation of the schema (history tables from
-- history tables).
-- +goose StatementBegin
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT n.nspname, c.relname, a.attname,
            (SELECT col_description(a2.attrelid, a2.attnum)
             FROM pg_attribute a2 JOIN pg_class c2 ON c2.oid = a2.attrelid
             WHERE c2.relnamespace = c.relnamespace AND c2.oid <> c.oid AND a2.attname = a.attname
               AND a2.attnum > 0 AND NOT a2.attisdropped AND col_description(a2.attrelid, a2.attnum) IS NOT NULL
               AND (c2.relname LIKE '%\_history') = (c.relname LIKE '%\_history')
             ORDER BY c2.relname LIMIT 1) AS comment
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE (n.nspname, c.relname) IN (('plutora', 'organizations'), ('plutora', 'users'), ('plutora', 'lookup_values'),
                ('plutora', 'environment_groups'), ('plutora', 'organizations_history'), ('plutora', 'users_history'),
                ('plutora', 'lookup_values_history'), ('plutora', 'environment_groups_history'),
                ('reporting', 'organizations'), ('reporting', 'users'), ('reporting', 'lookup_values'),
                ('reporting', 'environment_groups'), ('reporting', 'change_references'),
                ('reporting', 'release_references'), ('reporting', 'environment_references'))
          AND a.attnum > 0 AND NOT a.attisdropped AND col_description(c.oid, a.attnum) IS NULL
    LOOP
        CONTINUE WHEN r.comment IS NULL; -- TestEveryRelationAndColumnHasAComment names it
        EXECUTE format('COMMENT ON COLUMN %I.%I.%I IS %L', r.nspname, r.relname, r.attname, r.comment);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP VIEW reporting.environment_references, reporting.release_references, reporting.change_references,
    reporting.environment_group_members, reporting.environment_groups, reporting.lookup_values,
    reporting.users, reporting.organizations;
DROP TABLE plutora.environment_groups_history, plutora.lookup_values_history, plutora.users_history,
    plutora.organizations_history, plutora.environment_group_members;
-- freshness as 00014 made it (replaced, so its comments stay), before the tables it counts go
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
DROP TABLE plutora.environment_groups, plutora.lookup_values, plutora.users, plutora.organizations;
