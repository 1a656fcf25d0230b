WITH page AS MATERIALIZED (
	SELECT DISTINCT ON (x.id) x.id, x.r FROM (
		SELECT (e.r->>'Id')::uuid AS id, e.r, e.ord FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(r, ord)
	) x ORDER BY x.id, x.ord DESC
),
changed AS MATERIALIZED (
	SELECT p.id, p.r FROM page p
	WHERE p.r IS DISTINCT FROM (SELECT t.raw FROM plutora.defects t WHERE t.id = p.id AND t._deleted_at IS NULL)
),
old AS MATERIALIZED (
	SELECT t.*, COALESCE(t.last_modified_date, t._last_changed_at) AS valid_from
	FROM plutora.defects t WHERE t.id = ANY (ARRAY(SELECT id FROM changed))
),
up AS (
	INSERT INTO plutora.defects AS t (id, display_id, name, description, status_id, status, priority_id, priority, severity_id, severity, assigned_to_id, assigned_to, assigned_to_email, created_date, last_modified_date, raw, _first_seen_at, _last_changed_at, _synced_at, _deleted_at, _run_id)
	SELECT c.id, c.r->>'DisplayId',
		c.r->>'Name',
		c.r->>'Description',
		NULLIF(NULLIF(c.r#>>'{Status,Id}', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		c.r#>>'{Status,Value}',
		NULLIF(NULLIF(c.r#>>'{Priority,Id}', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		c.r#>>'{Priority,Value}',
		NULLIF(NULLIF(c.r#>>'{Severity,Id}', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		c.r#>>'{Severity,Value}',
		NULLIF(NULLIF(c.r#>>'{AssignedTo,Id}', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		c.r#>>'{AssignedTo,Name}',
		c.r#>>'{AssignedTo,Email}',
		(CASE WHEN (c.r->>'CreatedDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((c.r->>'CreatedDate'), '0123456789-:.T +Z') = '' THEN (c.r->>'CreatedDate') WHEN (c.r->>'CreatedDate') <> '' THEN 'not an ISO 8601 date: ' || (c.r->>'CreatedDate') END)::timestamptz,
		(CASE WHEN (c.r->>'LastModifiedDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((c.r->>'LastModifiedDate'), '0123456789-:.T +Z') = '' THEN (c.r->>'LastModifiedDate') WHEN (c.r->>'LastModifiedDate') <> '' THEN 'not an ISO 8601 date: ' || (c.r->>'LastModifiedDate') END)::timestamptz, c.r, now(), now(), now(), NULL, NULLIF($2::bigint, 0) FROM changed c
	ON CONFLICT (id) DO UPDATE SET display_id = EXCLUDED.display_id,
		name = EXCLUDED.name,
		description = EXCLUDED.description,
		status_id = EXCLUDED.status_id,
		status = EXCLUDED.status,
		priority_id = EXCLUDED.priority_id,
		priority = EXCLUDED.priority,
		severity_id = EXCLUDED.severity_id,
		severity = EXCLUDED.severity,
		assigned_to_id = EXCLUDED.assigned_to_id,
		assigned_to = EXCLUDED.assigned_to,
		assigned_to_email = EXCLUDED.assigned_to_email,
		created_date = EXCLUDED.created_date,
		last_modified_date = EXCLUDED.last_modified_date,
		raw = EXCLUDED.raw, _last_changed_at = now(), _synced_at = now(), _deleted_at = NULL, _run_id = EXCLUDED._run_id
	WHERE t.raw IS DISTINCT FROM EXCLUDED.raw AND (t.last_modified_date > EXCLUDED.last_modified_date) IS NOT TRUE OR t._deleted_at IS NOT NULL
	RETURNING t.id, (t.xmax = 0) AS inserted, t.last_modified_date, t.status, t.status_id, t.created_date
),
hist AS (
	INSERT INTO plutora.defects_history (id, valid_from, valid_to, raw, _run_id, display_id, name, description, status_id, status, priority_id, priority, severity_id, severity, assigned_to_id, assigned_to, assigned_to_email, created_date, last_modified_date)
	SELECT o.id, o.valid_from, GREATEST(o.valid_from, COALESCE(o._deleted_at, COALESCE(up.last_modified_date, now()))), o.raw, o._run_id, o.display_id, o.name, o.description, o.status_id, o.status, o.priority_id, o.priority, o.severity_id, o.severity, o.assigned_to_id, o.assigned_to, o.assigned_to_email, o.created_date, o.last_modified_date
	FROM up JOIN old o ON o.id = up.id
	WHERE NOT up.inserted
),
period_end AS (
	UPDATE plutora.defects_status_periods sp SET valid_to = GREATEST(sp.valid_from, COALESCE(up.last_modified_date, now()))
	FROM up JOIN old o ON o.id = up.id
	WHERE sp.id = up.id AND sp.valid_to IS NULL AND NOT up.inserted AND (o.status, o.status_id) IS DISTINCT FROM (up.status, up.status_id)
),
period_start AS (
	INSERT INTO plutora.defects_status_periods (id, status, status_id, valid_from)
	SELECT up.id, up.status, up.status_id, CASE WHEN up.inserted THEN LEAST(up.created_date::timestamptz, COALESCE(up.last_modified_date, now())) ELSE COALESCE(up.last_modified_date, now()) END
	FROM up LEFT JOIN old o ON o.id = up.id
	WHERE up.inserted OR o._deleted_at IS NOT NULL OR (o.status, o.status_id) IS DISTINCT FROM (up.status, up.status_id)
),
child_del_0 AS (
	DELETE FROM plutora.defect_fields d WHERE (SELECT bool_or(NOT up.inserted) FROM up)
		AND d.defect_id = ANY (ARRAY(SELECT id FROM up WHERE NOT up.inserted))
),
child_ins_0 AS (
	INSERT INTO plutora.defect_fields (defect_id, ordinal, field_id, name, data_type, string_value)
	SELECT c.id,
		e.ord,
		NULLIF(NULLIF(e.x->>'Id', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		e.x->>'Name',
		e.x->>'DataType',
		e.x->>'StringValue'
	FROM changed c, jsonb_array_elements(CASE jsonb_typeof(c.r->'Fields') WHEN 'array' THEN c.r->'Fields' END) WITH ORDINALITY AS e(x, ord)
	WHERE c.id IN (SELECT id FROM up)
),
resolved AS (
	UPDATE plutora_sync.quarantine q SET resolved_at = now()
	WHERE q.entity = 'defects' AND q.resolved_at IS NULL AND q.record_id = ANY (ARRAY(SELECT id::text FROM page))
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
	(SELECT max((CASE WHEN (p.r->>'LastModifiedDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((p.r->>'LastModifiedDate'), '0123456789-:.T +Z') = '' THEN (p.r->>'LastModifiedDate') WHEN (p.r->>'LastModifiedDate') <> '' THEN 'not an ISO 8601 date: ' || (p.r->>'LastModifiedDate') END)::timestamptz) FROM page p) AS max_modified,
	(SELECT count(*) FROM seen) AS seen_new
