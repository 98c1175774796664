// SPEC §2's schema for PostgreSQL, as versioned migrations mirroring
// sqlite_migrations.cc: the same tables, columns and names, with PostgreSQL
// types (TIMESTAMPTZ, DATE, BOOLEAN, DOUBLE PRECISION, identity ids). Every
// user-owned table is keyed by user_id first, so the schema can be
// distributed by user_id (Citus, SPEC §10). The four stats are real
// materialized views, each with a unique index so that the runbook's
// REFRESH MATERIALIZED VIEW CONCURRENTLY works.
//
// Two processes migrating at once: each migration first takes a
// transaction-scoped advisory lock, so the second waits for the first to
// commit; its IF NOT EXISTS statements are then no-ops and its insert into
// schema_migrations conflicts, which Migrate (migrate.cc) reads as "already
// applied".
#include <vector>

#include "storage/database.h"
#include "storage/postgres/postgres_database.h"

namespace analytics::storage {

const std::vector<Migration>& PostgresMigrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "core schema", R"sql(
SELECT pg_advisory_xact_lock(7340240001);

CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY,
  created_at TIMESTAMPTZ NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  token_rotated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS tasks (
  id BIGINT GENERATED ALWAYS AS IDENTITY,
  user_id TEXT NOT NULL REFERENCES users(id),
  title TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('todo', 'in_progress', 'done', 'cancelled')),
  priority TEXT NOT NULL CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
  due_at TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  completed_at TIMESTAMPTZ,
  deleted BOOLEAN NOT NULL DEFAULT FALSE,
  deleted_at TIMESTAMPTZ,
  PRIMARY KEY (user_id, id)
);
-- The primary key (user_id, id) is SQLite's idx_tasks_user_id. Then the
-- runbook's partial index, and one led by user_id that serves its EXPLAIN of
-- "user_id = … AND status = 'done'" (no deleted filter, so the partial index cannot).
CREATE INDEX IF NOT EXISTS idx_tasks_user_status ON tasks(user_id, status) WHERE deleted = FALSE;
CREATE INDEX IF NOT EXISTS idx_tasks_user_status_all ON tasks(user_id, status, id);
CREATE INDEX IF NOT EXISTS idx_tasks_user_created ON tasks(user_id, created_at);
CREATE INDEX IF NOT EXISTS idx_tasks_user_completed ON tasks(user_id, completed_at)
  WHERE completed_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_tasks_open_due ON tasks(user_id, due_at)
  WHERE deleted = FALSE AND status IN ('todo', 'in_progress') AND due_at IS NOT NULL;

-- Running per-user aggregates over non-deleted tasks, updated in the same
-- transaction as every task write (overview without scanning tasks).
CREATE TABLE IF NOT EXISTS user_aggregates (
  user_id TEXT PRIMARY KEY REFERENCES users(id),
  todo BIGINT NOT NULL DEFAULT 0,
  in_progress BIGINT NOT NULL DEFAULT 0,
  done BIGINT NOT NULL DEFAULT 0,
  cancelled BIGINT NOT NULL DEFAULT 0,
  low BIGINT NOT NULL DEFAULT 0,
  medium BIGINT NOT NULL DEFAULT 0,
  high BIGINT NOT NULL DEFAULT 0,
  urgent BIGINT NOT NULL DEFAULT 0,
  weight_total BIGINT NOT NULL DEFAULT 0,
  weight_done_x2 BIGINT NOT NULL DEFAULT 0,
  version BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS daily_analytics (
  user_id TEXT NOT NULL,
  date DATE NOT NULL,
  tasks_created BIGINT NOT NULL,
  tasks_completed BIGINT NOT NULL,
  total_tasks BIGINT NOT NULL,
  completed_tasks BIGINT NOT NULL,
  completion_rate DOUBLE PRECISION NOT NULL,
  productivity_score DOUBLE PRECISION NOT NULL,
  computed_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (user_id, date)
);
CREATE INDEX IF NOT EXISTS idx_daily_analytics_date ON daily_analytics(date);

CREATE TABLE IF NOT EXISTS daily_analytics_archive (
  user_id TEXT NOT NULL,
  date DATE NOT NULL,
  tasks_created BIGINT NOT NULL,
  tasks_completed BIGINT NOT NULL,
  total_tasks BIGINT NOT NULL,
  completed_tasks BIGINT NOT NULL,
  completion_rate DOUBLE PRECISION NOT NULL,
  productivity_score DOUBLE PRECISION NOT NULL,
  computed_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (user_id, date)
);

CREATE TABLE IF NOT EXISTS audit_log (
  id BIGINT GENERATED ALWAYS AS IDENTITY,
  timestamp TIMESTAMPTZ NOT NULL,
  actor TEXT NOT NULL,
  user_id TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('CREATE', 'UPDATE', 'DELETE', 'RESTORE')),
  entity TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  "before" TEXT,
  "after" TEXT,
  request_id TEXT,
  PRIMARY KEY (user_id, id)
);
CREATE INDEX IF NOT EXISTS idx_audit_log_timestamp ON audit_log(timestamp);
CREATE INDEX IF NOT EXISTS idx_audit_log_user ON audit_log(user_id, timestamp);

CREATE TABLE IF NOT EXISTS job_runs (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job TEXT NOT NULL,
  args TEXT NOT NULL DEFAULT '',
  started_at TIMESTAMPTZ NOT NULL,
  finished_at TIMESTAMPTZ,
  status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  rows BIGINT NOT NULL DEFAULT 0,
  error TEXT,
  host TEXT NOT NULL,
  pid BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS idx_job_runs_job ON job_runs(job, started_at);

-- SPEC §3 over each user's non-deleted tasks: rates are percentages rounded
-- to 2 decimals, 0 when the denominator is 0; cancelled tasks count in the
-- totals but not in the rates.
CREATE MATERIALIZED VIEW IF NOT EXISTS user_task_stats AS
SELECT user_id,
       COUNT(*) AS total_tasks,
       COUNT(*) FILTER (WHERE status = 'todo') AS todo,
       COUNT(*) FILTER (WHERE status = 'in_progress') AS in_progress,
       COUNT(*) FILTER (WHERE status = 'done') AS done,
       COUNT(*) FILTER (WHERE status = 'cancelled') AS cancelled,
       CAST(CASE WHEN COUNT(*) FILTER (WHERE status <> 'cancelled') = 0 THEN 0
                 ELSE ROUND(100.0 * COUNT(*) FILTER (WHERE status = 'done')
                            / COUNT(*) FILTER (WHERE status <> 'cancelled'), 2)
            END AS DOUBLE PRECISION) AS completion_rate,
       CAST(CASE WHEN COALESCE(SUM(w) FILTER (WHERE status <> 'cancelled'), 0) = 0 THEN 0
                 ELSE ROUND(100.0 * COALESCE(SUM(w * f) FILTER (WHERE status = 'done'), 0)
                            / SUM(w) FILTER (WHERE status <> 'cancelled'), 2)
            END AS DOUBLE PRECISION) AS productivity_score
FROM (SELECT user_id, status,
             CASE priority WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 ELSE 4 END
               AS w,
             CASE WHEN due_at IS NULL OR completed_at <= due_at THEN 1.0 ELSE 0.5 END AS f
      FROM tasks WHERE deleted = FALSE) t
GROUP BY user_id;
CREATE UNIQUE INDEX IF NOT EXISTS idx_user_task_stats_user ON user_task_stats(user_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS user_priority_distribution AS
SELECT user_id, priority, COUNT(*) AS task_count
FROM tasks WHERE deleted = FALSE
GROUP BY user_id, priority;
CREATE UNIQUE INDEX IF NOT EXISTS idx_user_priority_distribution_key
  ON user_priority_distribution(user_id, priority);

CREATE MATERIALIZED VIEW IF NOT EXISTS user_status_distribution AS
SELECT user_id, status, COUNT(*) AS task_count
FROM tasks WHERE deleted = FALSE
GROUP BY user_id, status;
CREATE UNIQUE INDEX IF NOT EXISTS idx_user_status_distribution_key
  ON user_status_distribution(user_id, status);

-- Per UTC month ('YYYY-MM'): tasks created in it and tasks completed in it,
-- over the daily_analytics population (non-deleted, not cancelled).
CREATE MATERIALIZED VIEW IF NOT EXISTS user_monthly_trends AS
SELECT user_id, month,
       SUM(created) AS tasks_created,
       SUM(completed) AS tasks_completed
FROM (SELECT user_id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month,
             1 AS created, 0 AS completed
      FROM tasks WHERE deleted = FALSE AND status <> 'cancelled'
      UNION ALL
      SELECT user_id, to_char(completed_at AT TIME ZONE 'UTC', 'YYYY-MM'), 0, 1
      FROM tasks WHERE deleted = FALSE AND status = 'done' AND completed_at IS NOT NULL) t
GROUP BY user_id, month;
CREATE UNIQUE INDEX IF NOT EXISTS idx_user_monthly_trends_key
  ON user_monthly_trends(user_id, month);
)sql"},
      {2, "jobs: claims, day indexes", R"sql(
SELECT pg_advisory_xact_lock(7340240001);

-- One row per scheduled occurrence a server instance claimed: with several
-- instances on one database each occurrence runs once (SPEC §6).
CREATE TABLE IF NOT EXISTS job_claims (
  job TEXT NOT NULL,
  scheduled_for TIMESTAMPTZ NOT NULL,
  claimed_by TEXT NOT NULL,
  PRIMARY KEY (job, scheduled_for)
);
-- daily_aggregation finds a day's active users by these.
CREATE INDEX IF NOT EXISTS idx_tasks_created_at ON tasks(created_at);
CREATE INDEX IF NOT EXISTS idx_tasks_completed_at ON tasks(completed_at)
  WHERE completed_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_tasks_updated_at ON tasks(updated_at);
)sql"},
      {3, "open_due_days", R"sql(
SELECT pg_advisory_xact_lock(7340240001);

-- A user's open tasks (not deleted, todo or in_progress) per UTC day of
-- due_at, kept exact by every task write in its transaction: overdue is the
-- days before today plus today's open tasks due before now.
CREATE TABLE IF NOT EXISTS open_due_days (
  user_id TEXT NOT NULL,
  due_day DATE NOT NULL,
  n BIGINT NOT NULL,
  PRIMARY KEY (user_id, due_day)
);
-- The backfill counts what is committed; task writes wait until this
-- migration commits (their first change to the new table would otherwise
-- race it).
LOCK TABLE tasks IN SHARE MODE;
INSERT INTO open_due_days (user_id, due_day, n)
  SELECT user_id, CAST(due_at AT TIME ZONE 'UTC' AS DATE), COUNT(*) FROM tasks
  WHERE deleted = FALSE AND status IN ('todo', 'in_progress') AND due_at IS NOT NULL
  GROUP BY 1, 2
  ON CONFLICT (user_id, due_day) DO UPDATE SET n = excluded.n;
)sql"},
      {4, "token_revocations", R"sql(
-- One row counting token rotations: processes that cache tokens in memory
-- without Redis (cache.url memory) follow it to see a rotation made by another
-- process, such as `analytics users rotate-token`.
CREATE TABLE IF NOT EXISTS token_revocations (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  n BIGINT NOT NULL
);
INSERT INTO token_revocations (id, n) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
)sql"},
      {5, "overdue_before", R"sql(
SELECT pg_advisory_xact_lock(7340240001);

-- overdue_before counts the user's open tasks due before overdue_day (UTC),
-- kept exact by every task write, so that overdue sums only the buckets
-- between overdue_day and today instead of every bucket before today.
ALTER TABLE user_aggregates ADD COLUMN IF NOT EXISTS overdue_day DATE NOT NULL
  DEFAULT DATE '1970-01-01';
ALTER TABLE user_aggregates ADD COLUMN IF NOT EXISTS overdue_before BIGINT NOT NULL DEFAULT 0;
-- Task writes wait until this commits, as for the backfill of migration 3.
LOCK TABLE open_due_days IN SHARE MODE;
UPDATE user_aggregates a SET overdue_day = CAST(now() AT TIME ZONE 'UTC' AS DATE),
  overdue_before = COALESCE((SELECT SUM(n) FROM open_due_days d WHERE d.user_id = a.user_id
    AND d.due_day < CAST(now() AT TIME ZONE 'UTC' AS DATE)), 0);
)sql"},
      {6, "token_revocation_log", R"sql(
-- One row per token rotation, numbered with token_revocations.n as the
-- rotation left it. The counter row's lock orders rotations, so rows commit
-- in seq order and a reader that has seen seq N has seen every row before it.
-- Every process follows it to drop just that user's cached tokens, whatever
-- cache it uses and whether or not Redis is reachable.
CREATE TABLE IF NOT EXISTS token_revocation_log (
  seq BIGINT PRIMARY KEY,
  user_id TEXT NOT NULL,
  revoked_at TIMESTAMPTZ NOT NULL
);
)sql"},
      {7, "pending_invalidations", R"sql(
-- Users whose cached stats a committed write could not invalidate because
-- the shared cache was unreachable: any instance that reaches it again
-- invalidates them and deletes the row, so a crash loses none.
CREATE TABLE IF NOT EXISTS pending_invalidations (
  user_id TEXT PRIMARY KEY,
  queued_at TIMESTAMPTZ NOT NULL
);
)sql"},
  };
  return kMigrations;
}

}  // namespace analytics::storage
