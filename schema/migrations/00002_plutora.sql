-- The data: one table per entity (typed columns for what BI filters on plus
-- the raw record), child tables for the arrays BI joins on, and a history
-- table per entity holding every superseded version of a record.
--
-- Every entity table has the system columns:
--   _first_seen_at   when the row was first written
--   _last_changed_at when its content last changed (the current version's start)
--   _synced_at       when the row was last written
--   _deleted_at      set by a complete census that no longer saw the record
--   _run_id          the run that last wrote the row
--
-- <entity>_history holds the versions a record had before its current one:
-- valid_from/valid_to bound each; the current version is the entity row itself
-- (reporting.*_versions joins both). Child tables have no unique keys on
-- purpose: a page replaces a changed parent's children in one statement.

-- +goose Up
CREATE SCHEMA IF NOT EXISTS plutora;

CREATE TABLE plutora.changes (
    id                        uuid PRIMARY KEY,
    change_id                 bigint,
    name                      text,
    change_priority_id        uuid,
    change_priority           text,
    change_status_id          uuid,
    change_status             text,
    change_type_id            uuid,
    change_type               text,
    change_delivery_risk_id   uuid,
    change_delivery_risk      text,
    change_theme_id           uuid,
    change_theme              text,
    business_value_score      numeric,
    raised_by_id              uuid,
    raised_by                 text,
    raised_date               timestamptz,
    organization_id           uuid,
    organization              text,
    expected_delivery_date    timestamptz,
    description               text,
    description_simple        text,
    last_modified_date        timestamptz,
    last_modified_by          text,
    raw                       jsonb NOT NULL,
    _first_seen_at            timestamptz NOT NULL DEFAULT now(),
    _last_changed_at          timestamptz NOT NULL DEFAULT now(),
    _synced_at                timestamptz NOT NULL DEFAULT now(),
    _deleted_at               timestamptz,
    _run_id                   bigint
);
CREATE INDEX changes_last_modified_date ON plutora.changes (last_modified_date);
CREATE INDEX changes_change_id ON plutora.changes (change_id);

CREATE TABLE plutora.change_systems (
    change_id        uuid NOT NULL,
    system_id        uuid,
    name             text,
    system_role_type text
);
CREATE INDEX change_systems_change_id ON plutora.change_systems (change_id);
CREATE INDEX change_systems_system_id ON plutora.change_systems (system_id);

CREATE TABLE plutora.change_delivery_releases (
    change_id               uuid NOT NULL,
    release_id              uuid,
    target_release          boolean,
    actual_delivery_release boolean
);
CREATE INDEX change_delivery_releases_change_id ON plutora.change_delivery_releases (change_id);
CREATE INDEX change_delivery_releases_release_id ON plutora.change_delivery_releases (release_id);

CREATE TABLE plutora.change_stakeholders (
    change_id             uuid NOT NULL,
    user_id               uuid,
    "user"                text,
    group_id              uuid,
    "group"               text,
    stakeholder_role_ids  uuid[],
    stakeholder_roles     text,
    responsible           boolean,
    accountable           boolean,
    informed              boolean,
    consulted             boolean
);
CREATE INDEX change_stakeholders_change_id ON plutora.change_stakeholders (change_id);

CREATE TABLE plutora.releases (
    id                        uuid PRIMARY KEY,
    identifier                text,
    name                      text,
    summary                   text,
    location                  text,
    release_type_id           uuid,
    release_type              text,
    release_status_type_id    uuid,
    release_status_type       text,
    release_risk_level_id     uuid,
    release_risk_level        text,
    implementation_date       timestamptz,
    display_color             text,
    organization_id           uuid,
    organization              text,
    manager_id                uuid,
    parent_release_id         uuid,
    plutora_release_type      text,
    release_project_type      text,
    last_modified_date        timestamptz,
    raw                       jsonb NOT NULL,
    _first_seen_at            timestamptz NOT NULL DEFAULT now(),
    _last_changed_at          timestamptz NOT NULL DEFAULT now(),
    _synced_at                timestamptz NOT NULL DEFAULT now(),
    _deleted_at               timestamptz,
    _run_id                   bigint
);
CREATE INDEX releases_last_modified_date ON plutora.releases (last_modified_date);
CREATE INDEX releases_identifier ON plutora.releases (identifier);

CREATE TABLE plutora.environments (
    id                     uuid PRIMARY KEY,
    name                   text,
    url                    text,
    linked_system          text,
    linked_system_id       uuid,
    usage_work_item        text,
    status                 text,
    environment_status_id  uuid,
    environment_status     text,
    color                  text,
    description            text,
    vendor                 text,
    environment_mgr        text,
    is_shared_environment  boolean,
    raw                    jsonb NOT NULL,
    _first_seen_at         timestamptz NOT NULL DEFAULT now(),
    _last_changed_at       timestamptz NOT NULL DEFAULT now(),
    _synced_at             timestamptz NOT NULL DEFAULT now(),
    _deleted_at            timestamptz,
    _run_id                bigint
);

CREATE TABLE plutora.hosts (
    id               uuid PRIMARY KEY,
    name             text,
    environment_id   uuid,
    raw              jsonb NOT NULL,
    _first_seen_at   timestamptz NOT NULL DEFAULT now(),
    _last_changed_at timestamptz NOT NULL DEFAULT now(),
    _synced_at       timestamptz NOT NULL DEFAULT now(),
    _deleted_at      timestamptz,
    _run_id          bigint
);
CREATE INDEX hosts_environment_id ON plutora.hosts (environment_id);

CREATE TABLE plutora.host_layers (
    host_id          uuid NOT NULL,
    layer_id         uuid,
    component_name   text,
    version          text,
    layer_host_id    uuid,
    environment_id   uuid,
    stack_layer_id   uuid,
    stack_layer      text,
    stack_layer_type text
);
CREATE INDEX host_layers_host_id ON plutora.host_layers (host_id);

CREATE TABLE plutora.systems (
    id               uuid PRIMARY KEY,
    name             text,
    vendor           text,
    status           text,
    organization_id  uuid,
    organization     text,
    description      text,
    raw              jsonb NOT NULL,
    _first_seen_at   timestamptz NOT NULL DEFAULT now(),
    _last_changed_at timestamptz NOT NULL DEFAULT now(),
    _synced_at       timestamptz NOT NULL DEFAULT now(),
    _deleted_at      timestamptz,
    _run_id          bigint
);

CREATE TABLE plutora.defects (
    id                 uuid PRIMARY KEY,
    display_id         text,
    name               text,
    description        text,
    status_id          uuid,
    status             text,
    priority_id        uuid,
    priority           text,
    severity_id        uuid,
    severity           text,
    assigned_to_id     uuid,
    assigned_to        text,
    assigned_to_email  text,
    created_date       timestamptz,
    last_modified_date timestamptz,
    raw                jsonb NOT NULL,
    _first_seen_at     timestamptz NOT NULL DEFAULT now(),
    _last_changed_at   timestamptz NOT NULL DEFAULT now(),
    _synced_at         timestamptz NOT NULL DEFAULT now(),
    _deleted_at        timestamptz,
    _run_id            bigint
);
CREATE INDEX defects_display_id ON plutora.defects (display_id);
CREATE INDEX defects_last_modified_date ON plutora.defects (last_modified_date);

CREATE TABLE plutora.defect_fields (
    defect_id    uuid NOT NULL,
    field_id     uuid,
    name         text,
    data_type    text,
    string_value text
);
CREATE INDEX defect_fields_defect_id ON plutora.defect_fields (defect_id);

-- Custom fields (additionalInformation) of changes, releases and systems,
-- one typed value column per data type.
CREATE TABLE plutora.change_custom_fields (
    change_id            uuid NOT NULL,
    field_id             uuid,
    name                 text,
    type                 text,
    data_type            text,
    text_value           text,
    number_value         numeric,
    decimal_value        numeric,
    date_value           timestamptz,
    time_value           time,
    datetime_value       timestamptz,
    list_item_id         uuid,
    list_item_value      text,
    multi_list_item_ids  uuid[],
    multi_list_item_values text[]
);
CREATE INDEX change_custom_fields_change_id ON plutora.change_custom_fields (change_id);
CREATE INDEX change_custom_fields_name ON plutora.change_custom_fields (name);

CREATE TABLE plutora.release_custom_fields (LIKE plutora.change_custom_fields);
ALTER TABLE plutora.release_custom_fields RENAME COLUMN change_id TO release_id;
CREATE INDEX release_custom_fields_release_id ON plutora.release_custom_fields (release_id);
CREATE INDEX release_custom_fields_name ON plutora.release_custom_fields (name);

CREATE TABLE plutora.system_custom_fields (LIKE plutora.change_custom_fields);
ALTER TABLE plutora.system_custom_fields RENAME COLUMN change_id TO system_id;
CREATE INDEX system_custom_fields_system_id ON plutora.system_custom_fields (system_id);

-- History: superseded versions.
CREATE TABLE plutora.changes_history (
    history_id bigserial PRIMARY KEY,
    id         uuid        NOT NULL,
    valid_from timestamptz NOT NULL,
    valid_to   timestamptz NOT NULL,
    raw        jsonb       NOT NULL,
    _run_id    bigint,
    _synced_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX changes_history_id ON plutora.changes_history (id, valid_from);
CREATE TABLE plutora.releases_history (LIKE plutora.changes_history INCLUDING ALL);
CREATE TABLE plutora.environments_history (LIKE plutora.changes_history INCLUDING ALL);
CREATE TABLE plutora.hosts_history (LIKE plutora.changes_history INCLUDING ALL);
CREATE TABLE plutora.systems_history (LIKE plutora.changes_history INCLUDING ALL);
CREATE TABLE plutora.defects_history (LIKE plutora.changes_history INCLUDING ALL);

-- +goose Down
DROP SCHEMA plutora CASCADE;
