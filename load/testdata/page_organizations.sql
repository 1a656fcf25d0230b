WITH page AS MATERIALIZED (
	SELECT DISTINCT ON (x.id) x.id, x.r FROM (
		SELECT (e.r->>'id')::uuid AS id, e.r, e.ord FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(r, ord)
	) x ORDER BY x.id, x.ord DESC
),
changed AS MATERIALIZED (
	SELECT p.id, p.r FROM page p
	WHERE p.r IS DISTINCT FROM (SELECT t.raw FROM plutora.organizations t WHERE t.id = p.id AND t._deleted_at IS NULL)
),
old AS MATERIALIZED (
	SELECT t.*, t._last_changed_at AS valid_from
	FROM plutora.organizations t WHERE t.id = ANY (ARRAY(SELECT id FROM changed))
),
up AS (
	INSERT INTO plutora.organizations AS t (id, name, type, raw, _first_seen_at, _last_changed_at, _synced_at, _deleted_at, _run_id)
	SELECT c.id, c.r->>'name',
		c.r->>'type', c.r, now(), now(), now(), NULL, NULLIF($2::bigint, 0) FROM changed c
	ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name,
		type = EXCLUDED.type,
		raw = EXCLUDED.raw, _last_changed_at = now(), _synced_at = now(), _deleted_at = NULL, _run_id = EXCLUDED._run_id
	WHERE t.raw IS DISTINCT FROM EXCLUDED.raw OR t._deleted_at IS NOT NULL
	RETURNING t.id, (t.xmax = 0) AS inserted
),
hist AS (
	INSERT INTO plutora.organizations_history (id, valid_from, valid_to, raw, _run_id, name, type)
	SELECT o.id, o.valid_from, GREATEST(o.valid_from, COALESCE(o._deleted_at, now())), o.raw, o._run_id, o.name, o.type
	FROM up JOIN old o ON o.id = up.id
	WHERE NOT up.inserted
),
resolved AS (
	UPDATE plutora_sync.quarantine q SET resolved_at = now()
	WHERE q.entity = 'organizations' AND q.resolved_at IS NULL AND q.record_id = ANY (ARRAY(SELECT id::text FROM page))
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
	(SELECT max(NULL::timestamptz) FROM page p) AS max_modified,
	(SELECT count(*) FROM seen) AS seen_new
