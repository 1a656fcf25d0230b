-- probe_records tries a page statement on each record alone, each in a
-- subtransaction that is always rolled back, and returns the records that
-- fail with the error: the writer's way to sort out a page that failed as a
-- whole, in one round trip.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION plutora_sync.probe_records(
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

-- +goose Down
DROP FUNCTION plutora_sync.probe_records(text, text[], bigint, text, text, integer, integer, timestamptz, boolean, timestamptz);
