-- expr_error evaluates the SQL expression expr with $1 bound to input and
-- returns NULL when it succeeds, else the error text. The writer uses it only
-- on a record that failed to load, to name the field at fault.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION plutora_sync.expr_error(expr text, input text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'SELECT ' || expr USING input;
    RETURN NULL;
EXCEPTION WHEN others THEN
    RETURN SQLERRM;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION plutora_sync.expr_error(text, text);
