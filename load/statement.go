package load

import (
	"fmt"
	"strings"
)

// pageStatement builds the one statement that writes a page of entity s.
//
// Parameters: $1 the page (a JSON array of records, as text), $2 run id (0 =
// none), $3 product, $4 mode, $5 page number, $6 totalCount, $7 watermark
// (nullable), $8 records quarantined from this page (for the ledger), $9
// whether to record the ids as seen by the run, $10 the run's since
// (nullable), $11 the page's pipeline key and $12 the page written before it,
// beside it (both nullable: the page is written alone; see Pipeline).
//
// It returns one row: inserted, updated, page rows (after de-duplication),
// the newest last-modified time among the page's records, and how many ids
// the run saw for the first time on this page.
//
// The statement is a transaction of its own. Written in a pipeline, it locks
// (pipeline, page) first; when the data are written, and before it moves the
// checkpoint and counts the page in the ledger, it waits for page $12 to end
// and fails (SQLSTATE PS002) unless that page committed: pages commit in
// order. Every data CTE is read by counts, so that all of them run before
// the wait.
//
// It sets TimeZone to UTC for its transaction (SET LOCAL) before it reads
// the first record, so that zone-less API dates mean UTC: every cast to
// timestamptz reads rows of page, whose filter runs the set_config once,
// first.
//
// The shape follows design.md, "Measured here": the raw page goes in as one
// jsonb parameter and SQL extracts the columns; records whose raw is equal to
// the stored raw (and not deleted) are dropped by a correlated subquery on the
// primary key before the upsert, so an unchanged page writes no data rows; the
// ON CONFLICT guard stays for races. History gets the superseded version of
// each updated row; child rows are replaced only for written parents.
func pageStatement(s *entitySpec) string {
	var b strings.Builder
	id := "(e.r->>" + sqlString(s.IDField) + ")::uuid"
	modified := "NULL::timestamptz"
	if s.ModifiedField != "" {
		modified = column{path: []string{s.ModifiedField}, kind: kTime}.expr("p.r")
	}
	hist := s.table + "_history"

	// page: the records, one per id (the last copy wins: drift can repeat a record).
	fmt.Fprintf(&b, `WITH page AS MATERIALIZED (
	SELECT DISTINCT ON (x.id) x.id, x.r FROM (
		SELECT %s AS id, e.r, e.ord FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(r, ord)
		WHERE (SELECT set_config('TimeZone', 'UTC', true)) IS NOT NULL AND (SELECT plutora_sync.page_lock($11::int, $5::int))
	) x ORDER BY x.id, x.ord DESC
),
changed AS MATERIALIZED (
	SELECT p.id, p.r FROM page p
	WHERE p.r IS DISTINCT FROM (SELECT t.raw FROM %[2]s t WHERE t.id = p.id AND t._deleted_at IS NULL)
),
old AS MATERIALIZED (
	SELECT t.id, t.raw, t._run_id, t._deleted_at, %[3]s AS valid_from
	FROM %[2]s t WHERE t.id = ANY (ARRAY(SELECT id FROM changed))
),
`, id, s.table, validFrom(s, "t"))

	// up: the upsert of changed rows only.
	names := make([]string, 0, len(s.cols))
	exprs := make([]string, 0, len(s.cols))
	sets := make([]string, 0, len(s.cols))
	for _, col := range s.cols {
		names = append(names, col.name)
		exprs = append(exprs, col.expr("c.r"))
		sets = append(sets, col.name+" = EXCLUDED."+col.name)
	}
	fmt.Fprintf(&b, `up AS (
	INSERT INTO %[1]s AS t (id, %[2]s, raw, _first_seen_at, _last_changed_at, _synced_at, _deleted_at, _run_id)
	SELECT c.id, %[3]s, c.r, now(), now(), now(), NULL, NULLIF($2::bigint, 0) FROM changed c
	ON CONFLICT (id) DO UPDATE SET %[4]s, raw = EXCLUDED.raw,
		_last_changed_at = now(), _synced_at = now(), _deleted_at = NULL, _run_id = EXCLUDED._run_id
	WHERE t.raw IS DISTINCT FROM EXCLUDED.raw OR t._deleted_at IS NOT NULL
	RETURNING t.id, (t.xmax = 0) AS inserted
),
`, s.table, strings.Join(names, ", "), strings.Join(exprs, ",\n\t\t"), strings.Join(sets, ", "))

	// hist: the version each update superseded; it ended when the new one began
	// (its last-modified time, else now) or when a census marked it deleted.
	newFrom := "now()"
	if s.ModifiedField != "" {
		newFrom = "COALESCE(" + column{path: []string{s.ModifiedField}, kind: kTime}.expr("c.r") + ", now())"
	}
	fmt.Fprintf(&b, `hist AS (
	INSERT INTO %[1]s (id, valid_from, valid_to, raw, _run_id)
	SELECT o.id, o.valid_from, GREATEST(o.valid_from, COALESCE(o._deleted_at, %[2]s)), o.raw, o._run_id
	FROM up JOIN old o ON o.id = up.id JOIN changed c ON c.id = up.id
	WHERE NOT up.inserted
	RETURNING 1
),
`, hist, newFrom)

	data := []string{"hist", "resolved"} // the data CTEs that counts reads to run them before the wait
	for i, ch := range s.children {
		names := []string{ch.parentCol, "ordinal"}
		exprs := []string{"c.id", "e.ord"}
		for _, col := range ch.cols {
			names = append(names, col.name)
			exprs = append(exprs, col.expr("e.x"))
		}
		fmt.Fprintf(&b, `child_del_%[1]d AS (
	DELETE FROM %[2]s d WHERE (SELECT bool_or(NOT up.inserted) FROM up)
		AND d.%[3]s = ANY (ARRAY(SELECT id FROM up WHERE NOT up.inserted))
	RETURNING 1
),
child_ins_%[1]d AS (
	INSERT INTO %[2]s (%[4]s)
	SELECT %[5]s
	FROM changed c, jsonb_array_elements(%[6]s) WITH ORDINALITY AS e(x, ord)
	WHERE c.id IN (SELECT id FROM up)
	RETURNING 1
),
`, i, ch.table, ch.parentCol, strings.Join(names, ", "), strings.Join(exprs, ", "), arrayOf("c.r", []string{ch.array}))
		data = append(data, fmt.Sprintf("child_del_%d", i), fmt.Sprintf("child_ins_%d", i))
	}
	others := make([]string, len(data))
	for i, name := range data {
		others[i] = "(SELECT count(*) FROM " + name + ")"
	}

	ent := sqlString(s.Name)
	fmt.Fprintf(&b, `resolved AS (
	UPDATE plutora_sync.quarantine q SET resolved_at = now()
	WHERE q.entity = %[1]s AND q.resolved_at IS NULL AND q.record_id = ANY (ARRAY(SELECT id::text FROM up))
	RETURNING 1
),
seen AS (
	INSERT INTO plutora_sync.census_seen (run_id, id)
	SELECT $2::bigint, p.id FROM page p WHERE $9::boolean
	ON CONFLICT DO NOTHING
	RETURNING 1
),
counts AS MATERIALIZED (
	SELECT (SELECT count(*) FROM up WHERE up.inserted) AS ins,
		(SELECT count(*) FROM up WHERE NOT up.inserted) AS upd,
		(SELECT count(*) FROM page) AS total,
		(SELECT max(%[2]s) FROM page p) AS max_modified,
		(SELECT count(*) FROM seen) AS seen_new,
		%[3]s AS other_rows
),
ordered AS MATERIALIZED (
	SELECT n.*, plutora_sync.page_after($11::int, $12::int, $3::text, %[1]s, $4::text, $2::bigint) AS ok FROM counts n
),
ckpt AS (
	INSERT INTO plutora_sync.checkpoints AS k (product, entity, mode, run_id, next_page, total_count, watermark, since, updated_at)
	SELECT $3::text, %[1]s, $4::text, NULLIF($2::bigint, 0), $5::int + 1, $6::int, $7::timestamptz, $10::timestamptz, now()
	FROM ordered WHERE ordered.ok
	ON CONFLICT (product, entity, mode) DO UPDATE SET run_id = EXCLUDED.run_id, next_page = EXCLUDED.next_page,
		total_count = EXCLUDED.total_count, watermark = GREATEST(k.watermark, EXCLUDED.watermark),
		since = COALESCE(EXCLUDED.since, k.since), updated_at = now()
	WHERE (k.run_id, k.next_page, k.total_count) IS DISTINCT FROM (EXCLUDED.run_id, EXCLUDED.next_page, EXCLUDED.total_count)
		OR EXCLUDED.since IS DISTINCT FROM k.since AND EXCLUDED.since IS NOT NULL
		OR EXCLUDED.watermark > k.watermark OR (k.watermark IS NULL AND EXCLUDED.watermark IS NOT NULL)
),
ledger AS (
	UPDATE plutora_sync.run_entities l SET pages = l.pages + 1,
		inserted = l.inserted + n.ins, updated = l.updated + n.upd,
		unchanged = l.unchanged + (n.total - n.ins - n.upd), quarantined = l.quarantined + $8::int,
		total_first = COALESCE(l.total_first, $6::int), total_last = $6::int,
		watermark_after = GREATEST(l.watermark_after, $7::timestamptz)
	FROM ordered n WHERE n.ok AND l.run_id = $2::bigint AND l.entity = %[1]s
)
SELECT ins, upd, total, max_modified, seen_new FROM ordered`, ent, modified, strings.Join(others, " + "))
	return b.String()
}

// validFrom is the SQL for when the version in row alias a began: its
// last-modified time when the entity has one, else when the worker wrote it.
func validFrom(s *entitySpec, a string) string {
	if s.ModifiedField == "" {
		return a + "._last_changed_at"
	}
	return "COALESCE(" + a + ".last_modified_date, " + a + "._last_changed_at)"
}
