-- cast_error(value, type_name) EXECUTEd the type name it was given (any
-- text after the cast ran as SQL) and was executable by PUBLIC; nothing has
-- called it since expr_error replaced it (00003): drop it.
--
-- 00011 revoked EXECUTE from PUBLIC on expr_error and probe_records by
-- name, which left every other function of plutora_sync, and any a later
-- migration adds, executable by PUBLIC. Revoke it on all of them, and stop
-- PUBLIC getting EXECUTE on functions the migrating role creates from now on
-- (default privileges are per role and database, and a per-schema default
-- cannot take away the global grant to PUBLIC, hence FOR ROLE current_user
-- without IN SCHEMA). The owner, the role that migrates and runs the
-- worker, keeps EXECUTE. BI roles never need plutora_sync
-- (docs/operations.md); plutora and reporting hold no functions, and
-- schema/privileges_test.go fails if one that PUBLIC may run appears.

-- +goose Up
DROP FUNCTION IF EXISTS plutora_sync.cast_error(text, text);
-- +goose StatementBegin
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
             WHERE p.pronamespace = 'plutora_sync'::regnamespace
    LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$$;
-- +goose StatementEnd
ALTER DEFAULT PRIVILEGES FOR ROLE CURRENT_USER REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- +goose Down
ALTER DEFAULT PRIVILEGES FOR ROLE CURRENT_USER GRANT EXECUTE ON FUNCTIONS TO PUBLIC;
-- +goose StatementBegin
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
             WHERE p.pronamespace = 'plutora_sync'::regnamespace
               AND p.proname NOT IN ('expr_error', 'probe_records')
    LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO PUBLIC', f);
    END LOOP;
END
$$;
-- +goose StatementEnd
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
