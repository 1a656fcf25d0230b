WITH page AS MATERIALIZED (
	SELECT DISTINCT ON (x.id) x.id, x.r FROM (
		SELECT (e.r->>'id')::uuid AS id, e.r, e.ord FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(r, ord)
	) x ORDER BY x.id, x.ord DESC
),
changed AS MATERIALIZED (
	SELECT p.id, p.r FROM page p
	WHERE p.r IS DISTINCT FROM (SELECT t.raw FROM plutora.tecrs t WHERE t.id = p.id AND t._deleted_at IS NULL)
),
old AS MATERIALIZED (
	SELECT t.*, COALESCE(t.last_modified_date, t._last_changed_at) AS valid_from
	FROM plutora.tecrs t WHERE t.id = ANY (ARRAY(SELECT id FROM changed))
),
up AS (
	INSERT INTO plutora.tecrs AS t (id, number, title, description, status, type, priority, organization_id, organization, raised_by_id, raised_by, assigned_to_id, assigned_to, required_date, created_date, last_modified_date, last_modified_by, raw, _first_seen_at, _last_changed_at, _synced_at, _deleted_at, _run_id)
	SELECT c.id, c.r->>'number',
		c.r->>'title',
		c.r->>'description',
		c.r->>'status',
		c.r->>'type',
		c.r->>'priority',
		NULLIF(NULLIF(c.r->>'organizationId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		c.r->>'organization',
		NULLIF(NULLIF(c.r->>'raisedById', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		c.r->>'raisedBy',
		NULLIF(NULLIF(c.r->>'assignedToId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		c.r->>'assignedTo',
		(CASE WHEN (c.r->>'requiredDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((c.r->>'requiredDate'), '0123456789-:.T +Z') = '' THEN (c.r->>'requiredDate') WHEN (c.r->>'requiredDate') <> '' THEN 'not an ISO 8601 date: ' || (c.r->>'requiredDate') END)::date,
		(CASE WHEN (c.r->>'createdDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((c.r->>'createdDate'), '0123456789-:.T +Z') = '' THEN (c.r->>'createdDate') WHEN (c.r->>'createdDate') <> '' THEN 'not an ISO 8601 date: ' || (c.r->>'createdDate') END)::timestamptz,
		(CASE WHEN (c.r->>'lastModifiedDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((c.r->>'lastModifiedDate'), '0123456789-:.T +Z') = '' THEN (c.r->>'lastModifiedDate') WHEN (c.r->>'lastModifiedDate') <> '' THEN 'not an ISO 8601 date: ' || (c.r->>'lastModifiedDate') END)::timestamptz,
		c.r->>'lastModifiedBy', c.r, now(), now(), now(), NULL, NULLIF($2::bigint, 0) FROM changed c
	ON CONFLICT (id) DO UPDATE SET number = EXCLUDED.number,
		title = EXCLUDED.title,
		description = EXCLUDED.description,
		status = EXCLUDED.status,
		type = EXCLUDED.type,
		priority = EXCLUDED.priority,
		organization_id = EXCLUDED.organization_id,
		organization = EXCLUDED.organization,
		raised_by_id = EXCLUDED.raised_by_id,
		raised_by = EXCLUDED.raised_by,
		assigned_to_id = EXCLUDED.assigned_to_id,
		assigned_to = EXCLUDED.assigned_to,
		required_date = EXCLUDED.required_date,
		created_date = EXCLUDED.created_date,
		last_modified_date = EXCLUDED.last_modified_date,
		last_modified_by = EXCLUDED.last_modified_by,
		raw = EXCLUDED.raw, _last_changed_at = now(), _synced_at = now(), _deleted_at = NULL, _run_id = EXCLUDED._run_id
	WHERE t.raw IS DISTINCT FROM EXCLUDED.raw AND (t.last_modified_date > EXCLUDED.last_modified_date) IS NOT TRUE OR t._deleted_at IS NOT NULL
	RETURNING t.id, (t.xmax = 0) AS inserted, t.last_modified_date
),
hist AS (
	INSERT INTO plutora.tecrs_history (id, valid_from, valid_to, raw, _run_id, number, title, description, status, type, priority, organization_id, organization, raised_by_id, raised_by, assigned_to_id, assigned_to, required_date, created_date, last_modified_date, last_modified_by)
	SELECT o.id, o.valid_from, GREATEST(o.valid_from, COALESCE(o._deleted_at, COALESCE(up.last_modified_date, now()))), o.raw, o._run_id, o.number, o.title, o.description, o.status, o.type, o.priority, o.organization_id, o.organization, o.raised_by_id, o.raised_by, o.assigned_to_id, o.assigned_to, o.required_date, o.created_date, o.last_modified_date, o.last_modified_by
	FROM up JOIN old o ON o.id = up.id
	WHERE NOT up.inserted
),
child_del_0 AS (
	DELETE FROM plutora.tecr_environments d WHERE (SELECT bool_or(NOT up.inserted) FROM up)
		AND d.tecr_id = ANY (ARRAY(SELECT id FROM up WHERE NOT up.inserted))
),
child_ins_0 AS (
	INSERT INTO plutora.tecr_environments (tecr_id, ordinal, environment_id)
	SELECT c.id,
		e.ord,
		NULLIF(NULLIF(e.x#>>'{}', ''), '00000000-0000-0000-0000-000000000000')::uuid
	FROM changed c, jsonb_array_elements(CASE jsonb_typeof(c.r->'environmentIds') WHEN 'array' THEN c.r->'environmentIds' END) WITH ORDINALITY AS e(x, ord)
	WHERE c.id IN (SELECT id FROM up)
),
child_del_1 AS (
	DELETE FROM plutora.tecr_linked_changes d WHERE (SELECT bool_or(NOT up.inserted) FROM up)
		AND d.tecr_id = ANY (ARRAY(SELECT id FROM up WHERE NOT up.inserted))
),
child_ins_1 AS (
	INSERT INTO plutora.tecr_linked_changes (tecr_id, ordinal, change_id, change_number)
	SELECT c.id,
		e.ord,
		NULLIF(NULLIF(e.x->>'id', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		(e.x->>'changeId')::bigint
	FROM changed c, jsonb_array_elements(CASE jsonb_typeof(c.r->'linkedChanges') WHEN 'array' THEN c.r->'linkedChanges' END) WITH ORDINALITY AS e(x, ord)
	WHERE c.id IN (SELECT id FROM up)
),
resolved AS (
	UPDATE plutora_sync.quarantine q SET resolved_at = now()
	WHERE q.entity = 'tecrs' AND q.resolved_at IS NULL AND q.record_id = ANY (ARRAY(SELECT id::text FROM page))
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
	(SELECT max((CASE WHEN (p.r->>'lastModifiedDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((p.r->>'lastModifiedDate'), '0123456789-:.T +Z') = '' THEN (p.r->>'lastModifiedDate') WHEN (p.r->>'lastModifiedDate') <> '' THEN 'not an ISO 8601 date: ' || (p.r->>'lastModifiedDate') END)::timestamptz) FROM page p) AS max_modified,
	(SELECT count(*) FROM seen) AS seen_new
