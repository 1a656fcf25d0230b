package load

import (
	"fmt"
	"strings"
)

// pageStatement builds the statement that writes the rows of a page of
// entity s; checkpointStatement then counts the page and moves the
// checkpoint, in the same transaction, whose TimeZone must be UTC (so that
// zone-less API dates mean UTC; Writer.begin sets it).
//
// Parameters: $1 the page (a JSON array of records, as text) and $2 the run
// id (0 = none; else the page's ids are recorded as seen by the run).
//
// It returns one row: inserted, updated, page rows (after de-duplication),
// the newest last-modified time among the page's records, and how many ids
// the run saw for the first time on this page.
//
// The shape follows docs/design.md, "Measured here": the raw page goes in as one
// jsonb parameter and SQL extracts the columns; records whose raw is equal to
// the stored raw (and not deleted) are dropped by a correlated subquery on the
// primary key before the upsert, so an unchanged page writes no data rows; the
// ON CONFLICT guard stays for races, and keeps a live row from going back to
// an older version (notOlder). History gets the superseded version of
// each updated row; child rows are replaced only for written parents. The
// text of every entity's statement is in testdata/page_<entity>.sql.
func pageStatement(s *entitySpec) string {
	var b strings.Builder
	writePageAndChanged(&b, s)
	names := writeUpsert(&b, s)
	newFrom := writeHistory(&b, s, names)
	if s.Periods != nil {
		writePeriods(&b, s, newFrom)
	}
	writeChildren(&b, s)
	writeOutcome(&b, s)
	return b.String()
}

// writePageAndChanged writes page (the records, one per id: the last copy
// wins, as drift can repeat a record), changed (those whose raw differs
// from the live row's) and old (the rows they supersede).
func writePageAndChanged(b *strings.Builder, s *entitySpec) {
	id := "(e.r->>" + sqlString(s.IDField) + ")::uuid"
	fmt.Fprintf(b, `WITH page AS MATERIALIZED (
	SELECT DISTINCT ON (x.id) x.id, x.r FROM (
		SELECT %s AS id, e.r, e.ord FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(r, ord)
	) x ORDER BY x.id, x.ord DESC
),
changed AS MATERIALIZED (
	SELECT p.id, p.r FROM page p
	WHERE p.r IS DISTINCT FROM (SELECT t.raw FROM %[2]s t WHERE t.id = p.id AND t._deleted_at IS NULL)
),
old AS MATERIALIZED (
	SELECT t.*, %[3]s AS valid_from
	FROM %[2]s t WHERE t.id = ANY (ARRAY(SELECT id FROM changed))
),
`, id, s.Table, validFrom(s, "t"))
}

// writeUpsert writes up, the upsert of changed rows only, and returns the
// typed columns' names.
func writeUpsert(b *strings.Builder, s *entitySpec) []string {
	names := make([]string, 0, len(s.Columns))
	exprs := make([]string, 0, len(s.Columns))
	sets := make([]string, 0, len(s.Columns))
	for _, col := range s.Columns {
		names = append(names, col.Name)
		exprs = append(exprs, colExpr(col, "c.r"))
		sets = append(sets, col.Name+" = EXCLUDED."+col.Name)
	}
	fmt.Fprintf(b, `up AS (
	INSERT INTO %[1]s AS t (id, %[2]s, raw, _first_seen_at, _last_changed_at, _synced_at, _deleted_at, _run_id)
	SELECT c.id, %[3]s, c.r, now(), now(), now(), NULL, NULLIF($2::bigint, 0) FROM changed c
	ON CONFLICT (id) DO UPDATE SET %[4]s,
		raw = EXCLUDED.raw, _last_changed_at = now(), _synced_at = now(), _deleted_at = NULL, _run_id = EXCLUDED._run_id
	WHERE t.raw IS DISTINCT FROM EXCLUDED.raw%[6]s OR t._deleted_at IS NOT NULL
	RETURNING t.id, (t.xmax = 0) AS inserted%[5]s
),
`, s.Table, strings.Join(names, ", "), strings.Join(exprs, ",\n\t\t"), strings.Join(sets, ",\n\t\t"), returned(s), notOlder(s))
	return names
}

// writeHistory writes hist, the version each update superseded: it ended
// when the new one began (its last-modified time, else now) or when a
// census marked it deleted. It returns that beginning's SQL.
func writeHistory(b *strings.Builder, s *entitySpec, names []string) (newFrom string) {
	newFrom = "now()"
	if s.ModifiedField != "" {
		newFrom = "COALESCE(up.last_modified_date, now())"
	}
	fmt.Fprintf(b, `hist AS (
	INSERT INTO %[1]s (id, valid_from, valid_to, raw, _run_id, %[3]s)
	SELECT o.id, o.valid_from, GREATEST(o.valid_from, COALESCE(o._deleted_at, %[2]s)), o.raw, o._run_id, %[4]s
	FROM up JOIN old o ON o.id = up.id
	WHERE NOT up.inserted
),
`, s.Table+"_history", newFrom, strings.Join(names, ", "), "o."+strings.Join(names, ", o."))
	return newFrom
}

// writeChildren writes, for each child table, the removal of an updated
// record's rows and the insertion of every written record's.
func writeChildren(b *strings.Builder, s *entitySpec) {
	for i, ch := range s.Children {
		names := []string{ch.ParentCol, "ordinal"}
		exprs := []string{"c.id", "e.ord"}
		for _, col := range ch.Columns {
			names = append(names, col.Name)
			exprs = append(exprs, colExpr(col, "e.x"))
		}
		fmt.Fprintf(b, `child_del_%[1]d AS (
	DELETE FROM %[2]s d WHERE (SELECT bool_or(NOT up.inserted) FROM up)
		AND d.%[3]s = ANY (ARRAY(SELECT id FROM up WHERE NOT up.inserted))
),
child_ins_%[1]d AS (
	INSERT INTO %[2]s (%[4]s)
	SELECT %[5]s
	FROM changed c, jsonb_array_elements(%[6]s) WITH ORDINALITY AS e(x, ord)
	WHERE c.id IN (SELECT id FROM up)
),
`, i, ch.Table, ch.ParentCol, strings.Join(names, ", "), strings.Join(exprs, ",\n\t\t"), arrayOf("c.r", []string{ch.Array}))
	}
}

// writeOutcome writes what the statement answers. Data-modifying CTEs run
// to completion whether or not they are read. A record of the page loaded
// (written now, or unchanged since a good version was written): its open
// quarantine row is resolved.
func writeOutcome(b *strings.Builder, s *entitySpec) {
	modified := "NULL::timestamptz"
	if s.ModifiedField != "" {
		modified = colExpr(column{Path: []string{s.ModifiedField}, Kind: kTime}, "p.r")
	}
	fmt.Fprintf(b, `resolved AS (
	UPDATE plutora_sync.quarantine q SET resolved_at = now()
	WHERE q.entity = %[1]s AND q.resolved_at IS NULL AND q.record_id = ANY (ARRAY(SELECT id::text FROM page))
),
seen AS (
	INSERT INTO plutora_sync.census_seen (run_id, id)
	SELECT $2::bigint, p.id FROM page p WHERE $2::bigint <> 0
	ON CONFLICT DO NOTHING
	RETURNING 1
)
SELECT (SELECT count(*) FROM up WHERE up.inserted) AS inserted,
	(SELECT count(*) FROM up WHERE NOT up.inserted) AS updated,
	(SELECT count(*) FROM page) AS total,
	(SELECT max(%[2]s) FROM page p) AS max_modified,
	(SELECT count(*) FROM seen) AS seen_new`, sqlString(s.Name), modified)
}

// returned is what up returns beyond id and inserted: the new version's
// last-modified time (when it began), and for s's status periods the new
// status and creation time.
func returned(s *entitySpec) string {
	out := ""
	if s.ModifiedField != "" {
		out = ", t.last_modified_date"
	}
	p := s.Periods
	if p == nil {
		return out
	}
	out += ", t." + p.Status + ", t." + p.StatusID
	if p.Born != "" {
		out += ", t." + p.Born
	}
	return out
}

// writePeriods adds the CTEs that keep s's status periods: a new record
// opens its first period at its creation time (when earlier than the
// version's start); a record whose status changed, or that comes back after being
// marked deleted, closes its open period and opens one when the new version
// began (newFrom, an expression of up).
func writePeriods(b *strings.Builder, s *entitySpec, newFrom string) {
	p := s.Periods
	from := newFrom
	if p.Born != "" {
		// LEAST skips a NULL creation time; a record is not older than its creation.
		from = "CASE WHEN up.inserted THEN LEAST(up." + p.Born + "::timestamptz, " + newFrom + ") ELSE " + newFrom + " END"
	}
	moved := "(o." + p.Status + ", o." + p.StatusID + ") IS DISTINCT FROM (up." + p.Status + ", up." + p.StatusID + ")"
	fmt.Fprintf(b, `period_end AS (
	UPDATE %[1]s sp SET valid_to = GREATEST(sp.valid_from, %[2]s)
	FROM up JOIN old o ON o.id = up.id
	WHERE sp.id = up.id AND sp.valid_to IS NULL AND NOT up.inserted AND %[3]s
),
period_start AS (
	INSERT INTO %[1]s (id, status, status_id, valid_from)
	SELECT up.id, up.%[4]s, up.%[5]s, %[6]s
	FROM up LEFT JOIN old o ON o.id = up.id
	WHERE up.inserted OR o._deleted_at IS NOT NULL OR %[3]s
),
`, s.periodsTable(), newFrom, moved, p.Status, p.StatusID, from)
}

// checkpointStatement counts a written page in the run's ledger and moves
// the entity's checkpoint past it; the watermark never moves back. The
// first_total of a run is its page 0's totalCount, kept on later pages
// (resumed or continued runs start past page 0): the runaway guard's limit.
//
// Parameters: $1 product, $2 entity, $3 mode, $4 run id (0 = none), $5 page
// number, $6 totalCount, $7 watermark (nullable), $8 the run's since
// (nullable), then the page's counts: $9 inserted, $10 updated, $11
// unchanged, $12 quarantined.
const checkpointStatement = `WITH ckpt AS (
	INSERT INTO plutora_sync.checkpoints AS k (product, entity, mode, run_id, next_page, total_count, first_total, watermark, since, updated_at)
	VALUES ($1::text, $2::text, $3::text, NULLIF($4::bigint, 0), $5::int + 1, $6::int, $6::int, $7::timestamptz, $8::timestamptz, now())
	ON CONFLICT (product, entity, mode) DO UPDATE SET run_id = EXCLUDED.run_id, next_page = EXCLUDED.next_page,
		total_count = EXCLUDED.total_count,
		first_total = CASE WHEN $5::int = 0 OR k.first_total = 0 THEN EXCLUDED.first_total ELSE k.first_total END,
		watermark = GREATEST(k.watermark, EXCLUDED.watermark),
		since = COALESCE(EXCLUDED.since, k.since), updated_at = now()
	WHERE (k.run_id, k.next_page, k.total_count) IS DISTINCT FROM (EXCLUDED.run_id, EXCLUDED.next_page, EXCLUDED.total_count)
		OR EXCLUDED.since IS DISTINCT FROM k.since AND EXCLUDED.since IS NOT NULL
		OR EXCLUDED.watermark > k.watermark OR (k.watermark IS NULL AND EXCLUDED.watermark IS NOT NULL)
)
UPDATE plutora_sync.run_entities l SET pages = l.pages + 1,
	inserted = l.inserted + $9::int, updated = l.updated + $10::int,
	unchanged = l.unchanged + $11::int, quarantined = l.quarantined + $12::int,
	total_first = COALESCE(l.total_first, $6::int), total_last = $6::int,
	watermark_after = GREATEST(l.watermark_after, $7::timestamptz)
WHERE l.run_id = $4::bigint AND l.entity = $2::text`

// notOlder is the upsert's condition that a live row is not replaced by an
// older version of its record: a page fetched before another run wrote a
// newer version, and written after it, is stale (docs/design.md, "History
// and periods"). A version with the same last-modified time is written (a
// child item may change without moving it), and so is one without a time.
func notOlder(s *entitySpec) string {
	if s.ModifiedField == "" {
		return ""
	}
	return " AND (t.last_modified_date > EXCLUDED.last_modified_date) IS NOT TRUE"
}

// validFrom is the SQL for when the version in row alias a began: its
// last-modified time when the entity has one, else when the worker wrote it.
func validFrom(s *entitySpec, a string) string {
	if s.ModifiedField == "" {
		return a + "._last_changed_at"
	}
	return "COALESCE(" + a + ".last_modified_date, " + a + "._last_changed_at)"
}
