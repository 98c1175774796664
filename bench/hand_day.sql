-- The database's limit for one day's daily_aggregation: the best single
-- statement written by hand for the same rows, every column included (psql
-- variable: day, as YYYY-MM-DD). Used by bench.sh, which also checks that it
-- gives the job's rows, and by jobs_bench.sh.
CREATE TEMP TABLE hand_day AS
SELECT user_id, CAST(:'day' AS DATE) AS date, tasks_created, tasks_completed, total_tasks,
  completed_tasks,
  CASE WHEN total_tasks = 0 THEN 0 ELSE ROUND(100.0 * completed_tasks / total_tasks, 2) END
    AS completion_rate,
  CASE WHEN weight = 0 THEN 0 ELSE ROUND(50.0 * weight_done_x2 / weight, 2) END
    AS productivity_score,
  now() AS computed_at
FROM (
  SELECT user_id,
    COUNT(*) FILTER (WHERE created_at >= d0) AS tasks_created,
    COUNT(*) FILTER (WHERE status = 'done' AND completed_at >= d0 AND completed_at < d1)
      AS tasks_completed,
    COUNT(*) AS total_tasks,
    COUNT(*) FILTER (WHERE status = 'done' AND completed_at < d1) AS completed_tasks,
    SUM(w) AS weight,
    COALESCE(SUM(CASE WHEN due_at IS NULL OR completed_at <= due_at THEN 2 * w ELSE w END)
             FILTER (WHERE status = 'done' AND completed_at < d1), 0) AS weight_done_x2
  FROM tasks,
       (SELECT CAST(:'day' || ' 00:00+00' AS TIMESTAMPTZ) AS d0,
               CAST(:'day' || ' 00:00+00' AS TIMESTAMPTZ) + interval '1 day' AS d1) b,
       LATERAL (SELECT CASE priority WHEN 'low' THEN 1 WHEN 'medium' THEN 2
                                     WHEN 'high' THEN 3 ELSE 4 END AS w) p
  WHERE deleted = FALSE AND status <> 'cancelled' AND created_at < d1
    AND user_id IN (SELECT user_id FROM tasks WHERE deleted = FALSE AND status <> 'cancelled'
                    AND ((created_at >= d0 AND created_at < d1)
                         OR (status = 'done' AND completed_at >= d0 AND completed_at < d1)))
  GROUP BY user_id) a;
