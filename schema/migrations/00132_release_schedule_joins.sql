-- reporting.release_schedule, joined to a release, reads that release's rows
-- only (issue 25, docs/performance.md "The warehouse guide's queries").
--
-- 00121 wrote it as a UNION ALL of reporting.release_phases and
-- reporting.release_gates, each a join to plutora.releases. PostgreSQL
-- flattens a UNION ALL into one relation only when each of its members
-- reads one table: these did not, so a query joining the view to
-- reporting.releases could not take the release's id into the members, and
-- computed every phase's and gate's forecast (a subquery each, 56,000 at
-- -scale 20) to keep 7 rows (383 ms; a single-table member: 2 ms). The
-- members now read the child tables alone, and the live-release join is
-- made once, outside: the same rows and columns.

-- +goose Up
CREATE OR REPLACE VIEW reporting.release_schedule AS
SELECT s.release_id, s.item_type, s.item_id, s.item_name, s.start_date, s.planned_end_date, s.forecast_end_date, s.item_status
FROM (SELECT p.release_id, 'phase' AS item_type, p.phase_id AS item_id, p.name AS item_name, p.start_date,
             p.end_date AS planned_end_date,
             (SELECT max(a.forecast_date) FROM plutora.release_activities a
              WHERE a.release_id = p.release_id AND a.phase_id = p.phase_id) AS forecast_end_date,
             p.status AS item_status
      FROM plutora.release_phases p
      UNION ALL
      SELECT g.release_id, 'gate', g.gate_id, g.name, g.start_date, g.end_date,
             (SELECT max(c.forecast_date) FROM plutora.release_criteria c
              WHERE c.release_id = g.release_id AND c.gate_id = g.gate_id),
             g.status
      FROM plutora.release_gates g) s
JOIN plutora.releases r ON r.id = s.release_id AND r._deleted_at IS NULL;

-- +goose Down
CREATE OR REPLACE VIEW reporting.release_schedule AS
SELECT p.release_id, 'phase' AS item_type, p.phase_id AS item_id, p.phase_name AS item_name, p.start_date, p.end_date AS planned_end_date,
       (SELECT max(a.forecast_date) FROM plutora.release_activities a WHERE a.release_id = p.release_id AND a.phase_id = p.phase_id) AS forecast_end_date,
       p.phase_status AS item_status
FROM reporting.release_phases p
UNION ALL
SELECT g.release_id, 'gate', g.gate_id, g.gate_name, g.start_date, g.end_date,
       (SELECT max(c.forecast_date) FROM plutora.release_criteria c WHERE c.release_id = g.release_id AND c.gate_id = g.gate_id),
       g.gate_status
FROM reporting.release_gates g;
