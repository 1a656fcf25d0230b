-- A release's schedule and people, TECRs and TEBRs (issue 25; members
-- assumed as docs/plutora-api.md, "Core objects", says).
--
-- A release's phases, gates, activities, criteria and stakeholders are its
-- sub-resources (GET /releases/{id}/phases, …): the worker reads them with
-- the release when its list item changes and on the rolling refresh
-- (DETAIL_REFRESH), keeps them in the release's raw as arrays, and writes
-- them as child rows, replaced with the release: their history is the
-- release's. A TECR's linked changes (GET /TECRs/{id}/LinkedChanges) are
-- read likewise. TECRs and TEBRs are entities of their own, filtered on
-- lastModifiedDate like changes.

-- +goose Up
CREATE TABLE plutora.release_phases (
    release_id        uuid NOT NULL,
    ordinal           integer,
    phase_id          uuid,
    work_item_name_id uuid,
    name              text,
    start_date        date,
    end_date          date,
    status            text
);
CREATE INDEX release_phases_release_id ON plutora.release_phases (release_id);
CREATE TABLE plutora.release_gates (LIKE plutora.release_phases INCLUDING ALL);
ALTER TABLE plutora.release_gates RENAME COLUMN phase_id TO gate_id;
CREATE TABLE plutora.release_activities (
    release_id     uuid NOT NULL,
    ordinal        integer,
    activity_id    uuid,
    phase_id       uuid,
    title          text,
    type           text,
    status         text,
    assigned_to_id uuid,
    assigned_to    text,
    start_date     date,
    end_date       date,
    forecast_date  date,
    completion     numeric
);
CREATE INDEX release_activities_release_id ON plutora.release_activities (release_id);
CREATE TABLE plutora.release_criteria (LIKE plutora.release_activities INCLUDING ALL);
ALTER TABLE plutora.release_criteria RENAME COLUMN activity_id TO criterion_id;
ALTER TABLE plutora.release_criteria RENAME COLUMN phase_id TO gate_id;
CREATE TABLE plutora.release_stakeholders (LIKE plutora.change_stakeholders INCLUDING ALL);
ALTER TABLE plutora.release_stakeholders RENAME COLUMN change_id TO release_id;

CREATE TABLE plutora.tecrs (
    id                 uuid PRIMARY KEY,
    number             text,
    title              text,
    description        text,
    status             text,
    type               text,
    priority           text,
    organization_id    uuid,
    organization       text,
    raised_by_id       uuid,
    raised_by          text,
    assigned_to_id     uuid,
    assigned_to        text,
    required_date      date,
    created_date       timestamptz,
    last_modified_date timestamptz,
    last_modified_by   text,
    raw                jsonb COMPRESSION lz4 NOT NULL,
    _first_seen_at     timestamptz NOT NULL DEFAULT now(),
    _last_changed_at   timestamptz NOT NULL DEFAULT now(),
    _synced_at         timestamptz NOT NULL DEFAULT now(),
    _deleted_at        timestamptz,
    _run_id            bigint
);
CREATE INDEX tecrs_last_modified_date ON plutora.tecrs (last_modified_date);
CREATE TABLE plutora.tecr_linked_changes (
    tecr_id       uuid NOT NULL,
    ordinal       integer,
    change_id     uuid,
    change_number bigint
);
CREATE INDEX tecr_linked_changes_tecr_id ON plutora.tecr_linked_changes (tecr_id);
CREATE INDEX tecr_linked_changes_change_id ON plutora.tecr_linked_changes (change_id);
CREATE TABLE plutora.tecr_environments (
    tecr_id        uuid NOT NULL,
    ordinal        integer,
    environment_id uuid
);
CREATE INDEX tecr_environments_tecr_id ON plutora.tecr_environments (tecr_id);
CREATE INDEX tecr_environments_environment_id ON plutora.tecr_environments (environment_id);
CREATE TABLE plutora.tebr_environments (LIKE plutora.tecr_environments INCLUDING ALL);
ALTER TABLE plutora.tebr_environments RENAME COLUMN tecr_id TO tebr_id;
CREATE TABLE plutora.tebrs (LIKE plutora.tecrs INCLUDING ALL);
ALTER TABLE plutora.tebrs ADD COLUMN start_date date, ADD COLUMN end_date date;

CREATE TABLE plutora.tecrs_history (
    history_id         bigserial PRIMARY KEY,
    id                 uuid        NOT NULL,
    valid_from         timestamptz NOT NULL,
    valid_to           timestamptz NOT NULL,
    raw                jsonb       COMPRESSION lz4 NOT NULL,
    _run_id            bigint,
    _synced_at         timestamptz NOT NULL DEFAULT now(),
    number             text,
    title              text,
    description        text,
    status             text,
    type               text,
    priority           text,
    organization_id    uuid,
    organization       text,
    raised_by_id       uuid,
    raised_by          text,
    assigned_to_id     uuid,
    assigned_to        text,
    required_date      date,
    created_date       timestamptz,
    last_modified_date timestamptz,
    last_modified_by   text
);
CREATE INDEX tecrs_history_id ON plutora.tecrs_history (id, valid_from);
CREATE TABLE plutora.tebrs_history (LIKE plutora.tecrs_history INCLUDING ALL);
ALTER TABLE plutora.tebrs_history ADD COLUMN start_date date, ADD COLUMN end_date date;

-- Reporting. Dates are *_date, timestamps *_at. A task (activity or
-- criterion) is done when Complete, late when not done and its end_date is
-- past, at risk when not done and its forecast_date is after its end_date.
CREATE VIEW reporting.release_phases AS
SELECT p.release_id, p.ordinal, p.phase_id, p.work_item_name_id, p.name AS phase_name, p.start_date, p.end_date, p.status AS phase_status
FROM plutora.release_phases p JOIN plutora.releases r ON r.id = p.release_id AND r._deleted_at IS NULL;
CREATE VIEW reporting.release_gates AS
SELECT g.release_id, g.ordinal, g.gate_id, g.work_item_name_id, g.name AS gate_name, g.start_date, g.end_date, g.status AS gate_status
FROM plutora.release_gates g JOIN plutora.releases r ON r.id = g.release_id AND r._deleted_at IS NULL;
CREATE VIEW reporting.release_activities AS
SELECT a.release_id, a.ordinal, a.activity_id, a.phase_id, a.title, a.type AS activity_type, a.status AS activity_status,
       a.assigned_to_id, a.assigned_to,
       a.start_date, a.end_date, a.forecast_date, a.completion,
       a.status = 'Complete' AS is_done,
       a.status IS DISTINCT FROM 'Complete' AND a.end_date < current_date AS is_late,
       a.status IS DISTINCT FROM 'Complete' AND a.forecast_date > a.end_date AS is_at_risk
FROM plutora.release_activities a JOIN plutora.releases r ON r.id = a.release_id AND r._deleted_at IS NULL;
CREATE VIEW reporting.release_criteria AS
SELECT c.release_id, c.ordinal, c.criterion_id, c.gate_id, c.title, c.type AS criterion_type, c.status AS criterion_status,
       c.assigned_to_id, c.assigned_to,
       c.start_date, c.end_date, c.forecast_date, c.completion,
       c.status = 'Complete' AS is_done,
       c.status IS DISTINCT FROM 'Complete' AND c.end_date < current_date AS is_late,
       c.status IS DISTINCT FROM 'Complete' AND c.forecast_date > c.end_date AS is_at_risk
FROM plutora.release_criteria c JOIN plutora.releases r ON r.id = c.release_id AND r._deleted_at IS NULL;
CREATE VIEW reporting.release_stakeholders AS
SELECT s.release_id, s.ordinal, s.user_id, s.user_name, s.group_id, s.group_name, s.stakeholder_roles,
       s.stakeholder_role_ids, s.responsible, s.accountable, s.informed, s.consulted
FROM plutora.release_stakeholders s JOIN plutora.releases r ON r.id = s.release_id AND r._deleted_at IS NULL;
-- Planned against forecast: a phase's forecast end is its activities'
-- latest forecast, a gate's its criteria's.
CREATE VIEW reporting.release_schedule AS
SELECT p.release_id, 'phase' AS item_type, p.phase_id AS item_id, p.phase_name AS item_name, p.start_date, p.end_date AS planned_end_date,
       (SELECT max(a.forecast_date) FROM plutora.release_activities a WHERE a.release_id = p.release_id AND a.phase_id = p.phase_id) AS forecast_end_date,
       p.phase_status AS item_status
FROM reporting.release_phases p
UNION ALL
SELECT g.release_id, 'gate', g.gate_id, g.gate_name, g.start_date, g.end_date,
       (SELECT max(c.forecast_date) FROM plutora.release_criteria c WHERE c.release_id = g.release_id AND c.gate_id = g.gate_id),
       g.gate_status
FROM reporting.release_gates g;
CREATE VIEW reporting.release_readiness AS
SELECT r.id AS release_id,
       count(t.*) FILTER (WHERE t.kind = 'activity') AS activities,
       count(t.*) FILTER (WHERE t.kind = 'activity' AND t.is_done) AS activities_done,
       count(t.*) FILTER (WHERE t.kind = 'activity' AND t.is_late) AS activities_late,
       count(t.*) FILTER (WHERE t.kind = 'activity' AND t.is_at_risk) AS activities_at_risk,
       count(t.*) FILTER (WHERE t.kind = 'criterion') AS criteria,
       count(t.*) FILTER (WHERE t.kind = 'criterion' AND t.is_done) AS criteria_done,
       count(t.*) FILTER (WHERE t.kind = 'criterion' AND t.is_late) AS criteria_late,
       count(t.*) FILTER (WHERE t.kind = 'criterion' AND t.is_at_risk) AS criteria_at_risk
FROM plutora.releases r
LEFT JOIN (SELECT release_id, 'activity' AS kind, is_done, is_late, is_at_risk FROM reporting.release_activities
           UNION ALL
           SELECT release_id, 'criterion', is_done, is_late, is_at_risk FROM reporting.release_criteria) t ON t.release_id = r.id
WHERE r._deleted_at IS NULL
GROUP BY r.id;
CREATE VIEW reporting.tecrs AS
SELECT id AS tecr_id, number, title AS name, description, status, type, priority, organization_id, organization,
       raised_by_id, raised_by, assigned_to_id, assigned_to, required_date,
       created_date AS created_at, last_modified_date AS last_modified_at, last_modified_by,
       _last_changed_at AS changed_in_warehouse_at
FROM plutora.tecrs WHERE _deleted_at IS NULL;
CREATE VIEW reporting.tecr_linked_changes AS
SELECT l.tecr_id, l.ordinal, l.change_id
FROM plutora.tecr_linked_changes l JOIN plutora.tecrs t ON t.id = l.tecr_id AND t._deleted_at IS NULL;
CREATE VIEW reporting.tecr_environments AS
SELECT e.tecr_id, e.ordinal, e.environment_id
FROM plutora.tecr_environments e JOIN plutora.tecrs t ON t.id = e.tecr_id AND t._deleted_at IS NULL;
CREATE VIEW reporting.tebr_environments AS
SELECT e.tebr_id, e.ordinal, e.environment_id
FROM plutora.tebr_environments e JOIN plutora.tebrs t ON t.id = e.tebr_id AND t._deleted_at IS NULL;
CREATE VIEW reporting.tebrs AS
SELECT id AS tebr_id, number, title AS name, description, status, type, priority, organization_id, organization,
       raised_by_id, raised_by, assigned_to_id, assigned_to, required_date, start_date, end_date,
       created_date AS created_at, last_modified_date AS last_modified_at, last_modified_by,
       _last_changed_at AS changed_in_warehouse_at
FROM plutora.tebrs WHERE _deleted_at IS NULL;

CREATE VIEW reporting.tecr_versions AS
SELECT h.id AS tecr_id, h.number, h.title AS name, h.status, h.type, h.priority, h.organization_id, h.organization,
       h.raised_by_id, h.raised_by, h.assigned_to_id, h.assigned_to, h.required_date, h.created_date AS created_at,
       h.last_modified_date AS last_modified_at, h.valid_from, h.valid_to, false AS is_current, h._run_id AS run_id
FROM plutora.tecrs_history h
WHERE EXISTS (SELECT 1 FROM plutora.tecrs t WHERE t.id = h.id AND t._deleted_at IS NULL)
UNION ALL
SELECT id, number, title, status, type, priority, organization_id, organization, raised_by_id, raised_by,
       assigned_to_id, assigned_to, required_date, created_date, last_modified_date,
       COALESCE(last_modified_date, _last_changed_at), NULL, true, _run_id
FROM plutora.tecrs WHERE _deleted_at IS NULL;
CREATE VIEW reporting.tebr_versions AS
SELECT h.id AS tebr_id, h.number, h.title AS name, h.status, h.type, h.priority, h.organization_id, h.organization,
       h.raised_by_id, h.raised_by, h.assigned_to_id, h.assigned_to, h.required_date, h.start_date, h.end_date,
       h.created_date AS created_at, h.last_modified_date AS last_modified_at,
       h.valid_from, h.valid_to, false AS is_current, h._run_id AS run_id
FROM plutora.tebrs_history h
WHERE EXISTS (SELECT 1 FROM plutora.tebrs t WHERE t.id = h.id AND t._deleted_at IS NULL)
UNION ALL
SELECT id, number, title, status, type, priority, organization_id, organization, raised_by_id, raised_by,
       assigned_to_id, assigned_to, required_date, start_date, end_date, created_date, last_modified_date,
       COALESCE(last_modified_date, _last_changed_at), NULL, true, _run_id
FROM plutora.tebrs WHERE _deleted_at IS NULL;

COMMENT ON TABLE plutora.release_phases IS 'A release''s phases (GET /releases/{id}/phases), read with the release; replaced with it. BI: reporting.release_phases.';
COMMENT ON TABLE plutora.release_gates IS 'A release''s gates (GET /releases/{id}/gates), read with the release; replaced with it. BI: reporting.release_gates.';
COMMENT ON TABLE plutora.release_activities IS 'A release''s activities (GET /releases/{id}/activities), each of a phase; replaced with the release. BI: reporting.release_activities.';
COMMENT ON TABLE plutora.release_criteria IS 'A release''s gate criteria (GET /releases/{id}/criterias), each of a gate; replaced with the release. BI: reporting.release_criteria.';
COMMENT ON TABLE plutora.release_stakeholders IS 'A release''s stakeholders (GET /releases/{id}/stakeholders); replaced with the release. BI: reporting.release_stakeholders.';
COMMENT ON TABLE plutora.tecrs IS 'Test environment change requests (POST /TECRs/filter, GET /TECRs/{id}), deleted ones included. BI: reporting.tecrs.';
COMMENT ON TABLE plutora.tecrs_history IS 'Superseded versions of TECRs, typed as plutora.tecrs.';
COMMENT ON TABLE plutora.tecr_linked_changes IS 'The changes a TECR links (GET /TECRs/{id}/LinkedChanges): one row each; replaced with the TECR. BI: reporting.tecr_linked_changes.';
COMMENT ON TABLE plutora.tecr_environments IS 'The environments a TECR is about (API environmentIds[]): one row each. BI: reporting.tecr_environments.';
COMMENT ON TABLE plutora.tebr_environments IS 'The environments a TEBR asks for (API environmentIds[]): one row each. BI: reporting.tebr_environments.';
COMMENT ON VIEW reporting.tecr_environments IS 'The environments live TECRs are about: JOIN reporting.environments USING (environment_id).';
COMMENT ON VIEW reporting.tebr_environments IS 'The environments live TEBRs ask for: JOIN reporting.environments USING (environment_id).';
COMMENT ON TABLE plutora.tebrs IS 'Test environment booking requests (POST /TEBRs/filter, GET /TEBRs/{id}), deleted ones included. Their bookings: plutora.bookings.tebr_id. BI: reporting.tebrs.';
COMMENT ON TABLE plutora.tebrs_history IS 'Superseded versions of TEBRs, typed as plutora.tebrs.';
COMMENT ON VIEW reporting.release_phases IS 'The phases of live releases. Key phase_id; bookings name it in phase_id.';
COMMENT ON VIEW reporting.release_gates IS 'The gates of live releases. Key gate_id.';
COMMENT ON VIEW reporting.release_activities IS 'The activities of live releases, each of a phase (phase_id), with whether it is done, late or at risk.';
COMMENT ON VIEW reporting.release_criteria IS 'The gate criteria of live releases, each of a gate (gate_id), with whether it is done, late or at risk.';
COMMENT ON VIEW reporting.release_stakeholders IS 'The stakeholders of live releases.';
COMMENT ON VIEW reporting.release_schedule IS 'A live release''s schedule: its phases and gates, planned end against the latest forecast of their activities or criteria.';
COMMENT ON VIEW reporting.release_readiness IS 'Per live release: its activities and criteria, done, late and at risk.';
COMMENT ON VIEW reporting.tecrs IS 'Live TECRs. Key tecr_id.';
COMMENT ON VIEW reporting.tecr_linked_changes IS 'The changes live TECRs link: JOIN reporting.changes USING (change_id).';
COMMENT ON VIEW reporting.tecr_versions IS 'Every version of each live TECR the warehouse saw: superseded ones from the history, and the current one (is_current), which begins at its last modification.';
COMMENT ON VIEW reporting.tebr_versions IS 'Every version of each live TEBR the warehouse saw: superseded ones from the history, and the current one (is_current), which begins at its last modification.';
COMMENT ON VIEW reporting.tebrs IS 'Live TEBRs. Key tebr_id; their bookings: reporting.bookings.tebr_id.';

-- +goose StatementBegin
DO $$
DECLARE
    t text;
    c record;
BEGIN
    -- The columns every table or view of this migration that has them shares.
    FOR c IN SELECT * FROM (VALUES
        ('release_id', 'The release (API releaseId / the release read); joins releases.'),
        ('ordinal', 'Position in the array the API answered, from 1.'),
        ('phase_id', 'The phase (API id of a phase, or an activity''s assignedWorkItemID).'),
        ('gate_id', 'The gate (API id of a gate, or a criterion''s assignedWorkItemID).'),
        ('activity_id', 'The activity (API id).'),
        ('criterion_id', 'The criterion (API id).'),
        ('work_item_name_id', 'The work item name it is an instance of (API workItemNameId).'),
        ('name', 'Name (API name; a TECR''s or TEBR''s title).'),
        ('start_date', 'First day (API startDate).'),
        ('end_date', 'Last day planned (API endDate).'),
        ('forecast_date', 'Day it is now forecast to end (API forecastDate).'),
        ('completion', 'Per cent done (API completion).'),
        ('title', 'Title (API title).'),
        ('type', 'Type (API type).'),
        ('status', 'Status (API status).'),
        ('assigned_to_id', 'Who it is assigned to (API assignedToId); joins users.'),
        ('assigned_to', 'Who it is assigned to, by name (API assignedTo).'),
        ('user_id', 'The stakeholder user (API userId); joins users.'),
        ('user_name', 'The stakeholder user''s name (API user).'),
        ('group_id', 'The stakeholder group (API groupId).'),
        ('group_name', 'The stakeholder group''s name (API group).'),
        ('stakeholder_role_ids', 'Role ids (API stakeholderRoleIds).'),
        ('stakeholder_roles', 'Roles, as text (API stakeholderRoles).'),
        ('responsible', 'RACI: responsible.'), ('accountable', 'RACI: accountable.'),
        ('informed', 'RACI: informed.'), ('consulted', 'RACI: consulted.'),
        ('"user"', 'The stakeholder user''s name (API user).'), ('"group"', 'The stakeholder group''s name (API group).'),
        ('id', 'The record''s id (API id).'),
        ('tecr_id', 'The TECR (API id).'), ('tebr_id', 'The TEBR (API id).'),
        ('change_id', 'A linked change (API id of the change); joins changes.'),
        ('change_number', 'The linked change''s number (API changeId).'),
        ('number', 'The request''s number, TECR-1000 or TEBR-1000 (API number).'),
        ('description', 'Description, HTML (API description).'),
        ('priority', 'Priority (API priority).'),
        ('organization_id', 'Organization (API organizationId); joins organizations.'),
        ('organization', 'Organization''s name (API organization).'),
        ('raised_by_id', 'Who raised it (API raisedById); joins users.'),
        ('raised_by', 'Who raised it, by name (API raisedBy).'),
        ('environment_id', 'An environment it names (an element of API environmentIds); joins environments.'),
        ('required_date', 'Day it is required by (API requiredDate).'),
        ('created_date', 'When it was raised (API createdDate).'),
        ('created_at', 'When it was raised (API createdDate).'),
        ('last_modified_date', 'Its last change in Plutora (API lastModifiedDate).'),
        ('last_modified_at', 'Its last change in Plutora (API lastModifiedDate).'),
        ('last_modified_by', 'Who changed it last (API lastModifiedBy).'),
        ('raw', 'The record as the API answered it (with its sub-resources, for a TECR).'),
        ('_first_seen_at', 'When the worker first saw it.'),
        ('_last_changed_at', 'When the worker last saw it change.'),
        ('_synced_at', 'When the worker last wrote it.'),
        ('_deleted_at', 'When a census found it gone; NULL while it lives.'),
        ('_run_id', 'The run (plutora_sync.runs) that wrote this version.'),
        ('history_id', 'Row id.'),
        ('valid_from', 'When this version became current in the warehouse.'),
        ('valid_to', 'When the next version replaced it.'),
        ('changed_in_warehouse_at', 'When the warehouse last saw it change.'),
        ('is_done', 'Whether its status is Complete.'),
        ('is_late', 'Not done, and its end_date is past.'),
        ('is_at_risk', 'Not done, and its forecast_date is after its end_date.'),
        ('is_current', 'Whether this is the version the warehouse holds now.'),
        ('run_id', 'The run (plutora_sync.runs) that wrote this version.'),
        ('item_type', 'phase or gate.'), ('item_id', 'The phase''s or gate''s id.'),
        ('item_name', 'The phase''s or gate''s name.'), ('item_status', 'The phase''s or gate''s status.'),
        ('phase_name', 'The phase''s name (API name).'), ('phase_status', 'The phase''s status (API status).'),
        ('gate_name', 'The gate''s name (API name).'), ('gate_status', 'The gate''s status (API status).'),
        ('activity_type', 'The activity''s type (API type).'), ('activity_status', 'The activity''s status (API status).'),
        ('criterion_type', 'The criterion''s type (API type).'), ('criterion_status', 'The criterion''s status (API status).'),
        ('planned_end_date', 'The phase''s or gate''s end_date.'),
        ('forecast_end_date', 'The latest forecast_date of its activities (a phase) or criteria (a gate).'),
        ('release_identifier', 'The release''s identifier, its business key.'),
        ('activities', 'Its activities.'), ('activities_done', 'Its activities done.'),
        ('activities_late', 'Its activities late.'), ('activities_at_risk', 'Its activities at risk.'),
        ('criteria', 'Its gate criteria.'), ('criteria_done', 'Its criteria done.'),
        ('criteria_late', 'Its criteria late.'), ('criteria_at_risk', 'Its criteria at risk.')
    ) v(col, txt) LOOP
        FOREACH t IN ARRAY ARRAY['plutora.release_phases', 'plutora.release_gates', 'plutora.release_activities',
            'plutora.release_criteria', 'plutora.release_stakeholders', 'plutora.tecrs', 'plutora.tecrs_history',
            'plutora.tecr_linked_changes', 'plutora.tebrs', 'plutora.tebrs_history',
            'plutora.tecr_environments', 'plutora.tebr_environments', 'reporting.tecr_environments', 'reporting.tebr_environments',
            'reporting.release_phases', 'reporting.release_gates', 'reporting.release_activities',
            'reporting.release_criteria', 'reporting.release_stakeholders', 'reporting.release_schedule',
            'reporting.release_readiness', 'reporting.tecrs', 'reporting.tecr_linked_changes', 'reporting.tebrs',
            'reporting.tecr_versions', 'reporting.tebr_versions'] LOOP
            IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = t::regclass AND NOT attisdropped
                       AND quote_ident(attname) = c.col) THEN
                EXECUTE format('COMMENT ON COLUMN %s.%s IS %L', t, c.col, c.txt);
            END IF;
        END LOOP;
    END LOOP;
END $$;
-- +goose StatementEnd
COMMENT ON COLUMN plutora.tebrs.start_date IS 'First day the TEBR asks for (API startDate).';
COMMENT ON COLUMN plutora.tebrs.end_date IS 'Last day the TEBR asks for (API endDate).';
COMMENT ON COLUMN plutora.tebrs_history.start_date IS 'First day the TEBR asks for (API startDate).';
COMMENT ON COLUMN plutora.tebrs_history.end_date IS 'Last day the TEBR asks for (API endDate).';
COMMENT ON COLUMN reporting.tebrs.start_date IS 'First day the TEBR asks for.';
COMMENT ON COLUMN reporting.tebrs.end_date IS 'Last day the TEBR asks for.';
COMMENT ON COLUMN reporting.tebr_versions.start_date IS 'First day the TEBR asks for.';
COMMENT ON COLUMN reporting.tebr_versions.end_date IS 'Last day the TEBR asks for.';
COMMENT ON COLUMN reporting.tecr_versions.valid_to IS 'When the next version replaced it; NULL for the current one.';
COMMENT ON COLUMN reporting.tebr_versions.valid_to IS 'When the next version replaced it; NULL for the current one.';

-- +goose Down
DROP VIEW reporting.tebr_versions, reporting.tecr_versions, reporting.tebrs, reporting.tebr_environments, reporting.tecr_environments, reporting.tecr_linked_changes, reporting.tecrs, reporting.release_readiness,
    reporting.release_schedule, reporting.release_stakeholders, reporting.release_criteria,
    reporting.release_activities, reporting.release_gates, reporting.release_phases;
DROP TABLE plutora.tebrs_history, plutora.tecrs_history, plutora.tebrs, plutora.tebr_environments, plutora.tecr_environments, plutora.tecr_linked_changes, plutora.tecrs,
    plutora.release_stakeholders, plutora.release_criteria, plutora.release_activities, plutora.release_gates,
    plutora.release_phases;
