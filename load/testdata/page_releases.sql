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
child_del_1 AS (
	DELETE FROM plutora.release_phases d WHERE (SELECT bool_or(NOT up.inserted) FROM up)
		AND d.release_id = ANY (ARRAY(SELECT id FROM up WHERE NOT up.inserted))
),
child_ins_1 AS (
	INSERT INTO plutora.release_phases (release_id, ordinal, phase_id, work_item_name_id, name, start_date, end_date, status)
	SELECT c.id,
		e.ord,
		NULLIF(NULLIF(e.x->>'id', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		NULLIF(NULLIF(e.x->>'workItemNameId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		e.x->>'name',
		(CASE WHEN (e.x->>'startDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((e.x->>'startDate'), '0123456789-:.T +Z') = '' THEN (e.x->>'startDate') WHEN (e.x->>'startDate') <> '' THEN 'not an ISO 8601 date: ' || (e.x->>'startDate') END)::date,
		(CASE WHEN (e.x->>'endDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((e.x->>'endDate'), '0123456789-:.T +Z') = '' THEN (e.x->>'endDate') WHEN (e.x->>'endDate') <> '' THEN 'not an ISO 8601 date: ' || (e.x->>'endDate') END)::date,
		e.x->>'status'
	FROM changed c, jsonb_array_elements(CASE jsonb_typeof(c.r->'phases') WHEN 'array' THEN c.r->'phases' END) WITH ORDINALITY AS e(x, ord)
	WHERE c.id IN (SELECT id FROM up)
),
child_del_2 AS (
	DELETE FROM plutora.release_gates d WHERE (SELECT bool_or(NOT up.inserted) FROM up)
		AND d.release_id = ANY (ARRAY(SELECT id FROM up WHERE NOT up.inserted))
),
child_ins_2 AS (
	INSERT INTO plutora.release_gates (release_id, ordinal, gate_id, work_item_name_id, name, start_date, end_date, status)
	SELECT c.id,
		e.ord,
		NULLIF(NULLIF(e.x->>'id', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		NULLIF(NULLIF(e.x->>'workItemNameId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		e.x->>'name',
		(CASE WHEN (e.x->>'startDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((e.x->>'startDate'), '0123456789-:.T +Z') = '' THEN (e.x->>'startDate') WHEN (e.x->>'startDate') <> '' THEN 'not an ISO 8601 date: ' || (e.x->>'startDate') END)::date,
		(CASE WHEN (e.x->>'endDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((e.x->>'endDate'), '0123456789-:.T +Z') = '' THEN (e.x->>'endDate') WHEN (e.x->>'endDate') <> '' THEN 'not an ISO 8601 date: ' || (e.x->>'endDate') END)::date,
		e.x->>'status'
	FROM changed c, jsonb_array_elements(CASE jsonb_typeof(c.r->'gates') WHEN 'array' THEN c.r->'gates' END) WITH ORDINALITY AS e(x, ord)
	WHERE c.id IN (SELECT id FROM up)
),
child_del_3 AS (
	DELETE FROM plutora.release_activities d WHERE (SELECT bool_or(NOT up.inserted) FROM up)
		AND d.release_id = ANY (ARRAY(SELECT id FROM up WHERE NOT up.inserted))
),
child_ins_3 AS (
	INSERT INTO plutora.release_activities (release_id, ordinal, activity_id, phase_id, title, type, status, assigned_to_id, assigned_to, start_date, end_date, forecast_date, completion)
	SELECT c.id,
		e.ord,
		NULLIF(NULLIF(e.x->>'id', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		NULLIF(NULLIF(e.x->>'assignedWorkItemID', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		e.x->>'title',
		e.x->>'type',
		e.x->>'status',
		NULLIF(NULLIF(e.x->>'assignedToId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		e.x->>'assignedTo',
		(CASE WHEN (e.x->>'startDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((e.x->>'startDate'), '0123456789-:.T +Z') = '' THEN (e.x->>'startDate') WHEN (e.x->>'startDate') <> '' THEN 'not an ISO 8601 date: ' || (e.x->>'startDate') END)::date,
		(CASE WHEN (e.x->>'endDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((e.x->>'endDate'), '0123456789-:.T +Z') = '' THEN (e.x->>'endDate') WHEN (e.x->>'endDate') <> '' THEN 'not an ISO 8601 date: ' || (e.x->>'endDate') END)::date,
		(CASE WHEN (e.x->>'forecastDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((e.x->>'forecastDate'), '0123456789-:.T +Z') = '' THEN (e.x->>'forecastDate') WHEN (e.x->>'forecastDate') <> '' THEN 'not an ISO 8601 date: ' || (e.x->>'forecastDate') END)::date,
		(e.x->>'completion')::numeric
	FROM changed c, jsonb_array_elements(CASE jsonb_typeof(c.r->'activities') WHEN 'array' THEN c.r->'activities' END) WITH ORDINALITY AS e(x, ord)
	WHERE c.id IN (SELECT id FROM up)
),
child_del_4 AS (
	DELETE FROM plutora.release_criteria d WHERE (SELECT bool_or(NOT up.inserted) FROM up)
		AND d.release_id = ANY (ARRAY(SELECT id FROM up WHERE NOT up.inserted))
),
child_ins_4 AS (
	INSERT INTO plutora.release_criteria (release_id, ordinal, criterion_id, gate_id, title, type, status, assigned_to_id, assigned_to, start_date, end_date, forecast_date, completion)
	SELECT c.id,
		e.ord,
		NULLIF(NULLIF(e.x->>'id', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		NULLIF(NULLIF(e.x->>'assignedWorkItemID', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		e.x->>'title',
		e.x->>'type',
		e.x->>'status',
		NULLIF(NULLIF(e.x->>'assignedToId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		e.x->>'assignedTo',
		(CASE WHEN (e.x->>'startDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((e.x->>'startDate'), '0123456789-:.T +Z') = '' THEN (e.x->>'startDate') WHEN (e.x->>'startDate') <> '' THEN 'not an ISO 8601 date: ' || (e.x->>'startDate') END)::date,
		(CASE WHEN (e.x->>'endDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((e.x->>'endDate'), '0123456789-:.T +Z') = '' THEN (e.x->>'endDate') WHEN (e.x->>'endDate') <> '' THEN 'not an ISO 8601 date: ' || (e.x->>'endDate') END)::date,
		(CASE WHEN (e.x->>'forecastDate') LIKE ANY (ARRAY['____-__-__', '____-__-__Z', '____-__-__+%', '____-__-__-%', '____-__-__T__:__%', '____-__-__ __:__%']) AND ltrim((e.x->>'forecastDate'), '0123456789-:.T +Z') = '' THEN (e.x->>'forecastDate') WHEN (e.x->>'forecastDate') <> '' THEN 'not an ISO 8601 date: ' || (e.x->>'forecastDate') END)::date,
		(e.x->>'completion')::numeric
	FROM changed c, jsonb_array_elements(CASE jsonb_typeof(c.r->'criterias') WHEN 'array' THEN c.r->'criterias' END) WITH ORDINALITY AS e(x, ord)
	WHERE c.id IN (SELECT id FROM up)
),
child_del_5 AS (
	DELETE FROM plutora.release_stakeholders d WHERE (SELECT bool_or(NOT up.inserted) FROM up)
		AND d.release_id = ANY (ARRAY(SELECT id FROM up WHERE NOT up.inserted))
),
child_ins_5 AS (
	INSERT INTO plutora.release_stakeholders (release_id, ordinal, user_id, user_name, group_id, group_name, stakeholder_role_ids, stakeholder_roles, responsible, accountable, informed, consulted)
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
