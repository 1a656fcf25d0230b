-- History says what was observed, and days are days of one time zone
-- (issue 29, points 1 and 5; docs/warehouse.md, "Status over time").
--
-- Observed: the first status period of a change or defect reaches back to
-- its creation (raised_date, created_date), but the warehouse knows the
-- status only from the first version it read, and that status held since
-- the version's last modification in Plutora (a change of status modifies
-- the record: docs/design.md, "History and periods"). The part before is
-- split off as its own row, status NULL and observed false: a daily count
-- shows it as unknown instead of stretching the status back. A first load
-- of an old site makes that part long; a record read soon after it was
-- created has none. Releases have no creation time: their first period
-- starts at the version read, so every period is observed.
--
-- Time zone: the *_status_daily views count at the end of each day of
-- plutora_sync.reporting_settings.time_zone (UTC unless its owner sets
-- another), not of the session's TimeZone, which BI connections set as they
-- like: every connection gets the same days.

-- +goose Up
CREATE TABLE plutora_sync.reporting_settings (
    only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    time_zone text    NOT NULL DEFAULT 'UTC'
        CHECK (timezone(time_zone, timestamptz '2000-01-01 00:00+00') IS NOT NULL)
);
INSERT INTO plutora_sync.reporting_settings DEFAULT VALUES;
COMMENT ON TABLE plutora_sync.reporting_settings IS
    'Settings of the reporting views, one row. Change with UPDATE (docs/warehouse.md, "Time zone").';
COMMENT ON COLUMN plutora_sync.reporting_settings.only_row IS 'Always true: keeps the table to one row.';
COMMENT ON COLUMN plutora_sync.reporting_settings.time_zone IS
    'The time zone whose days the *_status_daily views count (an IANA name such as Europe/Berlin, or UTC); an unknown name is refused.';

CREATE TEMPORARY TABLE kept_comments ON COMMIT DROP AS
SELECT c.relname AS rel, a.attname AS col, col_description(c.oid, a.attnum) AS comment
FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relnamespace = 'reporting'::regnamespace AND c.relkind = 'v';

CREATE TEMPORARY TABLE new_comments (rel text, col text, comment text NOT NULL, PRIMARY KEY (rel, col)) ON COMMIT DROP;
INSERT INTO new_comments VALUES
('%_status_history', 'status', 'The status name during the period; NULL in a period not observed (observed false).'),
('%_status_history', 'status_id', 'The status lookup id during the period; NULL in a period not observed.'),
('%_status_history', 'observed', 'false: before the first version the warehouse read was last modified in Plutora, the status is unknown (status NULL); true: a status the warehouse read.'),
('%_time_in_status', 'status', 'The status name; NULL for the time not observed (observed false).'),
('%_time_in_status', 'observed', 'false: time before the first version the warehouse read, in an unknown status.'),
('%_status_daily', 'status', 'The status name; NULL with observed false: records that existed but whose status the warehouse had not read yet.'),
('%_status_daily', 'observed', 'false: the count of records in an unknown status (before the first version the warehouse read); leave it out to count only what was observed.'),
('release_status_history', 'status', 'Release status name during the period (API releaseStatusType).'),
('release_status_history', 'status_id', 'Release status lookup id during the period (API releaseStatusTypeId).'),
('release_status_history', 'observed', 'Always true: a release''s first period begins at the first version read.'),
('release_time_in_status', 'status', 'Release status name (API releaseStatusType).'),
('release_time_in_status', 'observed', 'Always true for releases.'),
('release_status_daily', 'status', 'Release status name (API releaseStatusType).'),
('release_status_daily', 'observed', 'Always true for releases.'),
('%_status_daily', 'calendar_date', 'The day in the reporting time zone (plutora_sync.reporting_settings, UTC unless set); counts are at its end. Joins reporting.calendar.calendar_date.');

DROP VIEW reporting.change_status_daily, reporting.release_status_daily, reporting.defect_status_daily,
    reporting.change_time_in_status, reporting.release_time_in_status, reporting.defect_time_in_status,
    reporting.change_status_history, reporting.release_status_history, reporting.defect_status_history;

-- seen_from is the start of the first version read: the oldest history row,
-- else the current row. Only a period begun before the record was first
-- read needs it (its first), and only a record written again since has
-- history to look in. The views stay at three relations (periods, record,
-- the split): PostgreSQL plans a join of more than 8 relations in pieces,
-- and a BI query joins several views.
CREATE VIEW reporting.change_status_history AS
SELECT p.id AS change_id, s.status, s.status_id, s.observed, s.valid_from, s.valid_to,
       COALESCE(s.valid_to, now()) - s.valid_from AS time_in_status,
       round(extract(epoch FROM COALESCE(s.valid_to, now()) - s.valid_from) / 3600, 4) AS time_in_status_hours
FROM plutora.changes_status_periods p
JOIN plutora.changes c ON c.id = p.id AND c._deleted_at IS NULL
CROSS JOIN LATERAL (
    SELECT CASE WHEN p.valid_from >= c._first_seen_at THEN NULL
                WHEN c._last_changed_at = c._first_seen_at THEN COALESCE(c.last_modified_date, c._last_changed_at)
                ELSE COALESCE((SELECT min(h.valid_from) FROM plutora.changes_history h WHERE h.id = p.id),
                              c.last_modified_date, c._last_changed_at) END AS seen_from
) f
CROSS JOIN LATERAL (
    SELECT NULL::text AS status, NULL::uuid AS status_id, false AS observed,
           p.valid_from, LEAST(f.seen_from, p.valid_to) AS valid_to
    WHERE f.seen_from > p.valid_from
    UNION ALL
    SELECT p.status, p.status_id, true, GREATEST(p.valid_from, f.seen_from), p.valid_to
    WHERE f.seen_from IS NULL OR p.valid_to IS NULL OR f.seen_from < p.valid_to
) s;

CREATE VIEW reporting.defect_status_history AS
SELECT p.id AS defect_id, s.status, s.status_id, s.observed, s.valid_from, s.valid_to,
       COALESCE(s.valid_to, now()) - s.valid_from AS time_in_status,
       round(extract(epoch FROM COALESCE(s.valid_to, now()) - s.valid_from) / 3600, 4) AS time_in_status_hours
FROM plutora.defects_status_periods p
JOIN plutora.defects d ON d.id = p.id AND d._deleted_at IS NULL
CROSS JOIN LATERAL (
    SELECT CASE WHEN p.valid_from >= d._first_seen_at THEN NULL
                WHEN d._last_changed_at = d._first_seen_at THEN COALESCE(d.last_modified_date, d._last_changed_at)
                ELSE COALESCE((SELECT min(h.valid_from) FROM plutora.defects_history h WHERE h.id = p.id),
                              d.last_modified_date, d._last_changed_at) END AS seen_from
) f
CROSS JOIN LATERAL (
    SELECT NULL::text AS status, NULL::uuid AS status_id, false AS observed,
           p.valid_from, LEAST(f.seen_from, p.valid_to) AS valid_to
    WHERE f.seen_from > p.valid_from
    UNION ALL
    SELECT p.status, p.status_id, true, GREATEST(p.valid_from, f.seen_from), p.valid_to
    WHERE f.seen_from IS NULL OR p.valid_to IS NULL OR f.seen_from < p.valid_to
) s;

CREATE VIEW reporting.release_status_history AS
SELECT p.id AS release_id, p.status, p.status_id, true AS observed, p.valid_from, p.valid_to,
       COALESCE(p.valid_to, now()) - p.valid_from AS time_in_status,
       round(extract(epoch FROM COALESCE(p.valid_to, now()) - p.valid_from) / 3600, 4) AS time_in_status_hours
FROM plutora.releases_status_periods p
JOIN plutora.releases r ON r.id = p.id AND r._deleted_at IS NULL;

CREATE VIEW reporting.change_time_in_status AS
SELECT change_id, status, observed, count(*) AS periods, sum(time_in_status) AS time_in_status,
       round(extract(epoch FROM sum(time_in_status)) / 3600, 4) AS time_in_status_hours
FROM reporting.change_status_history GROUP BY change_id, status, observed;

CREATE VIEW reporting.release_time_in_status AS
SELECT release_id, status, observed, count(*) AS periods, sum(time_in_status) AS time_in_status,
       round(extract(epoch FROM sum(time_in_status)) / 3600, 4) AS time_in_status_hours
FROM reporting.release_status_history GROUP BY release_id, status, observed;

CREATE VIEW reporting.defect_time_in_status AS
SELECT defect_id, status, observed, count(*) AS periods, sum(time_in_status) AS time_in_status,
       round(extract(epoch FROM sum(time_in_status)) / 3600, 4) AS time_in_status_hours
FROM reporting.defect_status_history GROUP BY defect_id, status, observed;

-- Records per (status, observed) at the end of each day of the reporting
-- time zone, from the first period's day to today: each period adds one on
-- the day it began and takes it back on the day it ended. One pass over the
-- history counts both (two grouping sets: a row of the first has no end
-- day grouped); the running sum per day follows. The days are integers
-- added to a date: no timestamp, so no session setting, takes part.
CREATE VIEW reporting.change_status_daily AS
WITH tz AS (
    SELECT COALESCE((SELECT time_zone FROM plutora_sync.reporting_settings), 'UTC') AS zone
), ends AS (
    SELECT h.status, h.observed, (h.valid_from AT TIME ZONE tz.zone)::date AS began,
           (h.valid_to AT TIME ZONE tz.zone)::date AS ended,
           GROUPING((h.valid_from AT TIME ZONE tz.zone)::date) = 0 AS is_begin, count(*) AS n
    FROM reporting.change_status_history h CROSS JOIN tz
    GROUP BY GROUPING SETS ((h.status, h.observed, (h.valid_from AT TIME ZONE tz.zone)::date),
                            (h.status, h.observed, (h.valid_to AT TIME ZONE tz.zone)::date))
), per_day AS (
    SELECT status, observed, CASE WHEN is_begin THEN began ELSE ended END AS day,
           sum(CASE WHEN is_begin THEN n ELSE -n END) AS delta
    FROM ends WHERE is_begin OR ended IS NOT NULL
    GROUP BY 1, 2, 3
), grid AS (
    SELECT s.status, s.observed, b.first_day + i AS day
    FROM (SELECT DISTINCT status, observed FROM per_day) s,
         (SELECT min(day) AS first_day FROM per_day) b CROSS JOIN tz,
         generate_series(0, (now() AT TIME ZONE tz.zone)::date - b.first_day) AS i
)
SELECT g.day AS calendar_date, g.status, g.observed,
       sum(COALESCE(p.delta, 0)) OVER (PARTITION BY g.status, g.observed ORDER BY g.day)::bigint AS changes
FROM grid g
LEFT JOIN per_day p ON p.status IS NOT DISTINCT FROM g.status AND p.observed = g.observed AND p.day = g.day;

CREATE VIEW reporting.release_status_daily AS
WITH tz AS (
    SELECT COALESCE((SELECT time_zone FROM plutora_sync.reporting_settings), 'UTC') AS zone
), ends AS (
    SELECT h.status, h.observed, (h.valid_from AT TIME ZONE tz.zone)::date AS began,
           (h.valid_to AT TIME ZONE tz.zone)::date AS ended,
           GROUPING((h.valid_from AT TIME ZONE tz.zone)::date) = 0 AS is_begin, count(*) AS n
    FROM reporting.release_status_history h CROSS JOIN tz
    GROUP BY GROUPING SETS ((h.status, h.observed, (h.valid_from AT TIME ZONE tz.zone)::date),
                            (h.status, h.observed, (h.valid_to AT TIME ZONE tz.zone)::date))
), per_day AS (
    SELECT status, observed, CASE WHEN is_begin THEN began ELSE ended END AS day,
           sum(CASE WHEN is_begin THEN n ELSE -n END) AS delta
    FROM ends WHERE is_begin OR ended IS NOT NULL
    GROUP BY 1, 2, 3
), grid AS (
    SELECT s.status, s.observed, b.first_day + i AS day
    FROM (SELECT DISTINCT status, observed FROM per_day) s,
         (SELECT min(day) AS first_day FROM per_day) b CROSS JOIN tz,
         generate_series(0, (now() AT TIME ZONE tz.zone)::date - b.first_day) AS i
)
SELECT g.day AS calendar_date, g.status, g.observed,
       sum(COALESCE(p.delta, 0)) OVER (PARTITION BY g.status, g.observed ORDER BY g.day)::bigint AS releases
FROM grid g
LEFT JOIN per_day p ON p.status IS NOT DISTINCT FROM g.status AND p.observed = g.observed AND p.day = g.day;

CREATE VIEW reporting.defect_status_daily AS
WITH tz AS (
    SELECT COALESCE((SELECT time_zone FROM plutora_sync.reporting_settings), 'UTC') AS zone
), ends AS (
    SELECT h.status, h.observed, (h.valid_from AT TIME ZONE tz.zone)::date AS began,
           (h.valid_to AT TIME ZONE tz.zone)::date AS ended,
           GROUPING((h.valid_from AT TIME ZONE tz.zone)::date) = 0 AS is_begin, count(*) AS n
    FROM reporting.defect_status_history h CROSS JOIN tz
    GROUP BY GROUPING SETS ((h.status, h.observed, (h.valid_from AT TIME ZONE tz.zone)::date),
                            (h.status, h.observed, (h.valid_to AT TIME ZONE tz.zone)::date))
), per_day AS (
    SELECT status, observed, CASE WHEN is_begin THEN began ELSE ended END AS day,
           sum(CASE WHEN is_begin THEN n ELSE -n END) AS delta
    FROM ends WHERE is_begin OR ended IS NOT NULL
    GROUP BY 1, 2, 3
), grid AS (
    SELECT s.status, s.observed, b.first_day + i AS day
    FROM (SELECT DISTINCT status, observed FROM per_day) s,
         (SELECT min(day) AS first_day FROM per_day) b CROSS JOIN tz,
         generate_series(0, (now() AT TIME ZONE tz.zone)::date - b.first_day) AS i
)
SELECT g.day AS calendar_date, g.status, g.observed,
       sum(COALESCE(p.delta, 0)) OVER (PARTITION BY g.status, g.observed ORDER BY g.day)::bigint AS defects
FROM grid g
LEFT JOIN per_day p ON p.status IS NOT DISTINCT FROM g.status AND p.observed = g.observed AND p.day = g.day;

COMMENT ON VIEW reporting.change_status_history IS
    'Status periods of live changes (valid_to NULL: still holds); the time before the first version read is a period of its own, observed false. Status at time X: valid_from <= X AND (valid_to > X OR valid_to IS NULL).';
COMMENT ON VIEW reporting.defect_status_history IS
    'Status periods of live defects (valid_to NULL: still holds); the time before the first version read is a period of its own, observed false.';
COMMENT ON VIEW reporting.release_status_history IS
    'Status periods of live releases (valid_to NULL: still holds); each begins at a version read, so all are observed.';
COMMENT ON VIEW reporting.change_time_in_status IS
    'Time each live change spent in each status, periods summed (an open one up to now); the time not observed apart (observed false).';
COMMENT ON VIEW reporting.release_time_in_status IS 'Time each live release spent in each status.';
COMMENT ON VIEW reporting.defect_time_in_status IS
    'Time each live defect spent in each status; the time not observed apart (observed false).';
COMMENT ON VIEW reporting.change_status_daily IS
    'Live changes per status at the end of each day of the reporting time zone (UTC unless set), from the first period to today; status NULL, observed false: changes raised but not yet read.';
COMMENT ON VIEW reporting.release_status_daily IS
    'Live releases per status at the end of each day of the reporting time zone (UTC unless set).';
COMMENT ON VIEW reporting.defect_status_daily IS
    'Live defects per status at the end of each day of the reporting time zone (UTC unless set); status NULL, observed false: defects created but not yet read.';

-- +goose StatementBegin
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT c.relname AS rel, a.attname AS col,
            COALESCE((SELECT n.comment FROM new_comments n WHERE c.relname LIKE n.rel AND n.col = a.attname
                      ORDER BY length(n.rel) DESC LIMIT 1),
                     (SELECT k.comment FROM kept_comments k WHERE k.rel = c.relname AND k.col = a.attname)) AS comment
        FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE c.relnamespace = 'reporting'::regnamespace AND c.relkind = 'v'
          AND col_description(c.oid, a.attnum) IS NULL
    LOOP
        CONTINUE WHEN r.comment IS NULL; -- TestEveryRelationAndColumnHasAComment names it
        EXECUTE format('COMMENT ON COLUMN reporting.%I.%I IS %L', r.rel, r.col, r.comment);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- The views as 00100 left them, with their comments.
DROP VIEW reporting.change_status_daily, reporting.release_status_daily, reporting.defect_status_daily,
    reporting.change_time_in_status, reporting.release_time_in_status, reporting.defect_time_in_status,
    reporting.change_status_history, reporting.release_status_history, reporting.defect_status_history;
DROP TABLE plutora_sync.reporting_settings;

CREATE VIEW reporting.change_status_history AS
 SELECT p.id AS change_id, p.status, p.status_id, p.valid_from, p.valid_to,
    COALESCE(p.valid_to, now()) - p.valid_from AS time_in_status,
    round(EXTRACT(epoch FROM COALESCE(p.valid_to, now()) - p.valid_from) / 3600::numeric, 4) AS time_in_status_hours
   FROM plutora.changes_status_periods p
     JOIN plutora.changes c ON c.id = p.id AND c._deleted_at IS NULL;
COMMENT ON VIEW reporting.change_status_history IS 'Status periods of live changes (valid_to NULL: still holds). Status at time X: valid_from <= X AND (valid_to > X OR valid_to IS NULL).';
COMMENT ON COLUMN reporting.change_status_history.change_id IS 'The change''s uuid (API id); joins reporting.changes.change_id.';
COMMENT ON COLUMN reporting.change_status_history.status IS 'Status name (API changeStatus).';
COMMENT ON COLUMN reporting.change_status_history.status_id IS 'Status lookup id (API changeStatusId; the all-zero GUID is NULL).';
COMMENT ON COLUMN reporting.change_status_history.valid_from IS 'When this version or period began.';
COMMENT ON COLUMN reporting.change_status_history.valid_to IS 'When this version or period ended (NULL: it still holds).';
COMMENT ON COLUMN reporting.change_status_history.time_in_status IS 'How long the status held (an open period: until now).';
COMMENT ON COLUMN reporting.change_status_history.time_in_status_hours IS 'time_in_status in hours (numeric, to 4 decimals), for tools that cannot sum an interval.';

CREATE VIEW reporting.release_status_history AS
 SELECT p.id AS release_id, p.status, p.status_id, p.valid_from, p.valid_to,
    COALESCE(p.valid_to, now()) - p.valid_from AS time_in_status,
    round(EXTRACT(epoch FROM COALESCE(p.valid_to, now()) - p.valid_from) / 3600::numeric, 4) AS time_in_status_hours
   FROM plutora.releases_status_periods p
     JOIN plutora.releases r ON r.id = p.id AND r._deleted_at IS NULL;
COMMENT ON VIEW reporting.release_status_history IS 'Status periods of live releases (valid_to NULL: still holds).';
COMMENT ON COLUMN reporting.release_status_history.release_id IS 'The release''s uuid (API id / releaseId); joins reporting.releases.release_id.';
COMMENT ON COLUMN reporting.release_status_history.status IS 'Release status name (API releaseStatusType).';
COMMENT ON COLUMN reporting.release_status_history.status_id IS 'Release status lookup id (API releaseStatusTypeId).';
COMMENT ON COLUMN reporting.release_status_history.valid_from IS 'When this version or period began.';
COMMENT ON COLUMN reporting.release_status_history.valid_to IS 'When this version or period ended (NULL: it still holds).';
COMMENT ON COLUMN reporting.release_status_history.time_in_status IS 'How long the status held (an open period: until now).';
COMMENT ON COLUMN reporting.release_status_history.time_in_status_hours IS 'time_in_status in hours (numeric, to 4 decimals), for tools that cannot sum an interval.';

CREATE VIEW reporting.defect_status_history AS
 SELECT p.id AS defect_id, p.status, p.status_id, p.valid_from, p.valid_to,
    COALESCE(p.valid_to, now()) - p.valid_from AS time_in_status,
    round(EXTRACT(epoch FROM COALESCE(p.valid_to, now()) - p.valid_from) / 3600::numeric, 4) AS time_in_status_hours
   FROM plutora.defects_status_periods p
     JOIN plutora.defects d ON d.id = p.id AND d._deleted_at IS NULL;
COMMENT ON VIEW reporting.defect_status_history IS 'Status periods of live defects (valid_to NULL: still holds).';
COMMENT ON COLUMN reporting.defect_status_history.defect_id IS 'The defect''s uuid (API Id); joins reporting.defects.defect_id.';
COMMENT ON COLUMN reporting.defect_status_history.status IS 'Status (API status; defects: Status.Value).';
COMMENT ON COLUMN reporting.defect_status_history.status_id IS 'Status lookup id (API Status.Id).';
COMMENT ON COLUMN reporting.defect_status_history.valid_from IS 'When this version or period began.';
COMMENT ON COLUMN reporting.defect_status_history.valid_to IS 'When this version or period ended (NULL: it still holds).';
COMMENT ON COLUMN reporting.defect_status_history.time_in_status IS 'How long the status held (an open period: until now).';
COMMENT ON COLUMN reporting.defect_status_history.time_in_status_hours IS 'time_in_status in hours (numeric, to 4 decimals), for tools that cannot sum an interval.';

CREATE VIEW reporting.change_time_in_status AS
 SELECT change_status_history.change_id, change_status_history.status, count(*) AS periods,
    sum(change_status_history.time_in_status) AS time_in_status,
    round(EXTRACT(epoch FROM sum(change_status_history.time_in_status)) / 3600::numeric, 4) AS time_in_status_hours
   FROM reporting.change_status_history
  GROUP BY change_status_history.change_id, change_status_history.status;
COMMENT ON VIEW reporting.change_time_in_status IS 'Time each live change spent in each status, periods summed (an open one up to now).';
COMMENT ON COLUMN reporting.change_time_in_status.change_id IS 'The change''s uuid (API id); joins reporting.changes.change_id.';
COMMENT ON COLUMN reporting.change_time_in_status.status IS 'Status name (API changeStatus).';
COMMENT ON COLUMN reporting.change_time_in_status.periods IS 'How many periods the record spent in the status.';
COMMENT ON COLUMN reporting.change_time_in_status.time_in_status IS 'How long the status held (an open period: until now).';
COMMENT ON COLUMN reporting.change_time_in_status.time_in_status_hours IS 'time_in_status in hours (numeric, to 4 decimals), for tools that cannot sum an interval.';

CREATE VIEW reporting.release_time_in_status AS
 SELECT release_status_history.release_id, release_status_history.status, count(*) AS periods,
    sum(release_status_history.time_in_status) AS time_in_status,
    round(EXTRACT(epoch FROM sum(release_status_history.time_in_status)) / 3600::numeric, 4) AS time_in_status_hours
   FROM reporting.release_status_history
  GROUP BY release_status_history.release_id, release_status_history.status;
COMMENT ON VIEW reporting.release_time_in_status IS 'Time each live release spent in each status.';
COMMENT ON COLUMN reporting.release_time_in_status.release_id IS 'The release''s uuid (API id / releaseId); joins reporting.releases.release_id.';
COMMENT ON COLUMN reporting.release_time_in_status.status IS 'Release status name (API releaseStatusType).';
COMMENT ON COLUMN reporting.release_time_in_status.periods IS 'How many periods the record spent in the status.';
COMMENT ON COLUMN reporting.release_time_in_status.time_in_status IS 'How long the status held (an open period: until now).';
COMMENT ON COLUMN reporting.release_time_in_status.time_in_status_hours IS 'time_in_status in hours (numeric, to 4 decimals), for tools that cannot sum an interval.';

CREATE VIEW reporting.defect_time_in_status AS
 SELECT defect_status_history.defect_id, defect_status_history.status, count(*) AS periods,
    sum(defect_status_history.time_in_status) AS time_in_status,
    round(EXTRACT(epoch FROM sum(defect_status_history.time_in_status)) / 3600::numeric, 4) AS time_in_status_hours
   FROM reporting.defect_status_history
  GROUP BY defect_status_history.defect_id, defect_status_history.status;
COMMENT ON VIEW reporting.defect_time_in_status IS 'Time each live defect spent in each status.';
COMMENT ON COLUMN reporting.defect_time_in_status.defect_id IS 'The defect''s uuid (API Id); joins reporting.defects.defect_id.';
COMMENT ON COLUMN reporting.defect_time_in_status.status IS 'Status (API status; defects: Status.Value).';
COMMENT ON COLUMN reporting.defect_time_in_status.periods IS 'How many periods the record spent in the status.';
COMMENT ON COLUMN reporting.defect_time_in_status.time_in_status IS 'How long the status held (an open period: until now).';
COMMENT ON COLUMN reporting.defect_time_in_status.time_in_status_hours IS 'time_in_status in hours (numeric, to 4 decimals), for tools that cannot sum an interval.';

CREATE VIEW reporting.change_status_daily AS
 WITH ev AS (
         SELECT change_status_history.status, change_status_history.valid_from::date AS day,
            1 AS delta
           FROM reporting.change_status_history
        UNION ALL
         SELECT change_status_history.status, change_status_history.valid_to::date AS valid_to,
            '-1'::integer
           FROM reporting.change_status_history
          WHERE change_status_history.valid_to IS NOT NULL
        ), per_day AS (
         SELECT ev.status, ev.day, sum(ev.delta) AS delta
           FROM ev
          GROUP BY ev.status, ev.day
        ), grid AS (
         SELECT s.status, d.d::date AS day
           FROM ( SELECT DISTINCT per_day.status
                   FROM per_day) s,
            generate_series((( SELECT min(per_day.day) AS min
                   FROM per_day))::timestamp with time zone, CURRENT_DATE::timestamp with time zone, '1 day'::interval) d(d)
        )
 SELECT g.day AS calendar_date, g.status,
    sum(COALESCE(p.delta, 0::bigint)) OVER (PARTITION BY g.status ORDER BY g.day)::bigint AS changes
   FROM grid g
     LEFT JOIN per_day p ON NOT p.status IS DISTINCT FROM g.status AND p.day = g.day;
COMMENT ON VIEW reporting.change_status_daily IS 'Live changes per status at the end of each day (session time zone), from the first period to today.';
COMMENT ON COLUMN reporting.change_status_daily.calendar_date IS 'The day (session time zone); counts are at its end. Joins reporting.calendar.calendar_date.';
COMMENT ON COLUMN reporting.change_status_daily.status IS 'Status name (API changeStatus).';
COMMENT ON COLUMN reporting.change_status_daily.changes IS 'Live changes in the status at the end of the day.';

CREATE VIEW reporting.release_status_daily AS
 WITH ev AS (
         SELECT release_status_history.status, release_status_history.valid_from::date AS day,
            1 AS delta
           FROM reporting.release_status_history
        UNION ALL
         SELECT release_status_history.status, release_status_history.valid_to::date AS valid_to,
            '-1'::integer
           FROM reporting.release_status_history
          WHERE release_status_history.valid_to IS NOT NULL
        ), per_day AS (
         SELECT ev.status, ev.day, sum(ev.delta) AS delta
           FROM ev
          GROUP BY ev.status, ev.day
        ), grid AS (
         SELECT s.status, d.d::date AS day
           FROM ( SELECT DISTINCT per_day.status
                   FROM per_day) s,
            generate_series((( SELECT min(per_day.day) AS min
                   FROM per_day))::timestamp with time zone, CURRENT_DATE::timestamp with time zone, '1 day'::interval) d(d)
        )
 SELECT g.day AS calendar_date, g.status,
    sum(COALESCE(p.delta, 0::bigint)) OVER (PARTITION BY g.status ORDER BY g.day)::bigint AS releases
   FROM grid g
     LEFT JOIN per_day p ON NOT p.status IS DISTINCT FROM g.status AND p.day = g.day;
COMMENT ON VIEW reporting.release_status_daily IS 'Live releases per status at the end of each day.';
COMMENT ON COLUMN reporting.release_status_daily.calendar_date IS 'The day (session time zone); counts are at its end. Joins reporting.calendar.calendar_date.';
COMMENT ON COLUMN reporting.release_status_daily.status IS 'Release status name (API releaseStatusType).';
COMMENT ON COLUMN reporting.release_status_daily.releases IS 'Live releases in the status at the end of the day.';

CREATE VIEW reporting.defect_status_daily AS
 WITH ev AS (
         SELECT defect_status_history.status, defect_status_history.valid_from::date AS day,
            1 AS delta
           FROM reporting.defect_status_history
        UNION ALL
         SELECT defect_status_history.status, defect_status_history.valid_to::date AS valid_to,
            '-1'::integer
           FROM reporting.defect_status_history
          WHERE defect_status_history.valid_to IS NOT NULL
        ), per_day AS (
         SELECT ev.status, ev.day, sum(ev.delta) AS delta
           FROM ev
          GROUP BY ev.status, ev.day
        ), grid AS (
         SELECT s.status, d.d::date AS day
           FROM ( SELECT DISTINCT per_day.status
                   FROM per_day) s,
            generate_series((( SELECT min(per_day.day) AS min
                   FROM per_day))::timestamp with time zone, CURRENT_DATE::timestamp with time zone, '1 day'::interval) d(d)
        )
 SELECT g.day AS calendar_date, g.status,
    sum(COALESCE(p.delta, 0::bigint)) OVER (PARTITION BY g.status ORDER BY g.day)::bigint AS defects
   FROM grid g
     LEFT JOIN per_day p ON NOT p.status IS DISTINCT FROM g.status AND p.day = g.day;
COMMENT ON VIEW reporting.defect_status_daily IS 'Live defects per status at the end of each day.';
COMMENT ON COLUMN reporting.defect_status_daily.calendar_date IS 'The day (session time zone); counts are at its end. Joins reporting.calendar.calendar_date.';
COMMENT ON COLUMN reporting.defect_status_daily.status IS 'Status (API status; defects: Status.Value).';
COMMENT ON COLUMN reporting.defect_status_daily.defects IS 'Live defects in the status at the end of the day.';

