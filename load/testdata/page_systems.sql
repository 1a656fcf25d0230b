WITH page AS MATERIALIZED (
	SELECT DISTINCT ON (x.id) x.id, x.r FROM (
		SELECT (e.r->>'id')::uuid AS id, e.r, e.ord FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(r, ord)
	) x ORDER BY x.id, x.ord DESC
),
changed AS MATERIALIZED (
	SELECT p.id, p.r FROM page p
	WHERE p.r IS DISTINCT FROM (SELECT t.raw FROM plutora.systems t WHERE t.id = p.id AND t._deleted_at IS NULL)
),
old AS MATERIALIZED (
	SELECT t.*, t._last_changed_at AS valid_from
	FROM plutora.systems t WHERE t.id = ANY (ARRAY(SELECT id FROM changed))
),
up AS (
	INSERT INTO plutora.systems AS t (id, name, vendor, status, organization_id, organization, description, is_allow_edit, in_my_organization, raw, _first_seen_at, _last_changed_at, _synced_at, _deleted_at, _run_id)
	SELECT c.id, c.r->>'name',
		c.r->>'vendor',
		c.r->>'status',
		NULLIF(NULLIF(c.r->>'organizationId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		c.r->>'organization',
		c.r->>'description',
		(c.r->>'isAllowEdit')::boolean,
		(c.r->>'inMyOrganization')::boolean, c.r, now(), now(), now(), NULL, NULLIF($2::bigint, 0) FROM changed c
	ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name,
		vendor = EXCLUDED.vendor,
		status = EXCLUDED.status,
		organization_id = EXCLUDED.organization_id,
		organization = EXCLUDED.organization,
		description = EXCLUDED.description,
		is_allow_edit = EXCLUDED.is_allow_edit,
		in_my_organization = EXCLUDED.in_my_organization,
		raw = EXCLUDED.raw, _last_changed_at = now(), _synced_at = now(), _deleted_at = NULL, _run_id = EXCLUDED._run_id
	WHERE t.raw IS DISTINCT FROM EXCLUDED.raw OR t._deleted_at IS NOT NULL
	RETURNING t.id, (t.xmax = 0) AS inserted
),
hist AS (
	INSERT INTO plutora.systems_history (id, valid_from, valid_to, raw, _run_id, name, vendor, status, organization_id, organization, description, is_allow_edit, in_my_organization)
	SELECT o.id, o.valid_from, GREATEST(o.valid_from, COALESCE(o._deleted_at, now())), o.raw, o._run_id, o.name, o.vendor, o.status, o.organization_id, o.organization, o.description, o.is_allow_edit, o.in_my_organization
	FROM up JOIN old o ON o.id = up.id
	WHERE NOT up.inserted
),
child_del_0 AS (
	DELETE FROM plutora.system_custom_fields d WHERE (SELECT bool_or(NOT up.inserted) FROM up)
		AND d.system_id = ANY (ARRAY(SELECT id FROM up WHERE NOT up.inserted))
),
child_ins_0 AS (
	INSERT INTO plutora.system_custom_fields (system_id, ordinal, field_id, name, type, data_type, text_value, number_value, decimal_value, date_value, time_value, datetime_value, list_item_id, list_item_value, multi_list_item_ids, multi_list_item_values)
	SELECT c.id,
		e.ord,
		NULLIF(NULLIF(e.x->>'id', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		e.x->>'name',
		e.x->>'type',
		e.x->>'dataType',
		e.x->>'text',
		(e.x->>'number')::numeric,
		(e.x->>'decimal')::numeric,
		(CASE WHEN (e.x->>'date') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((e.x->>'date'), '0123456789-:.T +Z') = '' THEN (e.x->>'date') WHEN (e.x->>'date') <> '' THEN 'not an ISO 8601 date: ' || (e.x->>'date') END)::date,
		(CASE WHEN (e.x->>'time') LIKE ANY (ARRAY['__:__%']) AND ltrim((e.x->>'time'), '0123456789:.') = '' THEN (e.x->>'time') WHEN (e.x->>'time') <> '' THEN 'not an ISO time of day: ' || (e.x->>'time') END)::time,
		(CASE WHEN (e.x->>'dateTime') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((e.x->>'dateTime'), '0123456789-:.T +Z') = '' THEN (e.x->>'dateTime') WHEN (e.x->>'dateTime') <> '' THEN 'not an ISO 8601 date: ' || (e.x->>'dateTime') END)::timestamptz,
		NULLIF(NULLIF(e.x#>>'{listItem,id}', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		e.x#>>'{listItem,value}',
		CASE WHEN jsonb_typeof(e.x->'multiListItem') = 'array' THEN ARRAY(SELECT NULLIF(NULLIF(v->>'id', ''), '00000000-0000-0000-0000-000000000000')::uuid FROM jsonb_array_elements(e.x->'multiListItem') v) ELSE '{}' END,
		CASE WHEN jsonb_typeof(e.x->'multiListItem') = 'array' THEN ARRAY(SELECT v->>'value' FROM jsonb_array_elements(e.x->'multiListItem') v) ELSE '{}' END
	FROM changed c, jsonb_array_elements(CASE jsonb_typeof(c.r->'additionalInformation') WHEN 'array' THEN c.r->'additionalInformation' END) WITH ORDINALITY AS e(x, ord)
	WHERE c.id IN (SELECT id FROM up)
),
resolved AS (
	UPDATE plutora_sync.quarantine q SET resolved_at = now()
	WHERE q.entity = 'systems' AND q.resolved_at IS NULL AND q.record_id = ANY (ARRAY(SELECT id::text FROM page))
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
