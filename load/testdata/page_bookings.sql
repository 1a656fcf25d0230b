WITH page AS MATERIALIZED (
	SELECT DISTINCT ON (x.id) x.id, x.r FROM (
		SELECT (e.r->>'id')::uuid AS id, e.r, e.ord FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(r, ord)
	) x ORDER BY x.id, x.ord DESC
),
changed AS MATERIALIZED (
	SELECT p.id, p.r FROM page p
	WHERE p.r IS DISTINCT FROM (SELECT t.raw FROM plutora.bookings t WHERE t.id = p.id AND t._deleted_at IS NULL)
),
old AS MATERIALIZED (
	SELECT t.*, t._last_changed_at AS valid_from
	FROM plutora.bookings t WHERE t.id = ANY (ARRAY(SELECT id FROM changed))
),
up AS (
	INSERT INTO plutora.bookings AS t (id, environment_id, is_environment_group, release_id, phase_id, tebr_id, start_date, end_date, status, state, status_updater_id, time_stamp, raw, _first_seen_at, _last_changed_at, _synced_at, _deleted_at, _run_id)
	SELECT c.id, NULLIF(NULLIF(c.r->>'environmentId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		(c.r->>'isEnvironmentGroup')::boolean,
		NULLIF(NULLIF(c.r->>'releaseId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		NULLIF(NULLIF(c.r->>'phaseId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		NULLIF(NULLIF(c.r->>'tebrId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		(CASE WHEN (c.r->>'startDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((c.r->>'startDate'), '0123456789-:.T +Z') = '' THEN (c.r->>'startDate') WHEN (c.r->>'startDate') <> '' THEN 'not an ISO 8601 date: ' || (c.r->>'startDate') END)::date,
		(CASE WHEN (c.r->>'endDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((c.r->>'endDate'), '0123456789-:.T +Z') = '' THEN (c.r->>'endDate') WHEN (c.r->>'endDate') <> '' THEN 'not an ISO 8601 date: ' || (c.r->>'endDate') END)::date,
		c.r->>'status',
		c.r->>'state',
		NULLIF(NULLIF(c.r->>'statusUpdaterId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		(CASE WHEN (c.r->>'timeStamp') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((c.r->>'timeStamp'), '0123456789-:.T +Z') = '' THEN (c.r->>'timeStamp') WHEN (c.r->>'timeStamp') <> '' THEN 'not an ISO 8601 date: ' || (c.r->>'timeStamp') END)::timestamptz, c.r, now(), now(), now(), NULL, NULLIF($2::bigint, 0) FROM changed c
	ON CONFLICT (id) DO UPDATE SET environment_id = EXCLUDED.environment_id,
		is_environment_group = EXCLUDED.is_environment_group,
		release_id = EXCLUDED.release_id,
		phase_id = EXCLUDED.phase_id,
		tebr_id = EXCLUDED.tebr_id,
		start_date = EXCLUDED.start_date,
		end_date = EXCLUDED.end_date,
		status = EXCLUDED.status,
		state = EXCLUDED.state,
		status_updater_id = EXCLUDED.status_updater_id,
		time_stamp = EXCLUDED.time_stamp,
		raw = EXCLUDED.raw, _last_changed_at = now(), _synced_at = now(), _deleted_at = NULL, _run_id = EXCLUDED._run_id
	WHERE t.raw IS DISTINCT FROM EXCLUDED.raw OR t._deleted_at IS NOT NULL
	RETURNING t.id, (t.xmax = 0) AS inserted
),
hist AS (
	INSERT INTO plutora.bookings_history (id, valid_from, valid_to, raw, _run_id, environment_id, is_environment_group, release_id, phase_id, tebr_id, start_date, end_date, status, state, status_updater_id, time_stamp)
	SELECT o.id, o.valid_from, GREATEST(o.valid_from, COALESCE(o._deleted_at, now())), o.raw, o._run_id, o.environment_id, o.is_environment_group, o.release_id, o.phase_id, o.tebr_id, o.start_date, o.end_date, o.status, o.state, o.status_updater_id, o.time_stamp
	FROM up JOIN old o ON o.id = up.id
	WHERE NOT up.inserted
),
resolved AS (
	UPDATE plutora_sync.quarantine q SET resolved_at = now()
	WHERE q.entity = 'bookings' AND q.resolved_at IS NULL AND q.record_id = ANY (ARRAY(SELECT id::text FROM page))
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
