package load

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/lib/pq"
)

// badRecord is a record of a page that cannot be loaded.
type badRecord struct {
	index  int // position in the page
	id     string
	reason string
	raw    []byte
}

// writeSorted writes a page that failed as a whole: each record is tried
// alone (in a savepoint, rolled back); those that fail are quarantined with
// the reason, and the others are written as the page, in one transaction.
func (w *Writer) writeSorted(ctx context.Context, spec *entitySpec, stmt *sql.Stmt, p PageWrite) (PageResult, error) {
	tx, err := w.begin(ctx)
	if err != nil {
		return PageResult{}, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	st := tx.StmtContext(ctx, stmt)
	var bad []badRecord
	good := make([]json.RawMessage, 0, len(p.Records))
	for i, rec := range p.Records {
		reason, err := probe(ctx, tx, st, spec, p, rec)
		if err != nil {
			return PageResult{}, fmt.Errorf("record %d: %w", i, err)
		}
		if reason != "" {
			bad = append(bad, badRecord{index: i, id: recordID(rec, spec.idKey), reason: reason, raw: rec})
			continue
		}
		good = append(good, rec)
	}
	for _, b := range bad {
		w.logger.WarnContext(ctx, "record quarantined", "entity", spec.name, "page", p.PageNum,
			"record", b.index, "id", b.id, "reason", b.reason)
		if err := quarantine(ctx, tx, spec.name, p, b); err != nil {
			return PageResult{}, err
		}
	}
	res, err := execPage(ctx, st, p, appendPage(nil, good), len(bad))
	if err != nil {
		return PageResult{}, err
	}
	if err := tx.Commit(); err != nil {
		return PageResult{}, err
	}
	return res, nil
}

// probe says why rec cannot be loaded, or "" when it can. It tries the page
// statement on rec alone and rolls it back.
func probe(ctx context.Context, tx *sql.Tx, st *sql.Stmt, spec *entitySpec, p PageWrite, rec json.RawMessage) (string, error) {
	if err := syntaxError(rec); err != "" {
		return err, nil
	}
	if _, err := tx.ExecContext(ctx, "SAVEPOINT probe"); err != nil {
		return "", err
	}
	_, perr := execPage(ctx, st, p, appendPage(nil, []json.RawMessage{rec}), 0)
	if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT probe"); err != nil {
		return "", err
	}
	if perr == nil {
		return "", nil
	}
	if !isDataError(perr) {
		return "", perr
	}
	return diagnose(ctx, tx, spec, rec, perr)
}

// syntaxError is why rec is not one JSON object, or "".
func syntaxError(rec []byte) string {
	if len(bytes.TrimSpace(rec)) == 0 {
		return "broken JSON: empty record"
	}
	if !utf8.Valid(rec) {
		return "broken JSON: not valid UTF-8"
	}
	var v json.RawMessage
	if err := json.Unmarshal(rec, &v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Sprintf("broken JSON at byte %d: %v", se.Offset, err)
		}
		return "broken JSON: " + err.Error()
	}
	if t := bytes.TrimSpace(rec); t[0] != '{' {
		return "not a JSON object"
	}
	return ""
}

// diagnose names the field of rec that failed to load; failed is the error
// PostgreSQL gave for the record as a whole.
func diagnose(ctx context.Context, tx *sql.Tx, spec *entitySpec, rec json.RawMessage, failed error) (string, error) {
	check := func(expr string, input string) (string, error) {
		var msg sql.NullString
		err := tx.QueryRowContext(ctx, "SELECT plutora_sync.expr_error($1, $2)", expr, input).Scan(&msg)
		return msg.String, err
	}
	in := string(rec)
	if msg, err := check("$1::jsonb", in); err != nil || msg != "" {
		return "broken JSON: " + msg, err
	}
	idCol := column{path: []string{spec.idKey}, kind: kUUID}
	if msg, err := check(idCol.expr("$1::jsonb"), in); err != nil || msg != "" {
		return spec.idKey + ": " + msg, err
	}
	var hasID bool
	if err := tx.QueryRowContext(ctx, "SELECT ($1::jsonb->>$2) IS NOT NULL AND ($1::jsonb->>$2) <> ''", in, spec.idKey).Scan(&hasID); err != nil {
		return "", err
	}
	if !hasID {
		return "no id (" + spec.idKey + " is missing, null or empty)", nil
	}
	for _, col := range spec.cols {
		if msg, err := check(col.expr("$1::jsonb"), in); err != nil || msg != "" {
			return col.label() + ": " + msg, err
		}
	}
	for _, ch := range spec.children {
		reason, err := diagnoseChild(ctx, tx, ch, in)
		if err != nil || reason != "" {
			return reason, err
		}
	}
	if e := pq.As(failed); e != nil {
		return e.Message, nil
	}
	return failed.Error(), nil
}

// diagnoseChild names the element and field of array ch of rec that fails.
func diagnoseChild(ctx context.Context, tx *sql.Tx, ch child, rec string) (string, error) {
	for _, col := range ch.cols {
		var ord sql.NullInt64
		var msg sql.NullString
		err := tx.QueryRowContext(ctx, `
			SELECT a.ord, plutora_sync.expr_error($2, a.x::text)
			FROM jsonb_array_elements(`+arrayOf("$1::jsonb", []string{ch.array})+`) WITH ORDINALITY AS a(x, ord)
			WHERE plutora_sync.expr_error($2, a.x::text) IS NOT NULL
			ORDER BY a.ord LIMIT 1`, rec, col.expr("$1::jsonb")).Scan(&ord, &msg)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s[%d].%s: %s", ch.array, ord.Int64-1, col.label(), msg.String), nil
	}
	return "", nil
}

// anonymousRecord is the namespace of the stand-in census ids of records
// without a usable id.
var anonymousRecord = uuid.MustParse("8f0c2c63-6a3e-4d0a-9e53-7b1f0f5d2a11")

// recordID is the record's id as text, when it has one that a cheap decode finds.
func recordID(rec []byte, key string) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(rec, &m) != nil {
		return ""
	}
	var id string
	if json.Unmarshal(m[key], &id) != nil {
		return ""
	}
	if !utf8.ValidString(id) || strings.ContainsRune(id, 0) || len(id) > 200 {
		id = strconv.QuoteToASCII(id[:min(len(id), 200)])
	}
	return id
}

// quarantine keeps b in plutora_sync.quarantine (once per entity and bytes)
// and, for a census, counts its id as seen: the record exists upstream.
func quarantine(ctx context.Context, tx *sql.Tx, entity string, p PageWrite, b badRecord) error {
	sum := sha256.Sum256(b.raw)
	var text sql.NullString
	if utf8.Valid(b.raw) && !bytes.ContainsRune(b.raw, 0) {
		text = sql.NullString{String: string(b.raw), Valid: true}
	}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO plutora_sync.quarantine (entity, run_id, page, record_index, record_id, reason, raw, raw_text, raw_sha256)
		VALUES ($1, NULLIF($2::bigint, 0), $3, $4, NULLIF($5, ''), $6, $7, $8, $9)
		ON CONFLICT (entity, raw_sha256) DO UPDATE SET run_id = EXCLUDED.run_id, page = EXCLUDED.page,
			record_index = EXCLUDED.record_index, reason = EXCLUDED.reason, last_seen_at = now(),
			seen_count = quarantine.seen_count + 1, resolved_at = NULL`,
		entity, p.RunID, p.PageNum, b.index, b.id, b.reason, b.raw, text, sum[:])
	if err != nil {
		return fmt.Errorf("quarantine record %d: %w", b.index, err)
	}
	if p.Mode != ModeCensus {
		return nil
	}
	// The record exists upstream and is one of totalCount: it counts as
	// seen, by its id, or when it has no usable one by a stand-in derived
	// from its bytes (so that a replay does not count it twice).
	id, perr := uuid.Parse(b.id)
	if perr != nil {
		id = uuid.NewSHA1(anonymousRecord, b.raw)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO plutora_sync.census_seen (run_id, id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		p.RunID, id.String()); err != nil {
		return fmt.Errorf("census id of record %d: %w", b.index, err)
	}
	return nil
}
