-- expr_error and probe_records run the SQL text they are given (EXECUTE).
-- Functions are executable by PUBLIC unless revoked, so any role that can
-- reach plutora_sync (a BI role given USAGE on it by mistake) could run text
-- through them. They are SECURITY INVOKER, so a caller gains no privilege it
-- lacks; still, nothing but the worker has a use for them: revoke EXECUTE
-- from PUBLIC. Their owner, the role that migrates and runs the worker,
-- keeps it, so no GRANT is needed.
--
-- The functions are found by name, so whichever signature a later migration
-- gave them (00010 may re-create probe_records), and none is skipped.

-- +goose Up
-- +goose StatementBegin
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
             WHERE p.pronamespace = 'plutora_sync'::regnamespace
               AND p.proname IN ('expr_error', 'probe_records')
    LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
             WHERE p.pronamespace = 'plutora_sync'::regnamespace
               AND p.proname IN ('expr_error', 'probe_records')
    LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO PUBLIC', f);
    END LOOP;
END
$$;
-- +goose StatementEnd
