-- The database's limit for one day's daily_aggregation: the best single
-- statement written by hand for the same rows (psql variable: day, as
-- YYYY-MM-DD). Used by bench.sh and jobs_bench.sh.
CREATE TEMP TABLE hand_day AS
SELECT user_id, CAST(:'day' AS DATE) AS date,
  COUNT(*) FILTER (WHERE created_at >= d0) AS tasks_created,
  COUNT(*) FILTER (WHERE status = 'done' AND completed_at >= d0 AND completed_at < d1) AS tasks_completed,
  COUNT(*) AS total_tasks,
  COUNT(*) FILTER (WHERE status = 'done' AND completed_at < d1) AS completed_tasks
FROM tasks, (SELECT CAST(:'day' || ' 00:00+00' AS TIMESTAMPTZ) AS d0,
                    CAST(:'day' || ' 00:00+00' AS TIMESTAMPTZ) + interval '1 day' AS d1) b
WHERE deleted = FALSE AND status <> 'cancelled' AND created_at < d1
  AND user_id IN (SELECT user_id FROM tasks WHERE deleted = FALSE AND status <> 'cancelled'
                  AND ((created_at >= d0 AND created_at < d1) OR (status = 'done' AND completed_at >= d0 AND completed_at < d1)))
GROUP BY user_id;
