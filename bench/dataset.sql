-- The benchmark dataset, generated inside PostgreSQL (psql variables):
--   users       number of users u1..uN; user uK's token is 'bt_K'
--   tasks       tasks spread over the users with a Zipf(1)-like skew
--   big_tasks   tasks of the one extra user 'big' (token 'bt_big')
-- Tasks span three years. The skew: user K = floor((users+1)^r) for r uniform
-- in [0,1), so P(K) ~ 1/K, the same draw the wrk scripts use for reads.
-- The running aggregates (user_aggregates, open_due_days) are computed once
-- at the end with a GROUP BY each, as the service's own writes would have
-- left them.
\set ON_ERROR_STOP on
SET synchronous_commit = off;

INSERT INTO users (id, created_at, token_hash, token_rotated_at)
  SELECT 'u' || g, now() - interval '3 years',
         encode(sha256(convert_to('bt_' || g, 'UTF8')), 'hex'), now()
  FROM generate_series(1, :users) g
  UNION ALL
  SELECT 'big', now() - interval '3 years', encode(sha256(convert_to('bt_big', 'UTF8')), 'hex'), now();

CREATE TEMP TABLE bench_tasks AS
  SELECT CASE WHEN g <= :tasks
              THEN 'u' || LEAST(:users, GREATEST(1, floor(exp(random() * ln(:users + 1)))::int))
              ELSE 'big' END AS user_id,
         'task ' || g AS title, s.status,
         (ARRAY['low','medium','high','urgent'])[1 + floor(random() * 4)::int] AS priority,
         CASE WHEN random() < 0.8 THEN c + interval '1 hour' * floor(random() * 24 * 30) END AS due_at,
         c AS created_at,
         CASE WHEN s.status = 'done'
              THEN LEAST(now(), c + interval '1 minute' * floor(random() * 60 * 24 * 40)) END AS completed_at,
         random() < 0.02 AS deleted
  FROM generate_series(1, :tasks + :big_tasks) g,
       LATERAL (SELECT now() - interval '1 second' * floor(random() * 3 * 365 * 86400) AS c
                WHERE g > 0) t,
       LATERAL (SELECT (ARRAY['todo','in_progress','done','done','done','cancelled'])
                       [1 + floor(random() * 6)::int] AS status WHERE g > 0) s;

INSERT INTO tasks (user_id, title, status, priority, due_at, created_at, updated_at,
                   completed_at, deleted, deleted_at)
  SELECT user_id, title, status, priority, due_at, created_at,
         COALESCE(completed_at, created_at), completed_at, deleted,
         CASE WHEN deleted THEN COALESCE(completed_at, created_at) END
  FROM bench_tasks ORDER BY user_id;
DROP TABLE bench_tasks;

INSERT INTO user_aggregates (user_id, todo, in_progress, done, cancelled, low, medium, high, urgent,
                             weight_total, weight_done_x2)
  SELECT u.id,
         COUNT(*) FILTER (WHERE t.status = 'todo'), COUNT(*) FILTER (WHERE t.status = 'in_progress'),
         COUNT(*) FILTER (WHERE t.status = 'done'), COUNT(*) FILTER (WHERE t.status = 'cancelled'),
         COUNT(*) FILTER (WHERE t.priority = 'low'), COUNT(*) FILTER (WHERE t.priority = 'medium'),
         COUNT(*) FILTER (WHERE t.priority = 'high'), COUNT(*) FILTER (WHERE t.priority = 'urgent'),
         COALESCE(SUM(w.w) FILTER (WHERE t.status <> 'cancelled'), 0),
         COALESCE(SUM(CASE WHEN t.due_at IS NULL OR t.completed_at <= t.due_at THEN 2 * w.w ELSE w.w END)
                  FILTER (WHERE t.status = 'done'), 0)
  FROM users u
  LEFT JOIN tasks t ON t.user_id = u.id AND t.deleted = FALSE
  LEFT JOIN LATERAL (SELECT CASE t.priority WHEN 'low' THEN 1 WHEN 'medium' THEN 2
                                            WHEN 'high' THEN 3 ELSE 4 END AS w) w ON TRUE
  GROUP BY u.id;
-- Open tasks per due day (the overview's overdue count reads these).
INSERT INTO open_due_days (user_id, due_day, n)
  SELECT user_id, CAST(due_at AT TIME ZONE 'UTC' AS DATE), COUNT(*) FROM tasks
  WHERE deleted = FALSE AND status IN ('todo', 'in_progress') AND due_at IS NOT NULL
  GROUP BY 1, 2
  ON CONFLICT (user_id, due_day) DO UPDATE SET n = excluded.n;
-- The open tasks due before today, as migration 5 leaves them.
UPDATE user_aggregates a SET overdue_day = CAST(now() AT TIME ZONE 'UTC' AS DATE),
  overdue_before = COALESCE((SELECT SUM(n) FROM open_due_days d WHERE d.user_id = a.user_id
    AND d.due_day < CAST(now() AT TIME ZONE 'UTC' AS DATE)), 0);
-- At rest, as a database that has been running a while: vacuumed (else
-- autovacuum works through the fresh 11M rows during the measurements) and
-- checkpointed (else the first checkpoint writes gigabytes meanwhile).
VACUUM (ANALYZE);
CHECKPOINT;
