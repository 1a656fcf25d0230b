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
	"github.com/lib/pq/pqerror"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// badRecord is a record of a page that cannot be loaded.
type badRecord struct {
	index  int // position in the page
	id     string
	reason string
	raw    []byte
}

// writeSorted writes a page that failed as a whole: each record is tried
// alone (rolled back), those that fail are quarantined with the reason, and
// the others are written as the page, all in one transaction.
func (w *Writer) writeSorted(ctx context.Context, spec *entitySpec, st, ckpt *sql.Stmt, p synctype.PageWrite) (synctype.PageResult, error) {
	tx, err := w.begin(ctx)
	if err != nil {
		return synctype.PageResult{}, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	reasons, err := w.probe(ctx, tx, spec, p)
	if err != nil {
		return synctype.PageResult{}, err
	}
	var bad []badRecord
	newlySeen := 0
	good := make([]json.RawMessage, 0, len(p.Records))
	for i, rec := range p.Records {
		if reasons[i] == "" {
			good = append(good, rec)
			continue
		}
		b := badRecord{index: i, id: recordID(rec, spec.IDField), reason: reasons[i], raw: rec}
		w.logger.WarnContext(ctx, "record quarantined", "entity", spec.Name, "page", p.PageNum,
			"record", b.index, "id", b.id, "reason", b.reason)
		seen, err := quarantine(ctx, tx, spec.Name, p, b)
		if err != nil {
			return synctype.PageResult{}, err
		}
		newlySeen += seen
		bad = append(bad, b)
	}
	p.Summaries = withoutBad(p.Summaries, bad)
	res, err := w.execPage(ctx, tx, st, ckpt, p, appendPage(nil, good), len(bad))
	if err != nil {
		return synctype.PageResult{}, err
	}
	res.NewlySeen += newlySeen
	if err := tx.Commit(); err != nil {
		return synctype.PageResult{}, err
	}
	return res, nil
}

// probe returns why each record of p cannot be loaded ("" when it can).
// Records that are not one JSON object are judged in Go; the others are
// tried with the page statement, each alone and rolled back, by
// plutora_sync.probe_records in one round trip.
func (w *Writer) probe(ctx context.Context, tx *sql.Tx, spec *entitySpec, p synctype.PageWrite) ([]string, error) {
	reasons := make([]string, len(p.Records))
	var idx []int
	var texts []string
	for i, rec := range p.Records {
		if reasons[i] = syntaxError(rec); reasons[i] == "" {
			idx = append(idx, i)
			texts = append(texts, string(rec))
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT idx, err, code FROM plutora_sync.probe_records($1, $2, $3)`,
		w.sqls[spec.Name], pq.Array(texts), p.RunID)
	if err != nil {
		return nil, fmt.Errorf("probe records: %w", err)
	}
	type failure struct {
		i   int
		err *pq.Error
	}
	var failed []failure
	for rows.Next() {
		var k int
		var msg, code string
		if err := rows.Scan(&k, &msg, &code); err != nil {
			rows.Close()
			return nil, fmt.Errorf("probe records: %w", err)
		}
		failed = append(failed, failure{idx[k-1], &pq.Error{Code: pqerror.Code(code), Message: msg}})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("probe records: %w", err)
	}
	for _, f := range failed {
		if !isDataError(f.err) {
			return nil, fmt.Errorf("record %d: %w", f.i, f.err)
		}
		reason, err := diagnose(ctx, tx, spec, p.Records[f.i], f.err)
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", f.i, err)
		}
		reasons[f.i] = reason
	}
	return reasons, nil
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
	in := string(rec)
	var jsonErr, idErr sql.NullString
	idCol := column{Path: []string{spec.IDField}, Kind: kUUID}
	if err := tx.QueryRowContext(ctx, `SELECT plutora_sync.expr_error('$1::jsonb', $1), plutora_sync.expr_error($2, $1)`,
		in, colExpr(idCol, "$1::jsonb")).Scan(&jsonErr, &idErr); err != nil {
		return "", err
	}
	switch {
	case jsonErr.Valid:
		return "broken JSON: " + jsonErr.String, nil
	case idErr.Valid:
		return spec.IDField + ": " + idErr.String, nil
	}
	var where, msg string
	err := tx.QueryRowContext(ctx, diagnoseStatement(spec), in).Scan(&where, &msg)
	if err == nil && where == "" {
		return msg, nil
	}
	if err == nil {
		return where + ": " + msg, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	if e := pq.As(failed); e != nil {
		return e.Message, nil
	}
	return failed.Error(), nil
}

// diagnoseStatement is one query that tries every column expression of spec
// on a record ($1, valid JSON with an id) and on its arrays' elements, and
// returns the first that fails: where (e.g. "systems[2].systemId") and why;
// first of all, a missing id (where is then "").
func diagnoseStatement(s *entitySpec) string {
	parts := []string{fmt.Sprintf("SELECT -1 AS o, 0::bigint AS ord, '' AS at, CASE WHEN NULLIF($1::text::jsonb->>%s, '') IS NULL THEN %s END AS err",
		sqlString(s.IDField), sqlString("no id ("+s.IDField+" is missing, null or empty)"))}
	for i, col := range s.Columns {
		parts = append(parts, fmt.Sprintf("SELECT %d, 0::bigint, %s, plutora_sync.expr_error(%s, $1)",
			i, sqlString(colLabel(col)), sqlString(colExpr(col, "$1::jsonb"))))
	}
	for ci, ch := range s.Children {
		for i, col := range ch.Columns {
			parts = append(parts, fmt.Sprintf(`SELECT %d, a.ord, %s || '[' || (a.ord - 1) || '].' || %s, plutora_sync.expr_error(%s, a.x::text)
	FROM jsonb_array_elements(%s) WITH ORDINALITY AS a(x, ord)`,
				1000*(ci+1)+i, sqlString(ch.Array), sqlString(colLabel(col)), sqlString(colExpr(col, "$1::jsonb")),
				arrayOf("$1::jsonb", []string{ch.Array})))
		}
	}
	return "SELECT at, err FROM (\n" + strings.Join(parts, "\nUNION ALL ") + "\n) d WHERE err IS NOT NULL ORDER BY o / 1000, ord, o LIMIT 1"
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

// quarantine keeps b in plutora_sync.quarantine, one row per record: a
// record quarantined again updates its row (reason, bytes, run, last seen,
// count) and reopens it; a record without a usable id is kept once per
// bytes. In a run, it also counts the record's id as seen (returning 1 the
// first time): the record exists upstream.
func quarantine(ctx context.Context, tx *sql.Tx, entity string, p synctype.PageWrite, b badRecord) (newlySeen int, err error) {
	if id, err := uuid.Parse(b.id); err == nil {
		b.id = id.String() // as the tables spell it, so that a later load resolves it
	}
	sum := sha256.Sum256(b.raw)
	var text sql.NullString
	if utf8.Valid(b.raw) && !bytes.ContainsRune(b.raw, 0) {
		text = sql.NullString{String: string(b.raw), Valid: true}
	}
	// Each key has its own partial unique index (migration 00076).
	key := "(entity, record_id) WHERE record_id IS NOT NULL"
	if b.id == "" {
		key = "(entity, raw_sha256) WHERE record_id IS NULL"
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO plutora_sync.quarantine (entity, run_id, page, record_index, record_id, reason, raw, raw_text, raw_sha256)
		VALUES ($1, NULLIF($2::bigint, 0), $3, $4, NULLIF($5, ''), $6, $7, $8, $9)
		ON CONFLICT `+key+` DO UPDATE SET run_id = EXCLUDED.run_id, page = EXCLUDED.page,
			record_index = EXCLUDED.record_index, reason = EXCLUDED.reason, raw = EXCLUDED.raw,
			raw_text = EXCLUDED.raw_text, raw_sha256 = EXCLUDED.raw_sha256, last_seen_at = now(),
			seen_count = quarantine.seen_count + 1, resolved_at = NULL`,
		entity, p.RunID, p.PageNum, b.index, b.id, b.reason, b.raw, text, sum[:])
	if err != nil {
		return 0, fmt.Errorf("quarantine record %d: %w", b.index, err)
	}
	if p.RunID == 0 {
		return 0, nil
	}
	// The record exists upstream and is one of totalCount: it counts as
	// seen, by its id, or when it has no usable one by a stand-in derived
	// from its bytes (so that a replay does not count it twice).
	id, perr := uuid.Parse(b.id)
	if perr != nil {
		id = uuid.NewSHA1(anonymousRecord, b.raw)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO plutora_sync.census_seen (run_id, id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		p.RunID, id.String())
	if err != nil {
		return 0, fmt.Errorf("census id of record %d: %w", b.index, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
