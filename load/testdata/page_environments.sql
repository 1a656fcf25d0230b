WITH page AS MATERIALIZED (
	SELECT DISTINCT ON (x.id) x.id, x.r FROM (
		SELECT (e.r->>'id')::uuid AS id, e.r, e.ord FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(r, ord)
	) x ORDER BY x.id, x.ord DESC
),
changed AS MATERIALIZED (
	SELECT p.id, p.r FROM page p
	WHERE p.r IS DISTINCT FROM (SELECT t.raw FROM plutora.environments t WHERE t.id = p.id AND t._deleted_at IS NULL)
),
old AS MATERIALIZED (
	SELECT t.*, t._last_changed_at AS valid_from
	FROM plutora.environments t WHERE t.id = ANY (ARRAY(SELECT id FROM changed))
),
up AS (
	INSERT INTO plutora.environments AS t (id, name, url, linked_system, linked_system_id, usage_work_item, status, environment_status_id, environment_status, color, description, vendor, environment_mgr, is_shared_environment, usage_work_item_id, raw, _first_seen_at, _last_changed_at, _synced_at, _deleted_at, _run_id)
	SELECT c.id, c.r->>'name',
		c.r->>'url',
		c.r->>'linkedSystem',
		NULLIF(NULLIF(c.r->>'linkedSystemId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		c.r->>'usageWorkItem',
		COALESCE(c.r->>'status', c.r->>'environmentStatus'),
		NULLIF(NULLIF(c.r->>'environmentStatusId', ''), '00000000-0000-0000-0000-000000000000')::uuid,
		c.r->>'environmentStatus',
		c.r->>'color',
		c.r->>'description',
		c.r->>'vendor',
		c.r->>'environmentMgr',
		(c.r->>'isSharedEnvironment')::boolean,
		NULLIF(NULLIF(c.r->>'usageWorkItemId', ''), '00000000-0000-0000-0000-000000000000')::uuid, c.r, now(), now(), now(), NULL, NULLIF($2::bigint, 0) FROM changed c
	ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name,
		url = EXCLUDED.url,
		linked_system = EXCLUDED.linked_system,
		linked_system_id = EXCLUDED.linked_system_id,
		usage_work_item = EXCLUDED.usage_work_item,
		status = EXCLUDED.status,
		environment_status_id = EXCLUDED.environment_status_id,
		environment_status = EXCLUDED.environment_status,
		color = EXCLUDED.color,
		description = EXCLUDED.description,
		vendor = EXCLUDED.vendor,
		environment_mgr = EXCLUDED.environment_mgr,
		is_shared_environment = EXCLUDED.is_shared_environment,
		usage_work_item_id = EXCLUDED.usage_work_item_id,
		raw = EXCLUDED.raw, _last_changed_at = now(), _synced_at = now(), _deleted_at = NULL, _run_id = EXCLUDED._run_id
	WHERE t.raw IS DISTINCT FROM EXCLUDED.raw OR t._deleted_at IS NOT NULL
	RETURNING t.id, (t.xmax = 0) AS inserted
),
hist AS (
	INSERT INTO plutora.environments_history (id, valid_from, valid_to, raw, _run_id, name, url, linked_system, linked_system_id, usage_work_item, status, environment_status_id, environment_status, color, description, vendor, environment_mgr, is_shared_environment, usage_work_item_id)
	SELECT o.id, o.valid_from, GREATEST(o.valid_from, COALESCE(o._deleted_at, now())), o.raw, o._run_id, o.name, o.url, o.linked_system, o.linked_system_id, o.usage_work_item, o.status, o.environment_status_id, o.environment_status, o.color, o.description, o.vendor, o.environment_mgr, o.is_shared_environment, o.usage_work_item_id
	FROM up JOIN old o ON o.id = up.id
	WHERE NOT up.inserted
),
resolved AS (
	UPDATE plutora_sync.quarantine q SET resolved_at = now()
	WHERE q.entity = 'environments' AND q.resolved_at IS NULL AND q.record_id = ANY (ARRAY(SELECT id::text FROM page))
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
