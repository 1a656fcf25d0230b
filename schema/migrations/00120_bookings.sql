-- Environment bookings (issue 25): GET /Bookings, always paged, no filter
-- on a modified field and no GET by id (docs/plutora-api.md, "Core
-- objects"), so the worker sweeps them like environments and its census
-- trusts the counts. A booking's state is derived from its neighbours
-- (Conflicting when another booking of its environment overlaps it) and
-- changes without moving its timeStamp: a sweep sees it, and the history
-- keeps it. Shaped as every entity table (00002, 00040).

-- +goose Up
CREATE TABLE plutora.bookings (
    id                   uuid PRIMARY KEY,
    environment_id       uuid,
    is_environment_group boolean,
    release_id           uuid,
    phase_id             uuid,
    tebr_id              uuid,
    start_date           date,
    end_date             date,
    status               text,
    state                text,
    status_updater_id    uuid,
    time_stamp           timestamptz,
    raw                  jsonb COMPRESSION lz4 NOT NULL,
    _first_seen_at       timestamptz NOT NULL DEFAULT now(),
    _last_changed_at     timestamptz NOT NULL DEFAULT now(),
    _synced_at           timestamptz NOT NULL DEFAULT now(),
    _deleted_at          timestamptz,
    _run_id              bigint
);
CREATE INDEX bookings_environment ON plutora.bookings (environment_id, start_date);
CREATE INDEX bookings_release ON plutora.bookings (release_id);

CREATE TABLE plutora.bookings_history (
    history_id           bigserial PRIMARY KEY,
    id                   uuid        NOT NULL,
    valid_from           timestamptz NOT NULL,
    valid_to             timestamptz NOT NULL,
    raw                  jsonb       COMPRESSION lz4 NOT NULL,
    _run_id              bigint,
    _synced_at           timestamptz NOT NULL DEFAULT now(),
    environment_id       uuid,
    is_environment_group boolean,
    release_id           uuid,
    phase_id             uuid,
    tebr_id              uuid,
    start_date           date,
    end_date             date,
    status               text,
    state                text,
    status_updater_id    uuid,
    time_stamp           timestamptz
);
CREATE INDEX bookings_history_id ON plutora.bookings_history (id, valid_from);

CREATE VIEW reporting.bookings AS
SELECT b.id AS booking_id, b.environment_id, e.name AS environment_name, b.is_environment_group,
       b.release_id, r.name AS release_name, b.phase_id, b.tebr_id,
       b.start_date, b.end_date, b.status, b.state, b.state = 'Conflicting' AS is_conflicting,
       b.status_updater_id, b.time_stamp AS booked_or_changed_at,
       b._last_changed_at AS changed_in_warehouse_at
FROM plutora.bookings b
LEFT JOIN plutora.environments e ON e.id = b.environment_id AND e._deleted_at IS NULL
LEFT JOIN plutora.releases r ON r.id = b.release_id AND r._deleted_at IS NULL
WHERE b._deleted_at IS NULL;

CREATE VIEW reporting.booking_versions AS
SELECT h.id AS booking_id, h.environment_id, h.is_environment_group, h.release_id, h.phase_id, h.tebr_id,
       h.start_date, h.end_date, h.status, h.state, h.status_updater_id,
       h.valid_from, h.valid_to, false AS is_current, h._run_id AS run_id
FROM plutora.bookings_history h
WHERE EXISTS (SELECT 1 FROM plutora.bookings b WHERE b.id = h.id AND b._deleted_at IS NULL)
UNION ALL
SELECT id, environment_id, is_environment_group, release_id, phase_id, tebr_id, start_date, end_date, status, state,
       status_updater_id, _last_changed_at, NULL, true, _run_id
FROM plutora.bookings WHERE _deleted_at IS NULL;

COMMENT ON TABLE plutora.bookings IS 'Environment bookings (GET /Bookings), deleted ones included. BI: reporting.bookings.';
COMMENT ON TABLE plutora.bookings_history IS 'Superseded versions of bookings, typed as plutora.bookings: a state that became Conflicting is a version.';
COMMENT ON VIEW reporting.bookings IS 'Live environment bookings: one environment for one phase of one release, from start_date to end_date (end exclusive). Key booking_id.';
-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['plutora.bookings', 'plutora.bookings_history'] LOOP
        EXECUTE format($c$
            COMMENT ON COLUMN %1$s.id IS 'The booking''s id (API id).';
            COMMENT ON COLUMN %1$s.raw IS 'The booking as the API answered it.';
            COMMENT ON COLUMN %1$s._run_id IS 'The run (plutora_sync.runs) that wrote this version.';
            COMMENT ON COLUMN %1$s._synced_at IS 'When the worker last wrote this version.';
            COMMENT ON COLUMN %1$s.environment_id IS 'The environment booked (API environmentId); joins plutora.environments.id.';
            COMMENT ON COLUMN %1$s.is_environment_group IS 'Whether environment_id names an environment group (API isEnvironmentGroup).';
            COMMENT ON COLUMN %1$s.release_id IS 'The release the booking is for (API releaseId); joins plutora.releases.id.';
            COMMENT ON COLUMN %1$s.phase_id IS 'The release phase the booking is for (API phaseId).';
            COMMENT ON COLUMN %1$s.tebr_id IS 'The TEBR the booking was made for, NULL for none (API tebrId).';
            COMMENT ON COLUMN %1$s.start_date IS 'First day booked (API startDate).';
            COMMENT ON COLUMN %1$s.end_date IS 'Day the booking ends, exclusive (API endDate).';
            COMMENT ON COLUMN %1$s.status IS 'Pending or Approved (API status).';
            COMMENT ON COLUMN %1$s.state IS 'Available, In Use or Conflicting (API state): Conflicting when another booking of the environment overlaps.';
            COMMENT ON COLUMN %1$s.status_updater_id IS 'Who approved it, NULL while Pending (API statusUpdaterId); joins plutora.users.id.';
            COMMENT ON COLUMN %1$s.time_stamp IS 'The booking''s own last change (API timeStamp); a state change does not move it.';
        $c$, t);
    END LOOP;
END $$;
-- +goose StatementEnd
COMMENT ON COLUMN plutora.bookings._first_seen_at IS 'When the worker first saw the booking.';
COMMENT ON COLUMN plutora.bookings._last_changed_at IS 'When the worker last saw the booking change.';
COMMENT ON COLUMN plutora.bookings._deleted_at IS 'When a census found the booking gone; NULL while it lives.';
COMMENT ON COLUMN plutora.bookings_history.history_id IS 'Row id.';
COMMENT ON COLUMN plutora.bookings_history.valid_from IS 'When this version became current in the warehouse.';
COMMENT ON COLUMN plutora.bookings_history.valid_to IS 'When the next version replaced it.';
COMMENT ON COLUMN reporting.bookings.booking_id IS 'The booking''s id.';
COMMENT ON COLUMN reporting.bookings.environment_id IS 'The environment booked; joins reporting.environments.';
COMMENT ON COLUMN reporting.bookings.environment_name IS 'The environment''s name, NULL when the warehouse does not hold it live.';
COMMENT ON COLUMN reporting.bookings.is_environment_group IS 'Whether environment_id names an environment group.';
COMMENT ON COLUMN reporting.bookings.release_id IS 'The release the booking is for; joins reporting.releases.';
COMMENT ON COLUMN reporting.bookings.release_name IS 'The release''s name, NULL when the warehouse does not hold it live.';
COMMENT ON COLUMN reporting.bookings.phase_id IS 'The release phase the booking is for.';
COMMENT ON COLUMN reporting.bookings.tebr_id IS 'The TEBR the booking was made for, NULL for none.';
COMMENT ON COLUMN reporting.bookings.start_date IS 'First day booked.';
COMMENT ON COLUMN reporting.bookings.end_date IS 'Day the booking ends, exclusive: the booking covers [start_date, end_date).';
COMMENT ON COLUMN reporting.bookings.status IS 'Pending or Approved.';
COMMENT ON COLUMN reporting.bookings.state IS 'Available, In Use or Conflicting.';
COMMENT ON COLUMN reporting.bookings.is_conflicting IS 'Whether another booking of the environment overlaps this one (state = Conflicting).';
COMMENT ON COLUMN reporting.bookings.status_updater_id IS 'Who approved it, NULL while Pending; joins reporting.users.';
COMMENT ON COLUMN reporting.bookings.booked_or_changed_at IS 'The booking''s own last change in Plutora (API timeStamp).';
COMMENT ON COLUMN reporting.bookings.changed_in_warehouse_at IS 'When the warehouse last saw the booking change.';

COMMENT ON VIEW reporting.booking_versions IS 'Every version of each live booking the warehouse saw: superseded ones from the history, and the current one (is_current). A state that became Conflicting is a version.';
COMMENT ON COLUMN reporting.booking_versions.booking_id IS 'The booking''s id.';
COMMENT ON COLUMN reporting.booking_versions.environment_id IS 'The environment booked.';
COMMENT ON COLUMN reporting.booking_versions.is_environment_group IS 'Whether environment_id names an environment group.';
COMMENT ON COLUMN reporting.booking_versions.release_id IS 'The release the booking is for.';
COMMENT ON COLUMN reporting.booking_versions.phase_id IS 'The release phase the booking is for.';
COMMENT ON COLUMN reporting.booking_versions.tebr_id IS 'The TEBR the booking was made for, NULL for none.';
COMMENT ON COLUMN reporting.booking_versions.start_date IS 'First day booked.';
COMMENT ON COLUMN reporting.booking_versions.end_date IS 'Day the booking ends, exclusive.';
COMMENT ON COLUMN reporting.booking_versions.status IS 'Pending or Approved.';
COMMENT ON COLUMN reporting.booking_versions.state IS 'Available, In Use or Conflicting.';
COMMENT ON COLUMN reporting.booking_versions.status_updater_id IS 'Who approved it, NULL while Pending.';
COMMENT ON COLUMN reporting.booking_versions.valid_from IS 'When the warehouse first held this version.';
COMMENT ON COLUMN reporting.booking_versions.valid_to IS 'When the next version replaced it; NULL for the current one.';
COMMENT ON COLUMN reporting.booking_versions.is_current IS 'Whether this is the version the warehouse holds now.';
COMMENT ON COLUMN reporting.booking_versions.run_id IS 'The run (plutora_sync.runs) that wrote this version.';

-- +goose Down
DROP VIEW reporting.booking_versions;
DROP VIEW reporting.bookings;
DROP TABLE plutora.bookings_history;
DROP TABLE plutora.bookings;
