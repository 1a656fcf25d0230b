-- Keys a tool can read (issue 29 point 2, docs/warehouse.md "Keys and
-- relationships"): every child table gets the primary key (parent, ordinal)
-- and a foreign key to its parent, which the page transaction writes with
-- its children (load/statement.go).
--
-- The primary key is DEFERRABLE (checked at the end of each statement, not
-- per row): the page statement deletes an updated record's children and
-- inserts the new ones in the same statement, and PostgreSQL runs the insert
-- first. The foreign key cascades: the worker never deletes a record (a
-- census marks it), so only a hand-made DELETE of a record meets it.
--
-- Before the keys, the data is made to fit: children whose parent is gone are
-- removed, rows from before ordinals (00004) are numbered after the others,
-- and of two rows at one position (none that the page statement writes) the
-- first kept.

-- +goose Up
-- +goose StatementBegin
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('change_systems', 'change_id', 'changes'), ('change_delivery_releases', 'change_id', 'changes'),
        ('change_stakeholders', 'change_id', 'changes'), ('change_custom_fields', 'change_id', 'changes'),
        ('release_custom_fields', 'release_id', 'releases'), ('release_phases', 'release_id', 'releases'),
        ('release_gates', 'release_id', 'releases'), ('release_activities', 'release_id', 'releases'),
        ('release_criteria', 'release_id', 'releases'), ('release_stakeholders', 'release_id', 'releases'),
        ('host_layers', 'host_id', 'hosts'), ('system_custom_fields', 'system_id', 'systems'),
        ('defect_fields', 'defect_id', 'defects'), ('tecr_environments', 'tecr_id', 'tecrs'),
        ('tecr_linked_changes', 'tecr_id', 'tecrs'), ('tebr_environments', 'tebr_id', 'tebrs'),
        ('environment_group_members', 'group_id', 'environment_groups')
    ) AS v(child, parent_col, parent)
    LOOP
        EXECUTE format('DELETE FROM plutora.%1$I c WHERE NOT EXISTS (SELECT 1 FROM plutora.%3$I p WHERE p.id = c.%2$I)',
            t.child, t.parent_col, t.parent);
        EXECUTE format($q$UPDATE plutora.%1$I c SET ordinal = n.ordinal FROM (
                SELECT ctid, COALESCE(max(ordinal) OVER (PARTITION BY %2$I), 0)
                    + row_number() OVER (PARTITION BY %2$I ORDER BY ctid) AS ordinal
                FROM plutora.%1$I) n
            WHERE c.ctid = n.ctid AND c.ordinal IS NULL$q$, t.child, t.parent_col);
        EXECUTE format($q$DELETE FROM plutora.%1$I c USING plutora.%1$I k
            WHERE k.%2$I = c.%2$I AND k.ordinal = c.ordinal AND k.ctid < c.ctid$q$, t.child, t.parent_col);
        EXECUTE format('ALTER TABLE plutora.%1$I ADD CONSTRAINT %2$I PRIMARY KEY (%3$I, ordinal) DEFERRABLE',
            t.child, t.child || '_pkey', t.parent_col);
        EXECUTE format('ALTER TABLE plutora.%1$I ADD CONSTRAINT %2$I FOREIGN KEY (%3$I) REFERENCES plutora.%4$I (id) ON DELETE CASCADE',
            t.child, t.child || '_' || t.parent_col || '_fkey', t.parent_col, t.parent);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('change_systems', 'change_id'), ('change_delivery_releases', 'change_id'), ('change_stakeholders', 'change_id'),
        ('change_custom_fields', 'change_id'), ('release_custom_fields', 'release_id'), ('release_phases', 'release_id'),
        ('release_gates', 'release_id'), ('release_activities', 'release_id'), ('release_criteria', 'release_id'),
        ('release_stakeholders', 'release_id'), ('host_layers', 'host_id'), ('system_custom_fields', 'system_id'),
        ('defect_fields', 'defect_id'), ('tecr_environments', 'tecr_id'), ('tecr_linked_changes', 'tecr_id'),
        ('tebr_environments', 'tebr_id'), ('environment_group_members', 'group_id')
    ) AS v(child, parent_col)
    LOOP
        -- the primary key made ordinal NOT NULL; it was nullable before
        EXECUTE format('ALTER TABLE plutora.%1$I DROP CONSTRAINT %2$I, DROP CONSTRAINT %3$I, ALTER COLUMN ordinal DROP NOT NULL',
            t.child, t.child || '_' || t.parent_col || '_fkey', t.child || '_pkey');
    END LOOP;
END
$$;
-- +goose StatementEnd
