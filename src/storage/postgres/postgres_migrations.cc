// What PostgreSQL's schema (storage/migrations.cc) has of its own: its types
// (TIMESTAMPTZ, DATE, BOOLEAN, DOUBLE PRECISION, identity ids). Every
// user-owned table is keyed by user_id first, so the schema can be
// distributed by user_id (Citus, SPEC §10). The four stats are real
// materialized views, each with a unique index so that the runbook's
// REFRESH MATERIALIZED VIEW CONCURRENTLY works.
//
// Two processes migrating at once: each migration first takes a
// transaction-scoped advisory lock (migration 5 writes its own; the others
// get it from SchemaFlavor::lock in migrations.cc), so the second waits for the first to
// commit; its IF NOT EXISTS statements are then no-ops and its insert into
// schema_migrations conflicts, which Migrate (migrate.cc) reads as "already
// applied".
#include <string>
#include <vector>

#include "model/task.h"
#include "storage/migrations.h"
#include "storage/postgres/postgres_database.h"

namespace analytics::storage {
namespace {

// SPEC §3's four stats as materialized views.
const std::string& StatsViews() {
  static const std::string kViews = R"sql(
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
             )sql" + model::WeightSql() +
                                    R"sql( AS w,
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
)sql";
  return kViews;
}

}  // namespace

const std::vector<Migration>& PostgresMigrations() {
  static const std::vector<Migration> kMigrations = BuildMigrations(SchemaFlavor{
      .lock = "\nSELECT pg_advisory_xact_lock(7340240001);\n",
      .if_not_exists = "IF NOT EXISTS ",
      .time = "TIMESTAMPTZ",
      .day = "DATE",
      .integer = "BIGINT",
      .real = "DOUBLE PRECISION",
      .identity = "BIGINT GENERATED ALWAYS AS IDENTITY",
      // Keyed by user_id first; the key serves as SQLite's idx_tasks_user_id.
      .user_key = ",\n  PRIMARY KEY (user_id, id)",
      .job_run_id = "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
      .user_id_index = "",
      .stats_views = StatsViews(),
      .without_rowid = "",
      .open_due_backfill = R"sql(
-- The backfill counts what is committed; task writes wait until this
-- migration commits (their first change to the new table would otherwise
-- race it).
LOCK TABLE tasks IN SHARE MODE;
INSERT INTO open_due_days (user_id, due_day, n)
  SELECT user_id, CAST(due_at AT TIME ZONE 'UTC' AS DATE), COUNT(*) FROM tasks
  WHERE deleted = FALSE AND status IN ('todo', 'in_progress') AND due_at IS NOT NULL
  GROUP BY 1, 2
  ON CONFLICT (user_id, due_day) DO UPDATE SET n = excluded.n;
)sql",
      .overdue_before = R"sql(
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
)sql",
  });
  return kMigrations;
}

}  // namespace analytics::storage
