WITH page AS MATERIALIZED (
	SELECT DISTINCT ON (x.id) x.id, x.r FROM (
		SELECT (e.r->>'id')::uuid AS id, e.r, e.ord FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(r, ord)
	) x ORDER BY x.id, x.ord DESC
),
changed AS MATERIALIZED (
	SELECT p.id, p.r FROM page p
	WHERE p.r IS DISTINCT FROM (SELECT t.raw FROM plutora.changes t WHERE t.id = p.id AND t._deleted_at IS NULL)
),
old AS MATERIALIZED (
	SELECT t.*, COALESCE(t.last_modified_date, t._last_changed_at) AS valid_from
	FROM plutora.changes t WHERE t.id = ANY (ARRAY(SELECT id FROM changed))
),
up AS (
	INSERT INTO plutora.changes AS t (id, change_number, name, change_priority_id, change_priority, change_status_id, change_status, change_type_id, change_type, change_delivery_risk_id, change_delivery_risk, change_theme_id, change_theme, business_value_score, raised_by_id, raised_by, raised_date, organization_id, organization, expected_delivery_date, description, description_simple, last_modified_date, last_modified_by, raw, _first_seen_at, _last_changed_at, _synced_at, _deleted_at, _run_id)
	SELECT c.id, (c.r->>'changeId')::bigint,
		c.r->>'name',
		NULLIF(NULLIF(c.r->>'changePriorityId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		c.r->>'changePriority',
		NULLIF(NULLIF(c.r->>'changeStatusId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		c.r->>'changeStatus',
		NULLIF(NULLIF(c.r->>'changeTypeId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		c.r->>'changeType',
		NULLIF(NULLIF(c.r->>'changeDeliveryRiskId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		c.r->>'changeDeliveryRisk',
		NULLIF(NULLIF(c.r->>'changeThemeId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		c.r->>'changeTheme',
		(c.r->>'businessValueScore')::numeric,
		NULLIF(NULLIF(c.r->>'raisedById', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		c.r->>'raisedBy',
		(CASE WHEN (c.r->>'raisedDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((c.r->>'raisedDate'), '0123456789-:.T +Z') = '' THEN (c.r->>'raisedDate') WHEN (c.r->>'raisedDate') <> '' THEN 'not an ISO 8601 date: ' || (c.r->>'raisedDate') END)::timestamptz,
		NULLIF(NULLIF(c.r->>'organizationId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		c.r->>'organization',
		(CASE WHEN (c.r->>'expectedDeliveryDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((c.r->>'expectedDeliveryDate'), '0123456789-:.T +Z') = '' THEN (c.r->>'expectedDeliveryDate') WHEN (c.r->>'expectedDeliveryDate') <> '' THEN 'not an ISO 8601 date: ' || (c.r->>'expectedDeliveryDate') END)::date,
		c.r->>'description',
		c.r->>'descriptionSimple',
		(CASE WHEN (c.r->>'lastModifiedDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((c.r->>'lastModifiedDate'), '0123456789-:.T +Z') = '' THEN (c.r->>'lastModifiedDate') WHEN (c.r->>'lastModifiedDate') <> '' THEN 'not an ISO 8601 date: ' || (c.r->>'lastModifiedDate') END)::timestamptz,
		c.r->>'lastModifiedBy', c.r, now(), now(), now(), NULL, NULLIF($2::bigint, 0) FROM changed c
	ON CONFLICT (id) DO UPDATE SET change_number = EXCLUDED.change_number,
		name = EXCLUDED.name,
		change_priority_id = EXCLUDED.change_priority_id,
		change_priority = EXCLUDED.change_priority,
		change_status_id = EXCLUDED.change_status_id,
		change_status = EXCLUDED.change_status,
		change_type_id = EXCLUDED.change_type_id,
		change_type = EXCLUDED.change_type,
		change_delivery_risk_id = EXCLUDED.change_delivery_risk_id,
		change_delivery_risk = EXCLUDED.change_delivery_risk,
		change_theme_id = EXCLUDED.change_theme_id,
		change_theme = EXCLUDED.change_theme,
		business_value_score = EXCLUDED.business_value_score,
		raised_by_id = EXCLUDED.raised_by_id,
		raised_by = EXCLUDED.raised_by,
		raised_date = EXCLUDED.raised_date,
		organization_id = EXCLUDED.organization_id,
		organization = EXCLUDED.organization,
		expected_delivery_date = EXCLUDED.expected_delivery_date,
		description = EXCLUDED.description,
		description_simple = EXCLUDED.description_simple,
		last_modified_date = EXCLUDED.last_modified_date,
		last_modified_by = EXCLUDED.last_modified_by,
		raw = EXCLUDED.raw, _last_changed_at = now(), _synced_at = now(), _deleted_at = NULL, _run_id = EXCLUDED._run_id
	WHERE t.raw IS DISTINCT FROM EXCLUDED.raw AND (t.last_modified_date > EXCLUDED.last_modified_date) IS NOT TRUE OR t._deleted_at IS NOT NULL
	RETURNING t.id, (t.xmax = 0) AS inserted, t.last_modified_date, t.change_status, t.change_status_id, t.raised_date
),
hist AS (
	INSERT INTO plutora.changes_history (id, valid_from, valid_to, raw, _run_id, change_number, name, change_priority_id, change_priority, change_status_id, change_status, change_type_id, change_type, change_delivery_risk_id, change_delivery_risk, change_theme_id, change_theme, business_value_score, raised_by_id, raised_by, raised_date, organization_id, organization, expected_delivery_date, description, description_simple, last_modified_date, last_modified_by)
	SELECT o.id, o.valid_from, GREATEST(o.valid_from, COALESCE(o._deleted_at, COALESCE(up.last_modified_date, now()))), o.raw, o._run_id, o.change_number, o.name, o.change_priority_id, o.change_priority, o.change_status_id, o.change_status, o.change_type_id, o.change_type, o.change_delivery_risk_id, o.change_delivery_risk, o.change_theme_id, o.change_theme, o.business_value_score, o.raised_by_id, o.raised_by, o.raised_date, o.organization_id, o.organization, o.expected_delivery_date, o.description, o.description_simple, o.last_modified_date, o.last_modified_by
	FROM up JOIN old o ON o.id = up.id
	WHERE NOT up.inserted
),
period_end AS (
	UPDATE plutora.changes_status_periods sp SET valid_to = GREATEST(sp.valid_from, COALESCE(up.last_modified_date, now()))
	FROM up JOIN old o ON o.id = up.id
	WHERE sp.id = up.id AND sp.valid_to IS NULL AND NOT up.inserted AND (o.change_status, o.change_status_id) IS DISTINCT FROM (up.change_status, up.change_status_id)
),
period_start AS (
	INSERT INTO plutora.changes_status_periods (id, status, status_id, valid_from)
	SELECT up.id, up.change_status, up.change_status_id, CASE WHEN up.inserted THEN LEAST(up.raised_date::timestamptz, COALESCE(up.last_modified_date, now())) ELSE COALESCE(up.last_modified_date, now()) END
	FROM up LEFT JOIN old o ON o.id = up.id
	WHERE up.inserted OR o._deleted_at IS NOT NULL OR (o.change_status, o.change_status_id) IS DISTINCT FROM (up.change_status, up.change_status_id)
),
child_del_0 AS (
	DELETE FROM plutora.change_systems d WHERE (SELECT bool_or(NOT up.inserted) FROM up)
		AND d.change_id = ANY (ARRAY(SELECT id FROM up WHERE NOT up.inserted))
),
child_ins_0 AS (
	INSERT INTO plutora.change_systems (change_id, ordinal, system_id, name, system_role_type)
	SELECT c.id,
		e.ord,
		NULLIF(NULLIF(e.x->>'systemId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		e.x->>'name',
		e.x->>'systemRoleType'
	FROM changed c, jsonb_array_elements(CASE jsonb_typeof(c.r->'systems') WHEN 'array' THEN c.r->'systems' END) WITH ORDINALITY AS e(x, ord)
	WHERE c.id IN (SELECT id FROM up)
),
child_del_1 AS (
	DELETE FROM plutora.change_delivery_releases d WHERE (SELECT bool_or(NOT up.inserted) FROM up)
		AND d.change_id = ANY (ARRAY(SELECT id FROM up WHERE NOT up.inserted))
),
child_ins_1 AS (
	INSERT INTO plutora.change_delivery_releases (change_id, ordinal, release_id, target_release, actual_delivery_release)
	SELECT c.id,
		e.ord,
		NULLIF(NULLIF(e.x->>'releaseId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		(e.x->>'targetRelease')::boolean,
		(e.x->>'actualDeliveryRelease')::boolean
	FROM changed c, jsonb_array_elements(CASE jsonb_typeof(c.r->'deliveryReleases') WHEN 'array' THEN c.r->'deliveryReleases' END) WITH ORDINALITY AS e(x, ord)
	WHERE c.id IN (SELECT id FROM up)
),
child_del_2 AS (
	DELETE FROM plutora.change_stakeholders d WHERE (SELECT bool_or(NOT up.inserted) FROM up)
		AND d.change_id = ANY (ARRAY(SELECT id FROM up WHERE NOT up.inserted))
),
child_ins_2 AS (
	INSERT INTO plutora.change_stakeholders (change_id, ordinal, user_id, user_name, group_id, group_name, stakeholder_role_ids, stakeholder_roles, responsible, accountable, informed, consulted)
	SELECT c.id,
		e.ord,
		NULLIF(NULLIF(e.x->>'userId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		e.x->>'user',
		NULLIF(NULLIF(e.x->>'groupId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		e.x->>'group',
		ARRAY(SELECT NULLIF(NULLIF(v, ''), '00000000-0000-0000-0000-000000000000')::uuid FROM jsonb_array_elements_text(CASE jsonb_typeof(e.x->'stakeholderRoleIds') WHEN 'array' THEN e.x->'stakeholderRoleIds' END) v),
		e.x->>'stakeholderRoles',
		(e.x->>'responsible')::boolean,
		(e.x->>'accountable')::boolean,
		(e.x->>'informed')::boolean,
		(e.x->>'consulted')::boolean
	FROM changed c, jsonb_array_elements(CASE jsonb_typeof(c.r->'stakeholders') WHEN 'array' THEN c.r->'stakeholders' END) WITH ORDINALITY AS e(x, ord)
	WHERE c.id IN (SELECT id FROM up)
),
child_del_3 AS (
	DELETE FROM plutora.change_custom_fields d WHERE (SELECT bool_or(NOT up.inserted) FROM up)
		AND d.change_id = ANY (ARRAY(SELECT id FROM up WHERE NOT up.inserted))
),
child_ins_3 AS (
	INSERT INTO plutora.change_custom_fields (change_id, ordinal, field_id, name, type, data_type, text_value, number_value, decimal_value, date_value, time_value, datetime_value, list_item_id, list_item_value, multi_list_item_ids, multi_list_item_values)
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
	WHERE q.entity = 'changes' AND q.resolved_at IS NULL AND q.record_id = ANY (ARRAY(SELECT id::text FROM page))
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
