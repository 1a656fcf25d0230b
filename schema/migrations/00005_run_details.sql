-- More of what the ledger says about a run: where it read from, a note (such
-- as a budget-plan warning) and whether it resumed after a crash.

-- +goose Up
ALTER TABLE plutora_sync.runs ADD COLUMN source_url text;
ALTER TABLE plutora_sync.runs ADD COLUMN note text;
ALTER TABLE plutora_sync.runs ADD COLUMN resumed boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE plutora_sync.runs DROP COLUMN source_url, DROP COLUMN note, DROP COLUMN resumed;
