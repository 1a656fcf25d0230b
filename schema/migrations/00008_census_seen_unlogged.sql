-- Every run now records the ids it reads (the runner counts distinct ids
-- without holding them in memory), so census_seen takes a row per record per
-- run: unlogged, it costs no WAL. After a PostgreSQL crash it is empty; a run
-- resumed after that sees fewer ids than totalCount, so it marks no deletions
-- and advances no watermark: the safe side.

-- +goose Up
ALTER TABLE plutora_sync.census_seen SET UNLOGGED;

-- +goose Down
ALTER TABLE plutora_sync.census_seen SET LOGGED;
