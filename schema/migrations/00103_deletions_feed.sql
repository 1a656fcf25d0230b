-- Downstream incremental loads (issue 29, point 5): the entity views'
-- changed_in_warehouse_at (plutora.<entity>._last_changed_at) gets an index
-- matching the views' filter, so that "the rows written since my last copy"
-- reads only those; and reporting.deletions is the change feed of what a
-- census marked deleted (the entity views leave those rows out), indexed on
-- _deleted_at the same way. A record that comes back leaves the feed and is
-- written again, so it shows in its view with a new changed_in_warehouse_at.
-- docs/warehouse.md, "Copying on incrementally".

-- +goose Up
CREATE INDEX changes_last_changed_at_live ON plutora.changes (_last_changed_at) WHERE _deleted_at IS NULL;
CREATE INDEX releases_last_changed_at_live ON plutora.releases (_last_changed_at) WHERE _deleted_at IS NULL;
CREATE INDEX defects_last_changed_at_live ON plutora.defects (_last_changed_at) WHERE _deleted_at IS NULL;
CREATE INDEX environments_last_changed_at_live ON plutora.environments (_last_changed_at) WHERE _deleted_at IS NULL;
CREATE INDEX hosts_last_changed_at_live ON plutora.hosts (_last_changed_at) WHERE _deleted_at IS NULL;
CREATE INDEX systems_last_changed_at_live ON plutora.systems (_last_changed_at) WHERE _deleted_at IS NULL;
CREATE INDEX organizations_last_changed_at_live ON plutora.organizations (_last_changed_at) WHERE _deleted_at IS NULL;
CREATE INDEX users_last_changed_at_live ON plutora.users (_last_changed_at) WHERE _deleted_at IS NULL;
CREATE INDEX lookup_values_last_changed_at_live ON plutora.lookup_values (_last_changed_at) WHERE _deleted_at IS NULL;
CREATE INDEX environment_groups_last_changed_at_live ON plutora.environment_groups (_last_changed_at) WHERE _deleted_at IS NULL;
CREATE INDEX changes_deleted_at ON plutora.changes (_deleted_at) WHERE _deleted_at IS NOT NULL;
CREATE INDEX releases_deleted_at ON plutora.releases (_deleted_at) WHERE _deleted_at IS NOT NULL;
CREATE INDEX defects_deleted_at ON plutora.defects (_deleted_at) WHERE _deleted_at IS NOT NULL;
CREATE INDEX environments_deleted_at ON plutora.environments (_deleted_at) WHERE _deleted_at IS NOT NULL;
CREATE INDEX hosts_deleted_at ON plutora.hosts (_deleted_at) WHERE _deleted_at IS NOT NULL;
CREATE INDEX systems_deleted_at ON plutora.systems (_deleted_at) WHERE _deleted_at IS NOT NULL;
CREATE INDEX organizations_deleted_at ON plutora.organizations (_deleted_at) WHERE _deleted_at IS NOT NULL;
CREATE INDEX users_deleted_at ON plutora.users (_deleted_at) WHERE _deleted_at IS NOT NULL;
CREATE INDEX lookup_values_deleted_at ON plutora.lookup_values (_deleted_at) WHERE _deleted_at IS NOT NULL;
CREATE INDEX environment_groups_deleted_at ON plutora.environment_groups (_deleted_at) WHERE _deleted_at IS NOT NULL;

CREATE VIEW reporting.deletions AS
SELECT 'changes'::text AS entity, id AS record_id, name, _deleted_at AS deleted_at
FROM plutora.changes WHERE _deleted_at IS NOT NULL
UNION ALL
SELECT 'releases', id, name, _deleted_at FROM plutora.releases WHERE _deleted_at IS NOT NULL
UNION ALL
SELECT 'defects', id, name, _deleted_at FROM plutora.defects WHERE _deleted_at IS NOT NULL
UNION ALL
SELECT 'environments', id, name, _deleted_at FROM plutora.environments WHERE _deleted_at IS NOT NULL
UNION ALL
SELECT 'hosts', id, name, _deleted_at FROM plutora.hosts WHERE _deleted_at IS NOT NULL
UNION ALL
SELECT 'systems', id, name, _deleted_at FROM plutora.systems WHERE _deleted_at IS NOT NULL
UNION ALL
SELECT 'organizations', id, name, _deleted_at FROM plutora.organizations WHERE _deleted_at IS NOT NULL
UNION ALL
SELECT 'users', id, user_name, _deleted_at FROM plutora.users WHERE _deleted_at IS NOT NULL
UNION ALL
SELECT 'lookup_values', id, value, _deleted_at FROM plutora.lookup_values WHERE _deleted_at IS NOT NULL
UNION ALL
SELECT 'environment_groups', id, name, _deleted_at FROM plutora.environment_groups WHERE _deleted_at IS NOT NULL;
COMMENT ON VIEW reporting.deletions IS
    'Records a census marked deleted, every entity: the change feed beside the views, which leave them out. Incremental: WHERE deleted_at > your last copy (indexed).';
COMMENT ON COLUMN reporting.deletions.entity IS 'The entity: changes, releases, defects, environments, hosts, systems, organizations, users, lookup_values or environment_groups.';
COMMENT ON COLUMN reporting.deletions.record_id IS 'The record''s uuid: the <entity>_id of its view (change_id, release_id, …).';
COMMENT ON COLUMN reporting.deletions.name IS 'The record''s name when it was deleted (users: username; lookup values: value).';
COMMENT ON COLUMN reporting.deletions.deleted_at IS 'When a complete census found the record gone (plutora.<entity>._deleted_at); indexed.';

-- The views meant for incremental copies say so (schema/incremental_test.go
-- checks each has its index).
-- +goose StatementBegin
DO $$
DECLARE
    v text;
BEGIN
    FOREACH v IN ARRAY ARRAY['changes', 'releases', 'defects', 'environments', 'hosts', 'systems', 'organizations', 'users', 'lookup_values', 'environment_groups'] LOOP
        EXECUTE format('COMMENT ON VIEW reporting.%I IS %L', v, obj_description(('reporting.' || v)::regclass, 'pg_class') ||
            ' Incremental: WHERE changed_in_warehouse_at > your last copy (indexed); deletions in reporting.deletions.');
        EXECUTE format('COMMENT ON COLUMN reporting.%I.changed_in_warehouse_at IS %L', v,
            'When the record''s content last changed in the warehouse (indexed): a copy reads the rows written since its last.');
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE
    v text;
BEGIN
    FOREACH v IN ARRAY ARRAY['changes', 'releases', 'defects', 'environments', 'hosts', 'systems', 'organizations', 'users', 'lookup_values', 'environment_groups'] LOOP
        EXECUTE format('COMMENT ON VIEW reporting.%I IS %L', v, replace(obj_description(('reporting.' || v)::regclass, 'pg_class'),
            ' Incremental: WHERE changed_in_warehouse_at > your last copy (indexed); deletions in reporting.deletions.', ''));
        EXECUTE format('COMMENT ON COLUMN reporting.%I.changed_in_warehouse_at IS %L', v,
            'When the record''s content last changed in the warehouse.');
    END LOOP;
END
$$;
-- +goose StatementEnd
DROP VIEW reporting.deletions;
DROP INDEX plutora.changes_deleted_at, plutora.releases_deleted_at, plutora.defects_deleted_at,
    plutora.environments_deleted_at, plutora.hosts_deleted_at, plutora.systems_deleted_at,
    plutora.organizations_deleted_at, plutora.users_deleted_at, plutora.lookup_values_deleted_at,
    plutora.environment_groups_deleted_at;
DROP INDEX plutora.changes_last_changed_at_live, plutora.releases_last_changed_at_live,
    plutora.defects_last_changed_at_live, plutora.environments_last_changed_at_live,
    plutora.hosts_last_changed_at_live, plutora.systems_last_changed_at_live,
    plutora.organizations_last_changed_at_live, plutora.users_last_changed_at_live,
    plutora.lookup_values_last_changed_at_live, plutora.environment_groups_last_changed_at_live;
