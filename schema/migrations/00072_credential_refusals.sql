-- A product whose credentials the token endpoint refuses (issue 23): the
-- daemon makes no token request before the next attempt (a minute after the
-- first refusal, the wait doubling up to an hour: Plutora locks accounts
-- after repeated failed logins) and records here what to fix, so that
-- `plutora-sync status`, another process, can say it. The row goes when a
-- grant succeeds.

-- +goose Up
CREATE TABLE plutora_sync.credential_refusals (
    product      text PRIMARY KEY,
    since        timestamptz NOT NULL,
    refusals     integer NOT NULL,
    next_attempt timestamptz NOT NULL,
    code         text NOT NULL,
    fix          text NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE plutora_sync.credential_refusals IS
    'Products whose API credentials the token endpoint refuses: the daemon waits before asking again, and says what to fix.';
COMMENT ON COLUMN plutora_sync.credential_refusals.product IS 'The product (plutora or plutoratest).';
COMMENT ON COLUMN plutora_sync.credential_refusals.since IS 'The first refusal in a row.';
COMMENT ON COLUMN plutora_sync.credential_refusals.refusals IS 'Refused token requests in a row.';
COMMENT ON COLUMN plutora_sync.credential_refusals.next_attempt IS 'No token request before this.';
COMMENT ON COLUMN plutora_sync.credential_refusals.code IS
    'What the token endpoint answered: an OAuth error code (invalid_client, invalid_grant, …) or HTTP 401 / HTTP 403.';
COMMENT ON COLUMN plutora_sync.credential_refusals.fix IS 'What to fix: the variables to check.';
COMMENT ON COLUMN plutora_sync.credential_refusals.updated_at IS 'When the daemon wrote the row.';

-- +goose Down
DROP TABLE plutora_sync.credential_refusals;
