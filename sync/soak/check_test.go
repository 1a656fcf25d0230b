package soak

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
)

// canonical re-encodes JSON with sorted keys, so that equal documents
// compare equal whatever their key order or spacing (as jsonb stores them).
func canonical(raw []byte) (string, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", err
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// tableDiff is how one entity's table differs from the sandbox.
type tableDiff struct {
	entity                 string
	live, want             int
	missing, extra, differ []string
	example                string
}

func (d tableDiff) ok() bool { return len(d.missing)+len(d.extra)+len(d.differ) == 0 }

func (d tableDiff) String() string {
	return fmt.Sprintf("%s: %d live rows, sandbox has %d: %d missing, %d extra (live but deleted upstream), %d differ%s",
		d.entity, d.live, d.want, len(d.missing), len(d.extra), len(d.differ), d.example)
}

// compareTables compares every entity's live rows (raw jsonb, field by
// field) with the sandbox's live records, leaving out the ids of records
// made bad on purpose (they belong in the quarantine, checked apart).
func compareTables(ctx context.Context, db *sqlx.DB, sb *plutoratest.Server, bad map[string]bool) ([]tableDiff, int, error) {
	var out []tableDiff
	checked := 0
	for _, e := range entities {
		want := sb.Records(e)
		for id := range want {
			if bad[id] {
				delete(want, id)
			}
		}
		got := map[string]string{}
		rows, err := db.QueryContext(ctx, `SELECT id::text, raw::text FROM plutora.`+e+` WHERE _deleted_at IS NULL`)
		if err != nil {
			return nil, 0, err
		}
		for rows.Next() {
			var id, raw string
			if err := rows.Scan(&id, &raw); err != nil {
				rows.Close()
				return nil, 0, err
			}
			got[id] = raw
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, 0, err
		}
		d := tableDiff{entity: e, live: len(got), want: len(want)}
		for id, raw := range want {
			checked++
			g, ok := got[id]
			if !ok {
				d.missing = append(d.missing, id)
				continue
			}
			cw, err := canonical(raw)
			if err != nil {
				return nil, 0, fmt.Errorf("sandbox %s %s: %w", e, id, err)
			}
			if cg, err := canonical([]byte(g)); err != nil || cg != cw {
				d.differ = append(d.differ, id)
				if d.example == "" {
					d.example = fmt.Sprintf("\n  first differing %s:\n   db:      %.300s\n   sandbox: %.300s", id, g, raw)
				}
			}
		}
		for id := range got {
			if _, ok := want[id]; !ok {
				d.extra = append(d.extra, id)
			}
		}
		sort.Strings(d.missing)
		sort.Strings(d.extra)
		if len(d.missing) > 0 {
			id := d.missing[0]
			var q string
			_ = db.QueryRowContext(ctx, `SELECT coalesce(string_agg(reason || CASE WHEN resolved_at IS NULL THEN ' (open)' ELSE ' (resolved)' END, '; '), 'none')
				FROM plutora_sync.quarantine WHERE record_id = $1`, id).Scan(&q)
			d.example += fmt.Sprintf("\n  first missing %s (quarantine: %s): %.400s", id, q, want[id])
		}
		out = append(out, d)
	}
	return out, checked, nil
}

// historyDuplicates counts, per entity, consecutive versions of a record
// (history rows, then the current row) with the same content: every sandbox
// change alters a record, so each is a history row written twice.
func historyDuplicates(ctx context.Context, db *sqlx.DB) (map[string]int, error) {
	out := map[string]int{}
	for _, e := range entities {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM (
			SELECT raw = lag(raw) OVER (PARTITION BY id ORDER BY valid_from, src) AS same FROM (
				SELECT id, valid_from, 0 AS src, raw FROM plutora.`+e+`_history
				UNION ALL SELECT id, 'infinity'::timestamptz, 1, raw FROM plutora.`+e+`) v) x
			WHERE same`).Scan(&n); err != nil {
			return nil, err
		}
		out[e] = n
	}
	return out, nil
}

// quarantineRow is one open row of plutora_sync.quarantine.
type quarantineRow struct {
	Entity   string  `db:"entity"`
	RecordID *string `db:"record_id"`
	Reason   string  `db:"reason"`
	Raw      []byte  `db:"raw"`
	Sum      []byte  `db:"raw_sha256"`
}

// checkQuarantine says what is wrong with the quarantine: it must hold every
// record made bad on purpose that is still live upstream (its current bytes),
// and no open row that was not made bad on purpose. It returns the open rows
// by reason, for the summary.
func checkQuarantine(ctx context.Context, db *sqlx.DB, sb *plutoratest.Server, bad []badRecord) (problems []string, byReason map[string]int, err error) {
	var rows []quarantineRow
	if err := db.SelectContext(ctx, &rows, `SELECT entity, record_id, reason, raw, raw_sha256
		FROM plutora_sync.quarantine WHERE resolved_at IS NULL ORDER BY id`); err != nil {
		return nil, nil, err
	}
	open := map[string]bool{}
	byReason = map[string]int{}
	for _, r := range rows {
		open[r.Entity+"\x00"+string(r.Sum)] = true
		reason := r.Reason
		if i := strings.IndexAny(reason, ":("); i > 0 {
			reason = reason[:i]
		}
		byReason[r.Entity+": "+strings.TrimSpace(reason)]++
		if !bytes.Contains(r.Raw, []byte(badMarker)) {
			problems = append(problems, fmt.Sprintf("quarantined but not made bad on purpose: %s %v (%s): %.200s", r.Entity, deref(r.RecordID), r.Reason, r.Raw))
		}
	}
	for _, b := range bad {
		raw, live := sb.Records(b.entity)[b.id]
		if !live {
			continue // deleted upstream by churn
		}
		sum := sha256.Sum256(raw)
		if !open[b.entity+"\x00"+string(sum[:])] {
			problems = append(problems, fmt.Sprintf("made bad on purpose (%s) but not in the quarantine: %s %s: %.200s", b.kind, b.entity, b.id, raw))
		}
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM plutora.`+b.entity+` WHERE id::text = $1`, b.id).Scan(&n); err != nil {
			return nil, nil, err
		}
		if n != 0 {
			problems = append(problems, fmt.Sprintf("made bad on purpose (%s) but loaded: %s %s", b.kind, b.entity, b.id))
		}
	}
	return problems, byReason, nil
}

func deref(s *string) string {
	if s == nil {
		return "(no id)"
	}
	return *s
}

// secretHits returns, for each secret found in text, where: the name of
// text and the line.
func secretHits(name, text string, secrets map[string]string) []string {
	var out []string
	for what, s := range secrets {
		if s == "" {
			continue
		}
		if i := strings.Index(text, s); i >= 0 {
			start := strings.LastIndexByte(text[:i], '\n') + 1
			end := strings.IndexByte(text[i:], '\n')
			if end < 0 {
				end = len(text) - i
			}
			out = append(out, fmt.Sprintf("%s holds %s: %.300s", name, what, text[start:i+end]))
		}
	}
	sort.Strings(out)
	return out
}

// ledgerText is every row of the worker's own tables, as text.
func ledgerText(ctx context.Context, db *sqlx.DB) (string, error) {
	var b strings.Builder
	for _, table := range []string{"runs", "run_entities", "checkpoints", "quarantine", "request_counts"} {
		rows, err := db.QueryContext(ctx, `SELECT t::text FROM plutora_sync.`+table+` t`)
		if err != nil {
			return "", err
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return "", err
			}
			b.WriteString(table + ": " + s + "\n")
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}
