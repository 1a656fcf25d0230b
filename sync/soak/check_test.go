package soak

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"sort"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

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
	var openRaws []quarantineRow
	byReason = map[string]int{}
	for _, r := range rows {
		open[r.Entity+"\x00"+string(r.Sum)] = true
		if record, ok := asStored(r.Entity, r.Raw); ok {
			open[r.Entity+"\x00record\x00"+string(record)] = true
		}
		openRaws = append(openRaws, r)
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
		record, _ := asStored(b.entity, raw)
		if !open[b.entity+"\x00"+string(sum[:])] && !open[b.entity+"\x00record\x00"+string(record)] && !holdsTag(openRaws, b.entity, listTag(b)) {
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

// asStored is raw, a record of entity read with its sub-resources or not,
// without them and canonical, so that the quarantine's copy (the record
// with its sub-resources) compares with the sandbox's (the record alone);
// false for an entity without sub-resources or what is not JSON.
func asStored(entity string, raw []byte) (string, bool) {
	e, ok := synctype.EntityByName(entity)
	if !ok || !e.Enriched() {
		return "", false
	}
	c, err := workertest.Canonical(workertest.WithoutSubresources(e, raw))
	return c, err == nil
}

// listTag is what every list form of bad record b holds, a summary's too,
// when the worker cannot fetch its detail (it has no usable id); "" else.
func listTag(b badRecord) string {
	switch b.kind {
	case "no id":
		return idlessTag(b.id)
	case "id not a uuid":
		return badIDTag(b.id)
	}
	return ""
}

// holdsTag reports whether an open quarantine row of entity holds tag: the
// list item of a record without a usable id, which a summary list answers
// short (the worker cannot ask for the rest).
func holdsTag(rows []quarantineRow, entity, tag string) bool {
	if tag == "" {
		return false
	}
	for _, r := range rows {
		if r.Entity == entity && bytes.Contains(r.Raw, []byte(tag)) {
			return true
		}
	}
	return false
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
