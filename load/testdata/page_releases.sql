WITH page AS MATERIALIZED (
	SELECT DISTINCT ON (x.id) x.id, x.r FROM (
		SELECT (e.r->>'id')::uuid AS id, e.r, e.ord FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(r, ord)
	) x ORDER BY x.id, x.ord DESC
),
changed AS MATERIALIZED (
	SELECT p.id, p.r FROM page p
	WHERE p.r IS DISTINCT FROM (SELECT t.raw FROM plutora.releases t WHERE t.id = p.id AND t._deleted_at IS NULL)
),
old AS MATERIALIZED (
	SELECT t.*, COALESCE(t.last_modified_date, t._last_changed_at) AS valid_from
	FROM plutora.releases t WHERE t.id = ANY (ARRAY(SELECT id FROM changed))
),
up AS (
	INSERT INTO plutora.releases AS t (id, identifier, name, summary, location, release_type_id, release_type, release_status_type_id, release_status_type, release_risk_level_id, release_risk_level, implementation_date, display_color, organization_id, organization, manager_id, parent_release_id, plutora_release_type, release_project_type, last_modified_date, raw, _first_seen_at, _last_changed_at, _synced_at, _deleted_at, _run_id)
	SELECT c.id, c.r->>'identifier',
		c.r->>'name',
		c.r->>'summary',
		c.r->>'location',
		NULLIF(NULLIF(c.r->>'releaseTypeId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		c.r->>'releaseType',
		NULLIF(NULLIF(c.r->>'releaseStatusTypeId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		c.r->>'releaseStatusType',
		NULLIF(NULLIF(c.r->>'releaseRiskLevelId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		c.r->>'releaseRiskLevel',
		(CASE WHEN (c.r->>'implementationDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((c.r->>'implementationDate'), '0123456789-:.T +Z') = '' THEN (c.r->>'implementationDate') WHEN (c.r->>'implementationDate') <> '' THEN 'not an ISO 8601 date: ' || (c.r->>'implementationDate') END)::date,
		c.r->>'displayColor',
		NULLIF(NULLIF(c.r->>'organizationId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		c.r->>'organization',
		NULLIF(NULLIF(c.r->>'managerId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		NULLIF(NULLIF(c.r->>'parentReleaseId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		c.r->>'plutoraReleaseType',
		c.r->>'releaseProjectType',
		(CASE WHEN (c.r->>'lastModifiedDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((c.r->>'lastModifiedDate'), '0123456789-:.T +Z') = '' THEN (c.r->>'lastModifiedDate') WHEN (c.r->>'lastModifiedDate') <> '' THEN 'not an ISO 8601 date: ' || (c.r->>'lastModifiedDate') END)::timestamptz, c.r, now(), now(), now(), NULL, NULLIF($2::bigint, 0) FROM changed c
	ON CONFLICT (id) DO UPDATE SET identifier = EXCLUDED.identifier,
		name = EXCLUDED.name,
		summary = EXCLUDED.summary,
		location = EXCLUDED.location,
		release_type_id = EXCLUDED.release_type_id,
		release_type = EXCLUDED.release_type,
		release_status_type_id = EXCLUDED.release_status_type_id,
		release_status_type = EXCLUDED.release_status_type,
		release_risk_level_id = EXCLUDED.release_risk_level_id,
		release_risk_level = EXCLUDED.release_risk_level,
		implementation_date = EXCLUDED.implementation_date,
		display_color = EXCLUDED.display_color,
		organization_id = EXCLUDED.organization_id,
		organization = EXCLUDED.organization,
		manager_id = EXCLUDED.manager_id,
		parent_release_id = EXCLUDED.parent_release_id,
		plutora_release_type = EXCLUDED.plutora_release_type,
		release_project_type = EXCLUDED.release_project_type,
		last_modified_date = EXCLUDED.last_modified_date,
		raw = EXCLUDED.raw, _last_changed_at = now(), _synced_at = now(), _deleted_at = NULL, _run_id = EXCLUDED._run_id
	WHERE t.raw IS DISTINCT FROM EXCLUDED.raw AND (t.last_modified_date > EXCLUDED.last_modified_date) IS NOT TRUE OR t._deleted_at IS NOT NULL
	RETURNING t.id, (t.xmax = 0) AS inserted, t.last_modified_date, t.release_status_type, t.release_status_type_id
),
hist AS (
	INSERT INTO plutora.releases_history (id, valid_from, valid_to, raw, _run_id, identifier, name, summary, location, release_type_id, release_type, release_status_type_id, release_status_type, release_risk_level_id, release_risk_level, implementation_date, display_color, organization_id, organization, manager_id, parent_release_id, plutora_release_type, release_project_type, last_modified_date)
	SELECT o.id, o.valid_from, GREATEST(o.valid_from, COALESCE(o._deleted_at, COALESCE(up.last_modified_date, now()))), o.raw, o._run_id, o.identifier, o.name, o.summary, o.location, o.release_type_id, o.release_type, o.release_status_type_id, o.release_status_type, o.release_risk_level_id, o.release_risk_level, o.implementation_date, o.display_color, o.organization_id, o.organization, o.manager_id, o.parent_release_id, o.plutora_release_type, o.release_project_type, o.last_modified_date
	FROM up JOIN old o ON o.id = up.id
	WHERE NOT up.inserted
),
period_end AS (
	UPDATE plutora.releases_status_periods sp SET valid_to = GREATEST(sp.valid_from, COALESCE(up.last_modified_date, now()))
	FROM up JOIN old o ON o.id = up.id
	WHERE sp.id = up.id AND sp.valid_to IS NULL AND NOT up.inserted AND (o.release_status_type, o.release_status_type_id) IS DISTINCT FROM (up.release_status_type, up.release_status_type_id)
),
period_start AS (
	INSERT INTO plutora.releases_status_periods (id, status, status_id, valid_from)
	SELECT up.id, up.release_status_type, up.release_status_type_id, COALESCE(up.last_modified_date, now())
	FROM up LEFT JOIN old o ON o.id = up.id
	WHERE up.inserted OR o._deleted_at IS NOT NULL OR (o.release_status_type, o.release_status_type_id) IS DISTINCT FROM (up.release_status_type, up.release_status_type_id)
),
child_del_0 AS (
	DELETE FROM plutora.release_custom_fields d WHERE (SELECT bool_or(NOT up.inserted) FROM up)
		AND d.release_id = ANY (ARRAY(SELECT id FROM up WHERE NOT up.inserted))
),
child_ins_0 AS (
	INSERT INTO plutora.release_custom_fields (release_id, ordinal, field_id, name, type, data_type, text_value, number_value, decimal_value, date_value, time_value, datetime_value, list_item_id, list_item_value, multi_list_item_ids, multi_list_item_values)
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
	WHERE q.entity = 'releases' AND q.resolved_at IS NULL AND q.record_id = ANY (ARRAY(SELECT id::text FROM page))
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
