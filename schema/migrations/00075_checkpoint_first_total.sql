-- The first totalCount of the run in progress, kept with its checkpoint
-- (issue 23): the runaway guard allows a run twice its first totalCount
-- plus 10 pages, and a run that resumed took the totalCount of its last
-- committed page instead, so that a server whose total grows raised the
-- limit at every resumption. The page write sets it on a run's page 0 and
-- keeps it on later pages; a run that continues a failed one keeps it.
-- Existing checkpoints start from their last totalCount, the best known.

-- +goose Up
ALTER TABLE plutora_sync.checkpoints ADD COLUMN first_total integer NOT NULL DEFAULT 0;
UPDATE plutora_sync.checkpoints SET first_total = total_count;
COMMENT ON COLUMN plutora_sync.checkpoints.first_total IS
    'totalCount of the first page of the run in progress (or of the failed run the next one continues): its runaway limit is twice this plus 10 pages.';

-- +goose Down
ALTER TABLE plutora_sync.checkpoints DROP COLUMN first_total;
