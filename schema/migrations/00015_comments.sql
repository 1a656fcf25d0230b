-- The schema explains itself (issue 16): a COMMENT on every table, view and
-- column of plutora, plutora_sync and reporting. Column comments are given
-- once per meaning: each row of the list below applies to the columns of
-- that name in the relations matching its pattern (schema.relation, LIKE),
-- the longest matching pattern winning. schema/warehouse.md is generated
-- from these comments (go test ./schema -run Dictionary -update), and
-- TestEveryRelationAndColumnHasAComment keeps them complete.

-- +goose Up
CREATE TEMPORARY TABLE relation_comments (rel text PRIMARY KEY, comment text NOT NULL) ON COMMIT DROP;
INSERT INTO relation_comments VALUES
('plutora.changes', 'Plutora changes (POST /changes/filter), one row per change ever seen, deleted ones included (_deleted_at). BI: reporting.changes.'),
('plutora.releases', 'Plutora releases (POST /releases/filter), deleted ones included. BI: reporting.releases.'),
('plutora.environments', 'Plutora environments (GET /environments, detail), deleted ones included. BI: reporting.environments.'),
('plutora.hosts', 'Plutora hosts (GET /hosts), deleted ones included. BI: reporting.hosts, reporting.host_stack.'),
('plutora.systems', 'Plutora systems (GET /systems, detail), deleted ones included. BI: reporting.systems.'),
('plutora.defects', 'Plutora Test defects (POST /defects/Search), deleted ones included. BI: reporting.defects.'),
('plutora.change_systems', 'A change''s systems[] (systemId, name, systemRoleType): one row per element. BI: reporting.change_systems.'),
('plutora.change_delivery_releases', 'A change''s deliveryReleases[] (releaseId, targetRelease, actualDeliveryRelease). BI: reporting.release_changes.'),
('plutora.change_stakeholders', 'A change''s stakeholders[] with their RACI flags. BI: reporting.change_stakeholders.'),
('plutora.change_custom_fields', 'A change''s additionalInformation[] (custom fields), one typed value column per data type. BI: reporting.change_custom_fields.'),
('plutora.release_custom_fields', 'A release''s additionalInformation[] (custom fields). BI: reporting.release_custom_fields.'),
('plutora.system_custom_fields', 'A system''s additionalInformation[] (custom fields). BI: reporting.system_custom_fields.'),
('plutora.host_layers', 'A host''s layers[]: the stack-layer components on it. BI: reporting.host_stack.'),
('plutora.defect_fields', 'A defect''s Fields[] (Plutora Test''s own fields). BI: reporting.defect_fields.'),
('plutora.changes_history', 'Superseded versions of changes, typed as plutora.changes, written at load. BI: reporting.change_versions.'),
('plutora.releases_history', 'Superseded versions of releases, typed as plutora.releases. BI: reporting.release_versions.'),
('plutora.environments_history', 'Superseded versions of environments, typed as plutora.environments.'),
('plutora.hosts_history', 'Superseded versions of hosts, typed as plutora.hosts.'),
('plutora.systems_history', 'Superseded versions of systems, typed as plutora.systems.'),
('plutora.defects_history', 'Superseded versions of defects, typed as plutora.defects. BI: reporting.defect_versions.'),
('plutora.changes_status_periods', 'Periods in which a change''s status held, kept at load. BI: reporting.change_status_history.'),
('plutora.releases_status_periods', 'Periods in which a release''s status held, kept at load. BI: reporting.release_status_history.'),
('plutora.defects_status_periods', 'Periods in which a defect''s status held, kept at load. BI: reporting.defect_status_history.'),
('plutora_sync.runs', 'The run ledger: one row per run of a job (product, entity, mode).'),
('plutora_sync.run_entities', 'What a run did per entity: pages, requests, rows, deletions, watermarks, errors.'),
('plutora_sync.checkpoints', 'Where each job (product, entity, mode) stands: its run in progress, next page and watermark.'),
('plutora_sync.request_counts', 'API requests per key per minute: the budget pacer''s memory across restarts and replicas.'),
('plutora_sync.quarantine', 'Records that could not be loaded, with the reason and the bytes as received. BI: reporting.quarantine.'),
('plutora_sync.census_seen', 'Ids a run has read (unlogged): a census compares them with the table to find deletions.'),
('reporting.changes', 'Live changes: status, priority, type, risk, theme, dates. Key change_id; business key change_number.'),
('reporting.releases', 'Live releases: status, type, risk, implementation date, parent. Key release_id; business key release_identifier.'),
('reporting.release_changes', 'One row per (release, change) between live records, with relation actual, target or related.'),
('reporting.change_systems', 'The systems a live change touches.'),
('reporting.change_stakeholders', 'The stakeholders of live changes, with their RACI flags.'),
('reporting.change_stakeholder_roles', 'Bridge: one row per role of a stakeholder of a live change (stakeholder_role_ids unnested).'),
('reporting.environments', 'Live environments.'),
('reporting.systems', 'Live systems.'),
('reporting.hosts', 'Live hosts.'),
('reporting.host_stack', 'The stack by environment: live environments (also those without hosts), their live hosts and components; hosts whose environment the warehouse lacks have a NULL environment.'),
('reporting.defects', 'Live defects (Plutora Test). Key defect_id; business key defect_display_id.'),
('reporting.defect_fields', 'The fields of live defects.'),
('reporting.change_custom_fields', 'Custom fields of live changes, a typed value per data type. One field as a column: LEFT JOIN it ON change_id AND field_name = ''…''.'),
('reporting.release_custom_fields', 'Custom fields of live releases, a typed value per data type.'),
('reporting.system_custom_fields', 'Custom fields of live systems, a typed value per data type.'),
('reporting.custom_fields', 'All custom fields of live changes, releases and systems in one long view (entity, record_id).'),
('reporting.custom_field_list_items', 'Bridge: one row per item chosen in a multi-select custom field.'),
('reporting.change_status_history', 'Status periods of live changes (valid_to NULL: still holds). Status at time X: valid_from <= X AND (valid_to > X OR valid_to IS NULL).'),
('reporting.release_status_history', 'Status periods of live releases (valid_to NULL: still holds).'),
('reporting.defect_status_history', 'Status periods of live defects (valid_to NULL: still holds).'),
('reporting.change_time_in_status', 'Time each live change spent in each status, periods summed (an open one up to now).'),
('reporting.release_time_in_status', 'Time each live release spent in each status.'),
('reporting.defect_time_in_status', 'Time each live defect spent in each status.'),
('reporting.change_status_daily', 'Live changes per status at the end of each day (session time zone), from the first period to today.'),
('reporting.release_status_daily', 'Live releases per status at the end of each day.'),
('reporting.defect_status_daily', 'Live defects per status at the end of each day.'),
('reporting.change_versions', 'Every version of a live change, typed: its history plus the current row (is_current).'),
('reporting.release_versions', 'Every version of a live release, typed: its history plus the current row.'),
('reporting.defect_versions', 'Every version of a live defect, typed: its history plus the current row.'),
('reporting.quarantine', 'Records not loaded and still not loaded, with why.'),
('reporting.freshness', 'Per entity: last success and its age, rows, expected interval and staleness, the last run, pending deletions and open quarantine.');

CREATE TEMPORARY TABLE column_comments (rel text, col text, comment text NOT NULL, PRIMARY KEY (rel, col)) ON COMMIT DROP;
INSERT INTO column_comments VALUES
-- system columns and history
('plutora.%', 'id', 'The record''s uuid (API id); primary key. In reporting: <entity>_id.'),
('plutora.%_history', 'id', 'The record''s uuid (API id); joins the entity table''s id.'),
('plutora.%_status_periods', 'id', 'The record''s uuid; joins the entity table''s id.'),
('plutora.%', 'raw', 'The whole record as the API sent it (jsonb); no field is ever lost.'),
('plutora.%', '_first_seen_at', 'When the worker first wrote the record.'),
('plutora.%', '_last_changed_at', 'When the record''s content last changed in the warehouse (the current version''s start).'),
('plutora.%', '_synced_at', 'When the row was last written.'),
('plutora.%', '_deleted_at', 'When a complete census no longer saw the record (NULL: live). Rows are never removed.'),
('plutora.%', '_run_id', 'The run that last wrote the row (plutora_sync.runs.id).'),
('plutora.%', 'history_id', 'Surrogate key of a history row.'),
('%', 'valid_from', 'When this version or period began.'),
('%', 'valid_to', 'When this version or period ended (NULL: it still holds).'),
('plutora.%', 'ordinal', 'Position (1-based) of the element in the record''s array.'),
('reporting.%', 'ordinal', 'Position (1-based) of the element in the record''s array.'),
('plutora.%_status_periods', 'status', 'The status name during the period.'),
('plutora.%_status_periods', 'status_id', 'The status lookup id during the period (NULL for none or the all-zero GUID).'),
-- keys
('%', 'change_id', 'The change''s uuid (API id); joins reporting.changes.change_id.'),
('%', 'change_number', 'The change''s number (API changeId), its business key.'),
('%', 'release_id', 'The release''s uuid (API id / releaseId); joins reporting.releases.release_id.'),
('%', 'release_identifier', 'The release''s identifier (API identifier, e.g. PR-3561), its business key.'),
('%', 'defect_id', 'The defect''s uuid (API Id); joins reporting.defects.defect_id.'),
('%', 'defect_display_id', 'The defect''s display id (API DisplayId, e.g. P-D-1415), its business key.'),
('plutora.defects%', 'display_id', 'The defect''s display id (API DisplayId), its business key.'),
('%', 'system_id', 'The system''s uuid (API systemId / id); joins reporting.systems.system_id.'),
('%', 'environment_id', 'The environment''s uuid (API environmentID / id); joins reporting.environments.environment_id.'),
('%', 'host_id', 'The host''s uuid (API id / hostID); joins reporting.hosts.host_id.'),
('%', 'organization_id', 'The organization''s uuid (API organizationId); joins the organizations reference data.'),
('%', 'organization', 'The organization''s name (API organization).'),
('%', 'manager_id', 'The release manager''s user uuid (API managerId).'),
('%', 'parent_release_id', 'The parent release''s uuid (API parentReleaseId); joins release_id.'),
('%', 'record_id', 'The uuid of the record (in quarantine: as text, when the record had one).'),
('%', 'entity', 'The entity: changes, releases, environments, hosts, systems or defects.'),
-- common fields
('%', 'name', 'Name (API name).'),
('plutora.defect%', 'name', 'Name (API Name).'),
('%', 'description', 'Description (API description; HTML for changes).'),
('%', 'description_simple', 'Description as plain text (API descriptionSimple).'),
('%', 'last_modified_date', 'When the record was last modified in Plutora (API lastModifiedDate / LastModifiedDate).'),
('%', 'last_modified_by', 'Who last modified the record (API lastModifiedBy).'),
('%', 'changed_in_warehouse_at', 'When the record''s content last changed in the warehouse.'),
('%', 'status', 'Status (API status; defects: Status.Value).'),
('%', 'status_id', 'Status lookup id (API Status.Id).'),
('%', 'vendor', 'Vendor (API vendor).'),
('%', 'color', 'Display colour (API color).'),
('%', 'url', 'URL (API url).'),
('%', 'summary', 'Summary, HTML (API summary).'),
('%', 'location', 'Location (API location).'),
('%', 'display_color', 'Display colour (API displayColor).'),
-- changes
('%', 'change_name', 'The change''s name (API name).'),
('%', 'change_priority', 'Priority name (API changePriority).'),
('%', 'change_priority_id', 'Priority lookup id (API changePriorityId).'),
('%', 'change_status', 'Status name (API changeStatus).'),
('%', 'change_status_id', 'Status lookup id (API changeStatusId; the all-zero GUID is NULL).'),
('%', 'change_type', 'Type name (API changeType).'),
('%', 'change_type_id', 'Type lookup id (API changeTypeId).'),
('%', 'change_delivery_risk', 'Delivery risk name (API changeDeliveryRisk).'),
('%', 'change_delivery_risk_id', 'Delivery risk lookup id (API changeDeliveryRiskId).'),
('%', 'change_theme', 'Theme name (API changeTheme).'),
('%', 'change_theme_id', 'Theme lookup id (API changeThemeId).'),
('%', 'business_value_score', 'Business value score (API businessValueScore).'),
('%', 'raised_by', 'Who raised the change (API raisedBy).'),
('%', 'raised_by_id', 'The user uuid of who raised it (API raisedById).'),
('%', 'raised_date', 'When the change was raised (API raisedDate); its first status period starts here.'),
('%', 'expected_delivery_date', 'Expected delivery date, date only (API expectedDeliveryDate).'),
('%', 'system_name', 'The system''s name (API systems[].name / name).'),
('%', 'system_role_type', 'The system''s role in the change (API systemRoleType).'),
('%', 'target_release', 'The change targets this release (API targetRelease).'),
('%', 'actual_delivery_release', 'The change was delivered in this release (API actualDeliveryRelease).'),
('%', 'relation', 'actual (delivered in it), target (planned for it) or related (listed without either flag).'),
('%', 'is_target', 'Some element says targetRelease.'),
('%', 'is_actual', 'Some element says actualDeliveryRelease.'),
('%', 'user_id', 'The stakeholder''s user uuid (API userId).'),
('%', 'user_name', 'The stakeholder''s user name (API user).'),
('%', 'group_id', 'The stakeholder''s group uuid (API groupId).'),
('%', 'group_name', 'The stakeholder''s group name (API group).'),
('%', 'stakeholder_role_ids', 'The stakeholder''s role lookup ids (API stakeholderRoleIds); bridge: reporting.change_stakeholder_roles.'),
('%', 'stakeholder_role_id', 'One role lookup id of the stakeholder.'),
('%', 'stakeholder_roles', 'The stakeholder''s roles, as the API lists them (API stakeholderRoles).'),
('%', 'responsible', 'RACI: responsible (API responsible).'),
('%', 'accountable', 'RACI: accountable (API accountable).'),
('%', 'informed', 'RACI: informed (API informed).'),
('%', 'consulted', 'RACI: consulted (API consulted).'),
-- releases
('%', 'identifier', 'The release''s identifier (API identifier), its business key.'),
('%', 'release_name', 'The release''s name (API name).'),
('%', 'release_type', 'Release type name (API releaseType).'),
('%', 'release_type_id', 'Release type lookup id (API releaseTypeId).'),
('%', 'release_status', 'Release status name (API releaseStatusType).'),
('%', 'release_status_id', 'Release status lookup id (API releaseStatusTypeId).'),
('%', 'release_status_type', 'Release status name (API releaseStatusType).'),
('%', 'release_status_type_id', 'Release status lookup id (API releaseStatusTypeId).'),
('%', 'release_risk_level', 'Risk level name (API releaseRiskLevel).'),
('%', 'release_risk_level_id', 'Risk level lookup id (API releaseRiskLevelId).'),
('%', 'implementation_date', 'Implementation (go-live) date, date only (API implementationDate).'),
('%', 'plutora_release_type', 'Enterprise, Integrated or Independent (API plutoraReleaseType).'),
('%', 'release_project_type', 'IsProject, NotIsProject or None (API releaseProjectType).'),
-- environments, hosts
('%', 'linked_system', 'The linked system''s name (API linkedSystem).'),
('%', 'linked_system_id', 'The linked system''s uuid (API linkedSystemId).'),
('%', 'usage_work_item', 'Usage work item (API usageWorkItem).'),
('%', 'environment_status', 'Environment status name (API environmentStatus).'),
('%', 'environment_status_id', 'Environment status lookup id (API environmentStatusId).'),
('%', 'environment_mgr', 'Environment manager (API environmentMgr).'),
('%', 'is_shared_environment', 'Shared environment (API isSharedEnvironment).'),
('%', 'environment', 'The environment''s name (NULL when the warehouse lacks it).'),
('%', 'host', 'The host''s name (API name).'),
('%', 'layer_id', 'The layer''s uuid (API layers[].id).'),
('%', 'layer_host_id', 'The host the layer names (API layers[].hostID).'),
('%', 'component_name', 'Component (API componentName).'),
('%', 'component', 'Component (API componentName).'),
('%', 'version', 'Component version (API version).'),
('%', 'stack_layer_id', 'Stack layer lookup id (API stackLayerID).'),
('%', 'stack_layer', 'Stack layer: Application, Database, Middleware, Network, Operating System (API stackLayer).'),
('%', 'stack_layer_type', 'Always StackLayer (API stackLayerType).'),
-- defects
('%', 'priority', 'Priority (API Priority.Value).'),
('%', 'priority_id', 'Priority lookup id (API Priority.Id).'),
('%', 'severity', 'Severity (API Severity.Value).'),
('%', 'severity_id', 'Severity lookup id (API Severity.Id).'),
('%', 'assigned_to', 'Assignee''s name (API AssignedTo.Name).'),
('%', 'assigned_to_id', 'Assignee''s user uuid (API AssignedTo.Id).'),
('%', 'assigned_to_email', 'Assignee''s e-mail (API AssignedTo.Email).'),
('%', 'created_date', 'When the defect was created (API CreatedDate); its first status period starts here.'),
('%', 'string_value', 'The field''s value as text (API StringValue).'),
-- custom fields
('%', 'field_id', 'The field''s uuid (API id / Id).'),
('%', 'field_name', 'The field''s name (API name / Name).'),
('%', 'field_type', 'Change or Release (API type).'),
('%', 'type', 'Change or Release (API type).'),
('%', 'data_type', 'Data type: FreeText, Number, Decimal, ListField, ListSelect, DatePicker, TimePicker, DateTimePicker (API dataType / DataType).'),
('%', 'text_value', 'FreeText value (API text).'),
('%', 'number_value', 'Number value (API number).'),
('%', 'decimal_value', 'Decimal value (API decimal).'),
('%', 'date_value', 'DatePicker value, date only (API date).'),
('%', 'time_value', 'TimePicker value (API time).'),
('%', 'datetime_value', 'DateTimePicker value (API dateTime).'),
('%', 'list_item_id', 'ListField item id (API listItem.id).'),
('%', 'list_item_value', 'ListField item value (API listItem.value).'),
('%', 'multi_list_item_ids', 'ListSelect item ids (API multiListItem[].id); bridge: reporting.custom_field_list_items.'),
('%', 'multi_list_item_values', 'ListSelect item values (API multiListItem[].value).'),
('%', 'value_text', 'The value whatever its data type, as text (lists joined with commas).'),
-- status over time
('%', 'time_in_status', 'How long the status held (an open period: until now).'),
('%', 'periods', 'How many periods the record spent in the status.'),
('%', 'day', 'The day (session time zone); counts are at its end.'),
('%', 'changes', 'Live changes in the status at the end of the day.'),
('%', 'releases', 'Live releases in the status at the end of the day.'),
('%', 'defects', 'Live defects in the status at the end of the day.'),
('%', 'is_current', 'The current version (the entity row), not a history row.'),
('%', 'run_id', 'The run (plutora_sync.runs.id).'),
-- the worker's tables
('plutora_sync.runs', 'id', 'The run''s id.'),
('plutora_sync.quarantine', 'id', 'The quarantined record''s id.'),
('plutora_sync.census_seen', 'id', 'A record id the run read.'),
('%', 'product', 'The API: plutora or plutoratest.'),
('%', 'mode', 'The run mode: incremental, sweep or census.'),
('plutora_sync.runs', 'status', 'running, success, failed, skipped or abandoned.'),
('%', 'started_at', 'When the run started.'),
('%', 'finished_at', 'When the run finished.'),
('%', 'error', 'Why the run failed.'),
('%', 'source_url', 'The API base URL the run read from.'),
('%', 'note', 'A note on the run, such as a budget-plan warning.'),
('%', 'resumed', 'The run resumed after a crash.'),
('%', 'pages', 'Pages written.'),
('%', 'requests', 'API requests made.'),
('%', 'throttled', '429 answers.'),
('%', 'retries', 'Retried requests.'),
('%', 'token_renewals', 'OAuth token renewals.'),
('%', 'inserted', 'Rows inserted.'),
('%', 'updated', 'Rows updated (content changed).'),
('%', 'unchanged', 'Records read whose content had not changed.'),
('%', 'deleted', 'Rows marked deleted by the census.'),
('%', 'quarantined', 'Records quarantined.'),
('%', 'total_first', 'totalCount on the first page.'),
('%', 'total_last', 'totalCount on the last page.'),
('%', 'ids_seen', 'Distinct ids the run read.'),
('%', 'complete', 'The census was complete: totalCount steady and every id seen.'),
('%', 'deletion_note', 'Why a census marked nothing, or what it confirmed.'),
('%', 'pending_deletions', 'Live rows the census did not see and did not mark (deletions held back).'),
('%', 'watermark_before', 'The watermark when the run started.'),
('%', 'watermark_after', 'The watermark after the run''s last page.'),
('%', 'budget_used', 'Requests in the rolling hour when the run ended.'),
('%', 'budget_limit', 'The hourly request limit.'),
('%', 'next_page', 'The next page to read.'),
('%', 'since', 'The run''s lower bound of lastModifiedDate.'),
('%', 'watermark', 'The newest lastModifiedDate committed.'),
('%', 'total_count', 'totalCount of the last page read.'),
('%', 'updated_at', 'When the checkpoint last moved.'),
('%', 'key', 'The API key (product).'),
('%', 'minute', 'The minute counted.'),
('%', 'count', 'Requests in the minute.'),
('%', 'page', 'The page the record came on.'),
('%', 'record_index', 'The record''s position on its page.'),
('%', 'reason', 'Why the record could not be loaded.'),
('%', 'raw_text', 'The bytes as text, when they are valid UTF-8.'),
('%', 'raw_sha256', 'SHA-256 of the bytes (the same bytes are kept once).'),
('plutora_sync.quarantine', 'raw', 'The bytes as received.'),
('%', 'first_seen_at', 'When the record was first quarantined.'),
('%', 'last_seen_at', 'When it was last seen.'),
('%', 'seen_count', 'How many times it was seen.'),
('%', 'resolved_at', 'When a good version of the record loaded (NULL: still open).'),
-- freshness
('%', 'last_success_at', 'When the last successful run finished.'),
('%', 'age', 'How long ago that was.'),
('%', 'rows', 'Live rows.'),
('%', 'deleted_rows', 'Rows marked deleted.'),
('%', 'last_run_id', 'The last run.'),
('%', 'last_run_mode', 'Its mode.'),
('%', 'last_run_status', 'Its status.'),
('%', 'last_run_started_at', 'When it started.'),
('%', 'last_run_finished_at', 'When it finished.'),
('%', 'last_run_total_first', 'Its totalCount on the first page.'),
('%', 'last_run_total_last', 'Its totalCount on the last page.'),
('%', 'last_run_records', 'Records it read.'),
('%', 'last_run_complete', 'It read every record (census: totalCount steady and every id seen).'),
('%', 'last_run_error', 'Its error.'),
('%', 'last_complete_census_at', 'When the last complete census finished.'),
('%', 'expected_interval', 'The median interval between the last 21 scheduled (not census) runs.'),
('%', 'is_stale', 'Never synced, or the last success is older than twice the expected interval.'),
('%', 'last_census_at', 'When the last successful census finished.'),
('%', 'pending_deletions_reason', 'Why the last census held deletions back (such as the cap).'),
('%', 'quarantine_reasons', 'The most frequent reasons of open quarantined records, with their counts.');

-- +goose StatementBegin
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT n.nspname, c.relname, c.relkind, rc.comment
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN relation_comments rc ON rc.rel = n.nspname || '.' || c.relname
        WHERE n.nspname IN ('plutora', 'plutora_sync', 'reporting') AND c.relkind IN ('r', 'v')
    LOOP
        CONTINUE WHEN r.comment IS NULL; -- TestEveryRelationAndColumnHasAComment names it
        EXECUTE format('COMMENT ON %s %I.%I IS %L', CASE r.relkind WHEN 'v' THEN 'VIEW' ELSE 'TABLE' END,
            r.nspname, r.relname, r.comment);
    END LOOP;
    FOR r IN SELECT n.nspname, c.relname, a.attname,
            (SELECT cc.comment FROM column_comments cc
             WHERE cc.col = a.attname AND n.nspname || '.' || c.relname LIKE cc.rel
             ORDER BY length(cc.rel) DESC LIMIT 1) AS comment
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('plutora', 'plutora_sync', 'reporting') AND c.relkind IN ('r', 'v')
          AND a.attnum > 0 AND NOT a.attisdropped
    LOOP
        CONTINUE WHEN r.comment IS NULL;
        EXECUTE format('COMMENT ON COLUMN %I.%I.%I IS %L', r.nspname, r.relname, r.attname, r.comment);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('plutora', 'plutora_sync', 'reporting') AND c.relkind IN ('r', 'v')
    LOOP
        EXECUTE format('COMMENT ON %s %I.%I IS NULL', CASE r.relkind WHEN 'v' THEN 'VIEW' ELSE 'TABLE' END, r.nspname, r.relname);
    END LOOP;
END
$$;
-- +goose StatementEnd
