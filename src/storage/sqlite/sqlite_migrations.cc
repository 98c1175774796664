// What SQLite's schema (storage/migrations.cc) has of its own. Times are
// fixed-width ISO 8601 text (FormatStorageTime), so they sort and compare as
// text; days are 'YYYY-MM-DD' text. The four "materialized views" are plain
// tables that the refresh_views job rebuilds atomically.
#include <vector>

#include "model/task.h"
#include "storage/migrations.h"
#include "storage/sqlite/sqlite_database.h"

namespace analytics::storage {

const std::vector<Migration>& SqliteMigrations() {
  static const std::vector<Migration> kMigrations = BuildMigrations(SchemaFlavor{
      .lock = "",
      .if_not_exists = "",
      .time = "TEXT",
      .day = "TEXT",
      .integer = "INTEGER",
      .real = "REAL",
      .identity = "INTEGER PRIMARY KEY AUTOINCREMENT",
      .user_key = "",
      .job_run_id = "INTEGER PRIMARY KEY AUTOINCREMENT",
      .user_id_index = "CREATE INDEX idx_tasks_user_id ON tasks(user_id, id);\n",
      .stats_views = R"sql(
CREATE TABLE user_task_stats (
  user_id TEXT PRIMARY KEY,
  total_tasks INTEGER NOT NULL,
  todo INTEGER NOT NULL,
  in_progress INTEGER NOT NULL,
  done INTEGER NOT NULL,
  cancelled INTEGER NOT NULL,
  completion_rate REAL NOT NULL,
  productivity_score REAL NOT NULL
);
CREATE TABLE user_priority_distribution (
  user_id TEXT NOT NULL,
  priority TEXT NOT NULL,
  task_count INTEGER NOT NULL,
  PRIMARY KEY (user_id, priority)
);
CREATE TABLE user_status_distribution (
  user_id TEXT NOT NULL,
  status TEXT NOT NULL,
  task_count INTEGER NOT NULL,
  PRIMARY KEY (user_id, status)
);
CREATE TABLE user_monthly_trends (
  user_id TEXT NOT NULL,
  month TEXT NOT NULL,
  tasks_created INTEGER NOT NULL,
  tasks_completed INTEGER NOT NULL,
  PRIMARY KEY (user_id, month)
);
)sql",
      .without_rowid = " WITHOUT ROWID",
      .open_due_backfill = R"sql(INSERT INTO open_due_days (user_id, due_day, n)
  SELECT user_id, substr(due_at, 1, 10), COUNT(*) FROM tasks
  WHERE deleted = FALSE AND status IN ('todo', 'in_progress') AND due_at IS NOT NULL
  GROUP BY user_id, substr(due_at, 1, 10)
  ON CONFLICT (user_id, due_day) DO UPDATE SET n = excluded.n;
)sql",
      .overdue_before = R"sql(
-- overdue_before counts the user's open tasks due before overdue_day (UTC),
-- kept exact by every task write, so that overdue sums only the buckets
-- between overdue_day and today instead of every bucket before today.
ALTER TABLE user_aggregates ADD COLUMN overdue_day TEXT NOT NULL DEFAULT '1970-01-01';
ALTER TABLE user_aggregates ADD COLUMN overdue_before INTEGER NOT NULL DEFAULT 0;
UPDATE user_aggregates SET overdue_day = date('now'),
  overdue_before = COALESCE((SELECT SUM(n) FROM open_due_days d
    WHERE d.user_id = user_aggregates.user_id AND d.due_day < date('now')), 0);
)sql",
  });
  return kMigrations;
}

}  // namespace analytics::storage

namespace analytics::storage {

// SQLite has no materialized views: the four "views" are tables that
// refresh_views rebuilds in one transaction, so readers see the old contents
// or the new, never a half-built table.
Dialect::ViewRefresh SqliteDialect::RefreshViews() const {
  return ViewRefresh{
      {
          "DELETE FROM user_task_stats",
          "INSERT INTO user_task_stats (user_id, total_tasks, todo, in_progress, done, cancelled, "
          "completion_rate, productivity_score) "
          "SELECT user_id, COUNT(*), "
          "SUM(CASE WHEN status = 'todo' THEN 1 ELSE 0 END), "
          "SUM(CASE WHEN status = 'in_progress' THEN 1 ELSE 0 END), "
          "SUM(CASE WHEN status = 'done' THEN 1 ELSE 0 END), "
          "SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END), "
          "CASE WHEN SUM(CASE WHEN status <> 'cancelled' THEN 1 ELSE 0 END) = 0 THEN 0 ELSE "
          "ROUND(100.0 * SUM(CASE WHEN status = 'done' THEN 1 ELSE 0 END) / "
          "SUM(CASE WHEN status <> 'cancelled' THEN 1 ELSE 0 END), 2) END, "
          "CASE WHEN SUM(CASE WHEN status <> 'cancelled' THEN w ELSE 0 END) = 0 THEN 0 ELSE "
          "ROUND(50.0 * SUM(CASE WHEN status = 'done' THEN w * (CASE WHEN due_at IS NULL OR "
          "completed_at <= due_at THEN 2 ELSE 1 END) ELSE 0 END) / "
          "SUM(CASE WHEN status <> 'cancelled' THEN w ELSE 0 END), 2) END "
          "FROM (SELECT user_id, status, due_at, completed_at, " +
              model::WeightSql() + " AS w FROM tasks WHERE deleted = FALSE) t GROUP BY user_id",
          "DELETE FROM user_priority_distribution",
          "INSERT INTO user_priority_distribution (user_id, priority, task_count) "
          "SELECT user_id, priority, COUNT(*) FROM tasks WHERE deleted = FALSE "
          "GROUP BY user_id, priority",
          "DELETE FROM user_status_distribution",
          "INSERT INTO user_status_distribution (user_id, status, task_count) "
          "SELECT user_id, status, COUNT(*) FROM tasks WHERE deleted = FALSE "
          "GROUP BY user_id, status",
          "DELETE FROM user_monthly_trends",
          "INSERT INTO user_monthly_trends (user_id, month, tasks_created, tasks_completed) "
          "SELECT user_id, month, SUM(created), SUM(completed) FROM ("
          "SELECT user_id, substr(created_at, 1, 7) AS month, 1 AS created, 0 AS completed "
          "FROM tasks WHERE deleted = FALSE AND status <> 'cancelled' "
          "UNION ALL SELECT user_id, substr(completed_at, 1, 7), 0, 1 FROM tasks "
          "WHERE deleted = FALSE AND status = 'done') m GROUP BY user_id, month",
      },
      true};
}

std::vector<std::string> SqliteDialect::MaintenanceStatements() const {
  return {"VACUUM", "ANALYZE"};
}

}  // namespace analytics::storage
