-- Raw records compress with lz4 rather than pglz: several times cheaper in
-- server CPU when a row goes over the TOAST threshold (a change with its
-- description is about 2.5 KB). Child-table indexes that the writer does not
-- use and BI rarely needs are dropped: each costs an index insert per child row.

-- +goose Up
ALTER TABLE plutora.changes ALTER COLUMN raw SET COMPRESSION lz4;
ALTER TABLE plutora.releases ALTER COLUMN raw SET COMPRESSION lz4;
ALTER TABLE plutora.environments ALTER COLUMN raw SET COMPRESSION lz4;
ALTER TABLE plutora.hosts ALTER COLUMN raw SET COMPRESSION lz4;
ALTER TABLE plutora.systems ALTER COLUMN raw SET COMPRESSION lz4;
ALTER TABLE plutora.defects ALTER COLUMN raw SET COMPRESSION lz4;
ALTER TABLE plutora.changes_history ALTER COLUMN raw SET COMPRESSION lz4;
ALTER TABLE plutora.releases_history ALTER COLUMN raw SET COMPRESSION lz4;
ALTER TABLE plutora.environments_history ALTER COLUMN raw SET COMPRESSION lz4;
ALTER TABLE plutora.hosts_history ALTER COLUMN raw SET COMPRESSION lz4;
ALTER TABLE plutora.systems_history ALTER COLUMN raw SET COMPRESSION lz4;
ALTER TABLE plutora.defects_history ALTER COLUMN raw SET COMPRESSION lz4;
DROP INDEX plutora.change_custom_fields_name;
DROP INDEX plutora.release_custom_fields_name;
DROP INDEX plutora.change_systems_system_id;

-- +goose Down
CREATE INDEX change_systems_system_id ON plutora.change_systems (system_id);
CREATE INDEX release_custom_fields_name ON plutora.release_custom_fields (name);
CREATE INDEX change_custom_fields_name ON plutora.change_custom_fields (name);
ALTER TABLE plutora.changes ALTER COLUMN raw SET COMPRESSION pglz;
ALTER TABLE plutora.releases ALTER COLUMN raw SET COMPRESSION pglz;
ALTER TABLE plutora.environments ALTER COLUMN raw SET COMPRESSION pglz;
ALTER TABLE plutora.hosts ALTER COLUMN raw SET COMPRESSION pglz;
ALTER TABLE plutora.systems ALTER COLUMN raw SET COMPRESSION pglz;
ALTER TABLE plutora.defects ALTER COLUMN raw SET COMPRESSION pglz;
ALTER TABLE plutora.changes_history ALTER COLUMN raw SET COMPRESSION pglz;
ALTER TABLE plutora.releases_history ALTER COLUMN raw SET COMPRESSION pglz;
ALTER TABLE plutora.environments_history ALTER COLUMN raw SET COMPRESSION pglz;
ALTER TABLE plutora.hosts_history ALTER COLUMN raw SET COMPRESSION pglz;
ALTER TABLE plutora.systems_history ALTER COLUMN raw SET COMPRESSION pglz;
ALTER TABLE plutora.defects_history ALTER COLUMN raw SET COMPRESSION pglz;
