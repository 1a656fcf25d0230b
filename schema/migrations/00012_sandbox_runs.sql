-- Each run says whether it read the sandbox (extract/plutoratest, whose every
-- answer carries the header X-Plutora-Sandbox: 1, which Plutora never sends)
-- or a real Plutora, so that demo, run and sync can refuse to mix sandbox
-- records and real ones in one warehouse. A loopback URL proves nothing: real
-- data can sit behind a local proxy.
--
-- Runs recorded before this migration keep NULL: nobody knows which they
-- read. demo counts them as real; run and sync let them be.

-- +goose Up
ALTER TABLE plutora_sync.runs ADD COLUMN sandbox boolean;
ALTER TABLE plutora_sync.runs ALTER COLUMN sandbox SET DEFAULT false;
COMMENT ON COLUMN plutora_sync.runs.sandbox IS
    'true: the run read the sandbox (its answers carry X-Plutora-Sandbox: 1); false: a real Plutora; NULL: recorded before the ledger said';

-- +goose Down
ALTER TABLE plutora_sync.runs DROP COLUMN sandbox;
