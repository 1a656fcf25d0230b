-- The pages of a run are written one after the other again (load.Pipeline
-- is gone), so the page-order functions of 00009 go. The page statement
-- now writes only the page's rows (the checkpoint and the ledger are a
-- second statement in the same transaction) and takes two parameters: the
-- page and the run id; probe_records passes just those.

-- +goose Up
DROP FUNCTION plutora_sync.page_after(integer, integer, text, text, text, bigint);
DROP FUNCTION plutora_sync.page_lock(integer, integer);
DROP FUNCTION plutora_sync.probe_records(text, text[], bigint, text, text, integer, integer, timestamptz, boolean, timestamptz);

-- +goose StatementBegin
CREATE FUNCTION plutora_sync.probe_records(stmt text, recs text[], run_id bigint)
RETURNS TABLE (idx integer, err text, code text)
LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1 .. coalesce(array_length(recs, 1), 0) LOOP
        BEGIN
            EXECUTE stmt USING '[' || recs[i] || ']', run_id;
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
DROP FUNCTION plutora_sync.probe_records(text, text[], bigint);

-- +goose StatementBegin
CREATE FUNCTION plutora_sync.probe_records(
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
