-- The worker's own tables: the run ledger, checkpoints, request counts for the
-- budget pacer, quarantine of bad records, and the ids seen by census runs.

-- +goose Up
CREATE SCHEMA IF NOT EXISTS plutora_sync;

-- One row per run of a job (product, entity, mode).
CREATE TABLE plutora_sync.runs (
    id          bigserial PRIMARY KEY,
    product     text        NOT NULL,
    mode        text        NOT NULL CHECK (mode IN ('incremental', 'sweep', 'census')),
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    status      text        NOT NULL DEFAULT 'running'
                CHECK (status IN ('running', 'success', 'failed', 'skipped', 'abandoned')),
    error       text
);
CREATE INDEX runs_started_at ON plutora_sync.runs (started_at);

-- What a run did per entity: the ledger BI and `status` read. Page counts
-- are added in the same transaction as each page, so they survive a crash.
CREATE TABLE plutora_sync.run_entities (
    run_id           bigint      NOT NULL REFERENCES plutora_sync.runs (id),
    entity           text        NOT NULL,
    mode             text        NOT NULL,
    pages            integer     NOT NULL DEFAULT 0,
    requests         integer     NOT NULL DEFAULT 0,
    throttled        integer     NOT NULL DEFAULT 0,
    retries          integer     NOT NULL DEFAULT 0,
    token_renewals   integer     NOT NULL DEFAULT 0,
    inserted         integer     NOT NULL DEFAULT 0,
    updated          integer     NOT NULL DEFAULT 0,
    unchanged        integer     NOT NULL DEFAULT 0,
    deleted          integer     NOT NULL DEFAULT 0,
    quarantined      integer     NOT NULL DEFAULT 0,
    total_first      integer,
    total_last       integer,
    ids_seen         integer,
    complete         boolean,
    deletion_note    text,
    watermark_before timestamptz,
    watermark_after  timestamptz,
    budget_used      integer,
    budget_limit     integer,
    error            text,
    PRIMARY KEY (run_id, entity)
);
CREATE INDEX run_entities_entity ON plutora_sync.run_entities (entity, run_id);

-- Where a job stands: the run in progress and its next page, and the
-- watermark of the last committed page. One row per (product, entity, mode).
CREATE TABLE plutora_sync.checkpoints (
    product     text        NOT NULL,
    entity      text        NOT NULL,
    mode        text        NOT NULL,
    run_id      bigint,
    next_page   integer     NOT NULL DEFAULT 0,
    since       timestamptz,
    watermark   timestamptz,
    total_count integer     NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (product, entity, mode)
);

-- Requests made per API key per minute: the pacer's memory across restarts
-- and replicas.
CREATE TABLE plutora_sync.request_counts (
    key    text        NOT NULL,
    minute timestamptz NOT NULL,
    count  integer     NOT NULL,
    PRIMARY KEY (key, minute)
);

-- Records that could not be loaded, with why and the bytes as received. The
-- same bytes for the same entity are kept once (seen_count counts repeats).
CREATE TABLE plutora_sync.quarantine (
    id            bigserial   PRIMARY KEY,
    entity        text        NOT NULL,
    run_id        bigint,
    page          integer     NOT NULL,
    record_index  integer     NOT NULL,
    record_id     text,
    reason        text        NOT NULL,
    raw           bytea       NOT NULL,
    raw_text      text,
    raw_sha256    bytea       NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    seen_count    integer     NOT NULL DEFAULT 1,
    resolved_at   timestamptz,
    UNIQUE (entity, raw_sha256)
);
CREATE INDEX quarantine_open ON plutora_sync.quarantine (entity, record_id) WHERE resolved_at IS NULL;

-- Ids seen by a census run, written with each page, cleared when the run
-- finishes. A plain table: a resumed census must still know what it saw.
CREATE TABLE plutora_sync.census_seen (
    run_id bigint NOT NULL,
    id     uuid   NOT NULL,
    PRIMARY KEY (run_id, id)
);

-- cast_error returns NULL when value casts to type_name, else the error text.
-- Used only to name the bad field of a record that failed to load.
-- +goose StatementBegin
CREATE FUNCTION plutora_sync.cast_error(value text, type_name text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SELECT %L::%s', value, type_name);
    RETURN NULL;
EXCEPTION WHEN others THEN
    RETURN SQLERRM;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP SCHEMA plutora_sync CASCADE;
