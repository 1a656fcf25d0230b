-- A run is the sandbox's by what the worker knows, not by one header
-- (issue 23): the demo marks its runs because it started the sandbox
-- itself; a run of sync or run is marked when it ends, by its data answers
-- (the sandbox marks every one with X-Plutora-Sandbox: 1, Plutora none). The
-- unauthenticated GET /me, which a proxy can mark alone, no longer marks
-- runs. A run whose data answers were of both kinds fails, and stays NULL,
-- as does one that ended without a data answer or is still running. Runs
-- already recorded keep their mark. Only the column's comment changes.

-- +goose Up
COMMENT ON COLUMN plutora_sync.runs.sandbox IS
    'true: the run read the sandbox (the demo started it, or every data answer carried X-Plutora-Sandbox: 1); false: a real Plutora (no data answer carried it); NULL: not known (recorded before the ledger said, running, no data answer, or answers of both kinds)';

-- +goose Down
COMMENT ON COLUMN plutora_sync.runs.sandbox IS
    'true: the run read the sandbox (its answers carry X-Plutora-Sandbox: 1); false: a real Plutora; NULL: recorded before the ledger said';
