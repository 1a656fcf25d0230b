-- A census runs beside the incremental runs and sweeps of its entity (issue
-- 22), so a poll may write a row the census never saw: a record created
-- after the census read its last page. Such a row is alive, and must not be
-- marked deleted. The census needs its start by the database's clock, the
-- one _synced_at is written with (the worker's clock may differ, or be a
-- test's): a row written after it is no candidate.
--
-- Runs recorded before this migration get the time of the migration.

-- +goose Up
ALTER TABLE plutora_sync.runs ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now();
COMMENT ON COLUMN plutora_sync.runs.recorded_at IS
    'When the run was recorded, by the database''s clock: a census marks no row written (_synced_at) after it';

-- +goose Down
ALTER TABLE plutora_sync.runs DROP COLUMN recorded_at;
