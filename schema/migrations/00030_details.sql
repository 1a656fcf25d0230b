-- Summary lists (issue 15): some list endpoints answer summaries, and only
-- GET /{entity}/{id} answers the full record, which the warehouse keeps.
--   * plutora_sync.list_items keeps what a summary list said of each record
--     and when its detail was last fetched: an item whose summary did not
--     change costs no detail request, and every detail is refreshed on a
--     slow rolling cycle;
--   * the detail's members the warehouse had no column for get one;
--   * the ledger counts each run's detail requests, and says when a run
--     read the whole list because the API kept failing on its filter.

-- +goose Up
CREATE TABLE plutora_sync.list_items (
    entity    text        NOT NULL,
    id        text        NOT NULL,
    summary   jsonb       NOT NULL,
    detail_at timestamptz NOT NULL,
    PRIMARY KEY (entity, id)
);
COMMENT ON TABLE plutora_sync.list_items IS
    'What a summary list (GET /environments, /systems, …) said of each record, and when its detail (GET /{entity}/{id}) was last fetched.';
COMMENT ON COLUMN plutora_sync.list_items.entity IS 'The entity: changes, releases, environments, hosts, systems or defects.';
COMMENT ON COLUMN plutora_sync.list_items.id IS 'The record''s id, as the list gave it.';
COMMENT ON COLUMN plutora_sync.list_items.summary IS
    'The list item as the list answered it; when the next list says the same, the stored detail is kept and no detail is fetched.';
COMMENT ON COLUMN plutora_sync.list_items.detail_at IS
    'When the record''s detail was last fetched; the rolling refresh fetches it again once per DETAIL_REFRESH.';

ALTER TABLE plutora.environments ADD COLUMN usage_work_item_id uuid;
ALTER TABLE plutora.environments_history ADD COLUMN usage_work_item_id uuid;
UPDATE plutora.environments SET usage_work_item_id = NULLIF(NULLIF(raw->>'usageWorkItemId', ''), '00000000-0000-0000-0000-000000000000')::uuid
WHERE raw ? 'usageWorkItemId';
UPDATE plutora.environments SET status = raw->>'environmentStatus' WHERE status IS NULL AND raw ? 'environmentStatus';
ALTER TABLE plutora.systems ADD COLUMN is_allow_edit boolean, ADD COLUMN in_my_organization boolean;
ALTER TABLE plutora.systems_history ADD COLUMN is_allow_edit boolean, ADD COLUMN in_my_organization boolean;
UPDATE plutora.systems SET is_allow_edit = (raw->>'isAllowEdit')::boolean, in_my_organization = (raw->>'inMyOrganization')::boolean
WHERE raw ? 'isAllowEdit' OR raw ? 'inMyOrganization';

COMMENT ON COLUMN plutora.environments.usage_work_item_id IS
    'Usage work item lookup id (API usageWorkItemId, detail only); joins the UsedForWorkItem lookup values.';
COMMENT ON COLUMN plutora.environments_history.usage_work_item_id IS
    'Usage work item lookup id (API usageWorkItemId, detail only); joins the UsedForWorkItem lookup values.';
COMMENT ON COLUMN plutora.environments.status IS
    'Status (API status of the list item; the detail''s environmentStatus when the record has no status).';
COMMENT ON COLUMN plutora.environments_history.status IS
    'Status (API status of the list item; the detail''s environmentStatus when the record has no status).';
COMMENT ON COLUMN plutora.systems.is_allow_edit IS 'Whether the API user may edit the system (API isAllowEdit, detail only).';
COMMENT ON COLUMN plutora.systems_history.is_allow_edit IS 'Whether the API user may edit the system (API isAllowEdit, detail only).';
COMMENT ON COLUMN plutora.systems.in_my_organization IS
    'Whether the system belongs to the API user''s organization (API inMyOrganization, detail only).';
COMMENT ON COLUMN plutora.systems_history.in_my_organization IS
    'Whether the system belongs to the API user''s organization (API inMyOrganization, detail only).';

CREATE OR REPLACE VIEW reporting.environments AS
SELECT id AS environment_id, name, url, status, environment_status, environment_status_id,
       linked_system, linked_system_id, usage_work_item, color, description, vendor,
       environment_mgr, is_shared_environment, _last_changed_at AS changed_in_warehouse_at,
       usage_work_item_id
FROM plutora.environments WHERE _deleted_at IS NULL;
COMMENT ON COLUMN reporting.environments.usage_work_item_id IS
    'Usage work item lookup id (API usageWorkItemId); joins the UsedForWorkItem lookup values.';

CREATE OR REPLACE VIEW reporting.systems AS
SELECT id AS system_id, name, vendor, status, organization, organization_id, description,
       _last_changed_at AS changed_in_warehouse_at, is_allow_edit, in_my_organization
FROM plutora.systems WHERE _deleted_at IS NULL;
COMMENT ON COLUMN reporting.systems.is_allow_edit IS 'Whether the API user may edit the system (API isAllowEdit).';
COMMENT ON COLUMN reporting.systems.in_my_organization IS 'Whether the system belongs to the API user''s organization (API inMyOrganization).';

ALTER TABLE plutora_sync.run_entities
    ADD COLUMN details   integer NOT NULL DEFAULT 0,
    ADD COLUMN refreshed integer NOT NULL DEFAULT 0,
    ADD COLUMN fallback  text;
COMMENT ON COLUMN plutora_sync.run_entities.details IS
    'Detail requests (GET /{entity}/{id}) of the run: new or changed items of a summary list, and the rolling refresh.';
COMMENT ON COLUMN plutora_sync.run_entities.refreshed IS 'Records whose detail the rolling refresh fetched again in this run.';
COMMENT ON COLUMN plutora_sync.run_entities.fallback IS
    'Why the run read the whole list instead of filtering (the API kept failing on the filter); NULL when it filtered.';

-- +goose Down
ALTER TABLE plutora_sync.run_entities DROP COLUMN details, DROP COLUMN refreshed, DROP COLUMN fallback;
DROP VIEW reporting.systems;
DROP VIEW reporting.environments;
CREATE VIEW reporting.environments AS
SELECT id AS environment_id, name, url, status, environment_status, environment_status_id,
       linked_system, linked_system_id, usage_work_item, color, description, vendor,
       environment_mgr, is_shared_environment, _last_changed_at AS changed_in_warehouse_at
FROM plutora.environments WHERE _deleted_at IS NULL;
CREATE VIEW reporting.systems AS
SELECT id AS system_id, name, vendor, status, organization, organization_id, description,
       _last_changed_at AS changed_in_warehouse_at
FROM plutora.systems WHERE _deleted_at IS NULL;
ALTER TABLE plutora.systems_history DROP COLUMN is_allow_edit, DROP COLUMN in_my_organization;
ALTER TABLE plutora.systems DROP COLUMN is_allow_edit, DROP COLUMN in_my_organization;
ALTER TABLE plutora.environments_history DROP COLUMN usage_work_item_id;
ALTER TABLE plutora.environments DROP COLUMN usage_work_item_id;
DROP TABLE plutora_sync.list_items;
