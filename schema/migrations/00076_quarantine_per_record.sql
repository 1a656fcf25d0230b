-- The quarantine keeps one row per record (issue 23, point 8): a record
-- quarantined again updates its row (reason, bytes, run, last_seen_at,
-- seen_count) instead of adding one for each new version of its bytes, which
-- grew the table by every bad record on every sweep. Records without a usable
-- id are still kept once per bytes. The rows of a record become one here: the
-- newest row stays, with the earliest first_seen_at and the seen_counts added;
-- it is open when any of them was.
--
-- Resolved rows (and rows of records without an id, which can never resolve)
-- are pruned by the writer after QUARANTINE_RETENTION (docs/configuration.md);
-- the index on resolved_at serves that.

-- +goose Up
WITH ranked AS (
    SELECT id, entity, record_id,
           row_number() OVER (PARTITION BY entity, record_id ORDER BY last_seen_at DESC, id DESC) AS k,
           min(first_seen_at) OVER w AS first_seen, sum(seen_count) OVER w AS seen,
           bool_or(resolved_at IS NULL) OVER w AS open, max(resolved_at) OVER w AS resolved
    FROM plutora_sync.quarantine
    WHERE record_id IS NOT NULL
    WINDOW w AS (PARTITION BY entity, record_id)
), kept AS (
    UPDATE plutora_sync.quarantine q
    SET first_seen_at = r.first_seen, seen_count = r.seen,
        resolved_at = CASE WHEN r.open THEN NULL ELSE r.resolved END
    FROM ranked r WHERE q.id = r.id AND r.k = 1
)
DELETE FROM plutora_sync.quarantine q USING ranked r WHERE q.id = r.id AND r.k > 1;

ALTER TABLE plutora_sync.quarantine DROP CONSTRAINT quarantine_entity_raw_sha256_key;
CREATE UNIQUE INDEX quarantine_record ON plutora_sync.quarantine (entity, record_id) WHERE record_id IS NOT NULL;
CREATE UNIQUE INDEX quarantine_anonymous ON plutora_sync.quarantine (entity, raw_sha256) WHERE record_id IS NULL;
CREATE INDEX quarantine_resolved ON plutora_sync.quarantine (resolved_at) WHERE resolved_at IS NOT NULL;

COMMENT ON TABLE plutora_sync.quarantine IS
    'Records that could not be loaded, one row per record (per bytes for a record without a usable id), with the last reason and bytes. BI: reporting.quarantine.';
COMMENT ON COLUMN plutora_sync.quarantine.raw IS 'The bytes last received.';
COMMENT ON COLUMN plutora_sync.quarantine.raw_sha256 IS 'SHA-256 of the bytes (a record without a usable id is kept once per bytes).';
COMMENT ON COLUMN plutora_sync.quarantine.seen_count IS 'How many times the record was quarantined (each version, each run).';
COMMENT ON COLUMN plutora_sync.quarantine.resolved_at IS
    'When the record loaded after being quarantined (NULL: still open); resolved rows are pruned after QUARANTINE_RETENTION.';

-- +goose Down
COMMENT ON TABLE plutora_sync.quarantine IS 'Records that could not be loaded, with the reason and the bytes as received. BI: reporting.quarantine.';
COMMENT ON COLUMN plutora_sync.quarantine.raw IS 'The bytes as received.';
COMMENT ON COLUMN plutora_sync.quarantine.raw_sha256 IS 'SHA-256 of the bytes (the same bytes are kept once).';
COMMENT ON COLUMN plutora_sync.quarantine.seen_count IS 'How many times it was seen.';
COMMENT ON COLUMN plutora_sync.quarantine.resolved_at IS 'When a good version of the record loaded (NULL: still open).';
DROP INDEX plutora_sync.quarantine_resolved, plutora_sync.quarantine_anonymous, plutora_sync.quarantine_record;
ALTER TABLE plutora_sync.quarantine ADD CONSTRAINT quarantine_entity_raw_sha256_key UNIQUE (entity, raw_sha256);
