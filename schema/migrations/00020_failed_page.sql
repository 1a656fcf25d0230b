-- A failed run keeps its place: the checkpoint's next_page stays, so the next
-- attempt continues there instead of at page 0, and the checkpoint counts the
-- failed runs in a row at that page. The runner skips a job whose page kept
-- failing (sync.MaxPageFailures) until a census succeeds or an operator
-- resets the count.

-- +goose Up
ALTER TABLE plutora_sync.checkpoints
    ADD COLUMN failures integer NOT NULL DEFAULT 0,
    ADD COLUMN failure  text;
COMMENT ON COLUMN plutora_sync.checkpoints.failures IS
    'Failed runs in a row that stopped at next_page on a bad page; the job is skipped from 3 on, until a census succeeds or this is set to 0.';
COMMENT ON COLUMN plutora_sync.checkpoints.failure IS
    'The error of the last failed run at next_page.';

-- +goose Down
ALTER TABLE plutora_sync.checkpoints DROP COLUMN failures, DROP COLUMN failure;
