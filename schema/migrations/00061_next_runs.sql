-- When each adaptively refreshed entity runs next, and why it waits that long
-- (issue 22): a poll that fell back to a sweep (no watermark yet, a filter
-- the API fails on, a resumed run) waits at most POLL_CEILING unless the
-- key's spare budget cannot afford its size; `plutora-sync status` shows the
-- wait, the daemon's poller writes it after each run.

-- +goose Up
CREATE TABLE plutora_sync.next_runs (
    product    text NOT NULL,
    entity     text NOT NULL,
    due_at     timestamptz NOT NULL,
    reason     text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (product, entity)
);
COMMENT ON TABLE plutora_sync.next_runs IS
    'When the daemon runs each adaptively refreshed entity next, and why it waits that long.';
COMMENT ON COLUMN plutora_sync.next_runs.product IS 'The product (plutora or plutoratest).';
COMMENT ON COLUMN plutora_sync.next_runs.entity IS 'The entity.';
COMMENT ON COLUMN plutora_sync.next_runs.due_at IS 'When its next run is due.';
COMMENT ON COLUMN plutora_sync.next_runs.reason IS
    'Why it waits that long: adaptive (the interval between POLL_FLOOR and POLL_CEILING), budget_share (its share of the budget), fallback or key_budget (the last run was a sweep instead of a poll, /and why), catch_up.';
COMMENT ON COLUMN plutora_sync.next_runs.updated_at IS 'When the daemon wrote the row.';

-- +goose Down
DROP TABLE plutora_sync.next_runs;
