package schema

import (
	"context"
	"database/sql"
	_ "embed" // the change notes
	"fmt"
	"slices"
	"strings"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// dictionarySchemas are the schemas the data dictionary describes, in order.
var dictionarySchemas = []string{"reporting", "plutora", "plutora_sync"}

// changeNotes ends the dictionary: what changed in the reporting views
// (renames and removals included), kept by hand beside the migrations.
//
//go:embed changes.md
var changeNotes string

type dictColumn struct{ name, typ, comment string }

type dictRelation struct {
	schema, name, kind, comment string
	cols                        []dictColumn
}

// Dictionary renders the warehouse's data dictionary (Markdown, with a
// Mermaid entity diagram of the reporting views) from the live catalog of
// db: every table and view of reporting, plutora and plutora_sync with its
// columns, types and comments. schema/warehouse.md is its output for the
// migrations here.
func Dictionary(ctx context.Context, db *sql.DB) (string, error) {
	rels, err := catalog(ctx, db)
	if err != nil {
		return "", fmt.Errorf("data dictionary: %w", err)
	}
	var b strings.Builder
	b.WriteString("# The warehouse: data dictionary\n\n")
	b.WriteString("Generated from the migrated catalog by `go test ./schema -run Dictionary -update`; do not edit.\n")
	b.WriteString("Start with the `reporting` views: they leave out deleted rows and the child rows of deleted parents.\n")
	b.WriteString("The guide to them, with conventions and example queries: [docs/warehouse.md](../docs/warehouse.md).\n\n")
	writeDiagram(&b, rels)
	for _, s := range dictionarySchemas {
		fmt.Fprintf(&b, "## Schema `%s`\n\n", s)
		for _, r := range rels {
			if r.schema != s {
				continue
			}
			fmt.Fprintf(&b, "### `%s.%s` (%s)\n\n%s\n\n| column | type | meaning |\n|---|---|---|\n", r.schema, r.name, r.kind, r.comment)
			for _, c := range r.cols {
				fmt.Fprintf(&b, "| `%s` | %s | %s |\n", c.name, c.typ, strings.ReplaceAll(c.comment, "|", "\\|"))
			}
			b.WriteString("\n")
		}
	}
	b.WriteString(changeNotes)
	return b.String(), nil
}

// writeDiagram writes a Mermaid ER diagram: each entity view is linked to
// the reporting views that carry its key (synctype.Entity.Key).
func writeDiagram(b *strings.Builder, rels []dictRelation) {
	b.WriteString("```mermaid\nerDiagram\n")
	for _, e := range synctype.Entities() { // its reporting view has its name
		for _, r := range rels {
			if r.schema != "reporting" || r.name == e.Name {
				continue
			}
			if slices.ContainsFunc(r.cols, func(c dictColumn) bool { return c.name == e.Key }) {
				fmt.Fprintf(b, "    %s ||--o{ %s : %s\n", e.Name, r.name, e.Key)
			}
		}
	}
	b.WriteString("```\n\n")
}

func catalog(ctx context.Context, db *sql.DB) ([]dictRelation, error) {
	rows, err := db.QueryContext(ctx, `
		SELECT n.nspname, c.relname, CASE c.relkind WHEN 'v' THEN 'view' ELSE 'table' END,
		       COALESCE(obj_description(c.oid, 'pg_class'), ''),
		       a.attname, format_type(a.atttypid, a.atttypmod), COALESCE(col_description(c.oid, a.attnum), '')
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
		WHERE n.nspname = ANY ($1) AND c.relkind IN ('r', 'v')
		ORDER BY array_position($1, n.nspname::text), c.relname, a.attnum`, "{"+strings.Join(dictionarySchemas, ",")+"}")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var rels []dictRelation
	for rows.Next() {
		var r dictRelation
		var c dictColumn
		if err := rows.Scan(&r.schema, &r.name, &r.kind, &r.comment, &c.name, &c.typ, &c.comment); err != nil {
			return nil, err
		}
		if n := len(rels); n == 0 || rels[n-1].schema != r.schema || rels[n-1].name != r.name {
			rels = append(rels, r)
		}
		rels[len(rels)-1].cols = append(rels[len(rels)-1].cols, c)
	}
	return rels, rows.Err()
}
