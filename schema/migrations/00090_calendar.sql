-- A calendar for BI tools (issue 29, point 5): one row a day, to join daily
-- counts to (so that a day without changes still shows, with 0) and to group
-- by week, month or quarter the same way in every tool. A view over
-- generate_series: no table to keep filled, from 2000 to five years ahead.

-- +goose Up
CREATE VIEW reporting.calendar AS
SELECT d::date AS calendar_date,
       extract(isoyear FROM d)::int AS iso_year,
       extract(week FROM d)::int AS iso_week,
       date_trunc('week', d)::date AS week_start_date,
       extract(year FROM d)::int AS year,
       extract(quarter FROM d)::int AS quarter,
       extract(month FROM d)::int AS month,
       to_char(d, 'FMMonth') AS month_name,
       date_trunc('month', d)::date AS month_start_date,
       extract(day FROM d)::int AS day_of_month,
       extract(isodow FROM d)::int AS iso_day_of_week,
       to_char(d, 'FMDay') AS day_name,
       extract(isodow FROM d) >= 6 AS is_weekend
FROM generate_series(date '2000-01-01',
                     (date_trunc('year', current_date) + interval '6 years' - interval '1 day')::date,
                     interval '1 day') AS d;
COMMENT ON VIEW reporting.calendar IS
    'One row a day from 2000-01-01 to the end of the fifth year ahead: join daily counts to it so that days without any show, and group by week, month or quarter alike in every tool. Dates, not times: no time zone.';
COMMENT ON COLUMN reporting.calendar.calendar_date IS 'The day.';
COMMENT ON COLUMN reporting.calendar.iso_year IS 'The ISO 8601 week-numbering year (the year its ISO week belongs to; differs from year around 1 January).';
COMMENT ON COLUMN reporting.calendar.iso_week IS 'The ISO 8601 week number, 1 to 53 (weeks start on Monday).';
COMMENT ON COLUMN reporting.calendar.week_start_date IS 'The Monday of the day''s week.';
COMMENT ON COLUMN reporting.calendar.year IS 'The calendar year.';
COMMENT ON COLUMN reporting.calendar.quarter IS 'The quarter of the calendar year, 1 to 4.';
COMMENT ON COLUMN reporting.calendar.month IS 'The month, 1 to 12.';
COMMENT ON COLUMN reporting.calendar.month_name IS 'The month''s English name (January).';
COMMENT ON COLUMN reporting.calendar.month_start_date IS 'The first day of the day''s month.';
COMMENT ON COLUMN reporting.calendar.day_of_month IS 'The day of the month, 1 to 31.';
COMMENT ON COLUMN reporting.calendar.iso_day_of_week IS 'The ISO 8601 day of the week: 1 Monday to 7 Sunday.';
COMMENT ON COLUMN reporting.calendar.day_name IS 'The day''s English name (Monday).';
COMMENT ON COLUMN reporting.calendar.is_weekend IS 'Saturday or Sunday.';

-- +goose Down
DROP VIEW reporting.calendar;
