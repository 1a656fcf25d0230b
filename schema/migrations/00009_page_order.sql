-- Pages of one run may be written side by side, each in its own
-- transaction (load.Pipeline), and must still commit in page order, so that
-- the checkpoint never passes a page that is not there. A page written so
-- takes a transaction-level advisory lock on (its pipeline, its page) as it
-- starts; when its data are written, and before it moves the checkpoint, it
-- waits for the page before it to end and checks that the checkpoint says
-- that page committed. The waits are PostgreSQL's, so a cycle between two
-- pages is a deadlock that PostgreSQL detects and breaks.
--
-- probe_records now also passes the page statement's two new parameters
-- (NULL: written alone); a worker of the version before, running while this
-- one migrates, passes them to a statement that does not read them.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION plutora_sync.page_lock(pipeline integer, page integer) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF pipeline IS NOT NULL THEN
        PERFORM pg_advisory_xact_lock(pipeline, page);
    END IF;
    RETURN true;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION plutora_sync.page_after(pipeline integer, prev_page integer,
    p_product text, p_entity text, p_mode text, p_run_id bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    k record;
BEGIN
    IF pipeline IS NULL OR prev_page IS NULL THEN
        RETURN true;
    END IF;
    PERFORM pg_advisory_xact_lock_shared(pipeline, prev_page);
    -- A volatile function's query reads what committed before it started:
    -- the page before, if it committed.
    SELECT c.run_id, c.next_page INTO k FROM plutora_sync.checkpoints c
    WHERE c.product = p_product AND c.entity = p_entity AND c.mode = p_mode;
    IF NOT FOUND OR k.next_page IS DISTINCT FROM prev_page + 1 OR k.run_id IS DISTINCT FROM NULLIF(p_run_id, 0) THEN
        RAISE EXCEPTION '% page % was written beside page %, which did not commit', p_entity, prev_page + 1, prev_page
            USING ERRCODE = 'PS002';
    END IF;
    RETURN true;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION plutora_sync.probe_records(
    stmt text, recs text[], run_id bigint, product text, mode text, page integer, total integer,
    watermark timestamptz, census boolean, since timestamptz)
RETURNS TABLE (idx integer, err text, code text)
LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1 .. coalesce(array_length(recs, 1), 0) LOOP
        BEGIN
            EXECUTE stmt USING '[' || recs[i] || ']', run_id, product, mode, page, total, watermark, 0, census, since,
                NULL::integer, NULL::integer;
            RAISE EXCEPTION 'probe done' USING ERRCODE = 'PS001'; -- undo what the probe wrote
        EXCEPTION
            WHEN SQLSTATE 'PS001' THEN NULL;
            WHEN others THEN
                idx := i; err := SQLERRM; code := SQLSTATE;
                RETURN NEXT;
        END;
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION plutora_sync.probe_records(
    stmt text, recs text[], run_id bigint, product text, mode text, page integer, total integer,
    watermark timestamptz, census boolean, since timestamptz)
RETURNS TABLE (idx integer, err text, code text)
LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1 .. coalesce(array_length(recs, 1), 0) LOOP
        BEGIN
            EXECUTE stmt USING '[' || recs[i] || ']', run_id, product, mode, page, total, watermark, 0, census, since;
            RAISE EXCEPTION 'probe done' USING ERRCODE = 'PS001'; -- undo what the probe wrote
        EXCEPTION
            WHEN SQLSTATE 'PS001' THEN NULL;
            WHEN others THEN
                idx := i; err := SQLERRM; code := SQLSTATE;
                RETURN NEXT;
        END;
    END LOOP;
END
$$;
-- +goose StatementEnd
DROP FUNCTION plutora_sync.page_after(integer, integer, text, text, text, bigint);
DROP FUNCTION plutora_sync.page_lock(integer, integer);
