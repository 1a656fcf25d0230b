-- Users as the real API names them (issue 26; docs/plutora-api.md,
-- "Records"): GET /users items carry userName, firstName and lastName,
-- which Plutora's own scripts read. 00040's name column read a member the
-- API does not have (NULL against a real site); it goes, and user_name,
-- first_name and last_name come. email stays (an assumed member, NULL when
-- a site does not send it). The new columns are filled from raw here, so a
-- warehouse synced before needs no new sweep: the writer never rewrites an
-- unchanged record.
--
-- reporting.users carries the new columns; the reference views name a
-- person by first and last name (raised_by_name, manager_name), as records
-- do (raisedBy).

-- +goose Up
ALTER TABLE plutora.users ADD COLUMN user_name text, ADD COLUMN first_name text, ADD COLUMN last_name text;
UPDATE plutora.users SET user_name = raw->>'userName', first_name = raw->>'firstName', last_name = raw->>'lastName';
ALTER TABLE plutora.users_history ADD COLUMN user_name text, ADD COLUMN first_name text, ADD COLUMN last_name text;
UPDATE plutora.users_history SET user_name = raw->>'userName', first_name = raw->>'firstName', last_name = raw->>'lastName';

DROP VIEW reporting.users;
CREATE VIEW reporting.users AS
SELECT id AS user_id, user_name, first_name, last_name, email, _last_changed_at AS changed_in_warehouse_at
FROM plutora.users WHERE _deleted_at IS NULL;

CREATE OR REPLACE VIEW reporting.change_references AS
SELECT c.id AS change_id, c.change_number,
       st.sort_order AS change_status_sort_order, pr.sort_order AS change_priority_sort_order,
       ty.sort_order AS change_type_sort_order, ri.sort_order AS change_delivery_risk_sort_order,
       th.sort_order AS change_theme_sort_order,
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

CREATE OR REPLACE VIEW reporting.release_references AS
SELECT r.id AS release_id, r.identifier AS release_identifier,
       st.sort_order AS release_status_sort_order, ty.sort_order AS release_type_sort_order,
       ri.sort_order AS release_risk_level_sort_order,
       NULLIF(concat_ws(' ', u.first_name, u.last_name), '') AS manager_name, u.email AS manager_email,
       o.name AS organization_name, o.type AS organization_type
FROM plutora.releases r
LEFT JOIN plutora.lookup_values st ON st.id = r.release_status_type_id AND st._deleted_at IS NULL
LEFT JOIN plutora.lookup_values ty ON ty.id = r.release_type_id AND ty._deleted_at IS NULL
LEFT JOIN plutora.lookup_values ri ON ri.id = r.release_risk_level_id AND ri._deleted_at IS NULL
LEFT JOIN plutora.users u ON u.id = r.manager_id AND u._deleted_at IS NULL
LEFT JOIN plutora.organizations o ON o.id = r.organization_id AND o._deleted_at IS NULL
WHERE r._deleted_at IS NULL;

ALTER TABLE plutora.users DROP COLUMN name;
ALTER TABLE plutora.users_history DROP COLUMN name;

COMMENT ON COLUMN plutora.users.user_name IS 'The user''s login name (API userName).';
COMMENT ON COLUMN plutora.users.first_name IS 'The user''s first name (API firstName).';
COMMENT ON COLUMN plutora.users.last_name IS 'The user''s last name (API lastName).';
COMMENT ON COLUMN plutora.users_history.user_name IS 'The user''s login name (API userName).';
COMMENT ON COLUMN plutora.users_history.first_name IS 'The user''s first name (API firstName).';
COMMENT ON COLUMN plutora.users_history.last_name IS 'The user''s last name (API lastName).';
COMMENT ON VIEW reporting.users IS 'Live users. Key user_id: joins raised_by_id, manager_id, a stakeholder''s user_id, assigned_to_id.';
COMMENT ON COLUMN reporting.users.user_id IS 'The user''s uuid (API id); joins raised_by_id, manager_id, user_id, assigned_to_id.';
COMMENT ON COLUMN reporting.users.user_name IS 'The user''s login name (API userName).';
COMMENT ON COLUMN reporting.users.first_name IS 'The user''s first name (API firstName).';
COMMENT ON COLUMN reporting.users.last_name IS 'The user''s last name (API lastName).';
COMMENT ON COLUMN reporting.users.email IS 'The user''s e-mail (API email; field assumed, NULL when the site does not send it).';
COMMENT ON COLUMN reporting.users.changed_in_warehouse_at IS 'When the record''s content last changed in the warehouse.';
COMMENT ON COLUMN reporting.change_references.raised_by_name IS 'The first and last name of the user who raised the change (users, by raised_by_id).';
COMMENT ON COLUMN reporting.release_references.manager_name IS 'The release manager''s first and last name (users, by manager_id).';

-- +goose Down
ALTER TABLE plutora.users ADD COLUMN name text;
UPDATE plutora.users SET name = raw->>'name';
ALTER TABLE plutora.users_history ADD COLUMN name text;
UPDATE plutora.users_history SET name = raw->>'name';
COMMENT ON COLUMN plutora.users.name IS 'The user''s name (API name; field assumed).';
COMMENT ON COLUMN plutora.users_history.name IS 'The user''s name (API name; field assumed).';

DROP VIEW reporting.users;
CREATE VIEW reporting.users AS
SELECT id AS user_id, name, email, _last_changed_at AS changed_in_warehouse_at
FROM plutora.users WHERE _deleted_at IS NULL;
COMMENT ON VIEW reporting.users IS 'Live users. Key user_id: joins raised_by_id, manager_id, a stakeholder''s user_id, assigned_to_id.';
COMMENT ON COLUMN reporting.users.user_id IS 'The user''s uuid (API id); joins raised_by_id, manager_id, user_id, assigned_to_id.';
COMMENT ON COLUMN reporting.users.name IS 'The user''s name (API name; field assumed).';
COMMENT ON COLUMN reporting.users.email IS 'The user''s e-mail (API email; field assumed).';
COMMENT ON COLUMN reporting.users.changed_in_warehouse_at IS 'When the record''s content last changed in the warehouse.';

CREATE OR REPLACE VIEW reporting.change_references AS
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

CREATE OR REPLACE VIEW reporting.release_references AS
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
COMMENT ON COLUMN reporting.change_references.raised_by_name IS 'The name of the user who raised the change (users, by raised_by_id).';
COMMENT ON COLUMN reporting.release_references.manager_name IS 'The release manager''s name (users, by manager_id).';

ALTER TABLE plutora.users DROP COLUMN user_name, DROP COLUMN first_name, DROP COLUMN last_name;
ALTER TABLE plutora.users_history DROP COLUMN user_name, DROP COLUMN first_name, DROP COLUMN last_name;
