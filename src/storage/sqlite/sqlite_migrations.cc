// SPEC §2's schema for SQLite, as versioned migrations. Times are fixed-width
// ISO 8601 text (FormatStorageTime), so they sort and compare as text. The
// four "materialized views" are plain tables that the refresh_views job
// rebuilds atomically.
#include <vector>

#include "storage/database.h"
#include "storage/sqlite/sqlite_database.h"

namespace analytics::storage {

const std::vector<Migration>& SqliteMigrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "core schema", R"sql(
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  created_at TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  token_rotated_at TEXT NOT NULL
);

CREATE TABLE tasks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id TEXT NOT NULL REFERENCES users(id),
  title TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('todo', 'in_progress', 'done', 'cancelled')),
  priority TEXT NOT NULL CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
  due_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  completed_at TEXT,
  deleted BOOLEAN NOT NULL DEFAULT FALSE,
  deleted_at TEXT
);
-- The runbook's partial index, and one led by user_id that serves its
-- EXPLAIN of "user_id = … AND status = 'done'" (no deleted filter).
CREATE INDEX idx_tasks_user_status ON tasks(user_id, status) WHERE deleted = FALSE;
CREATE INDEX idx_tasks_user_status_all ON tasks(user_id, status, id);
CREATE INDEX idx_tasks_user_id ON tasks(user_id, id);
CREATE INDEX idx_tasks_user_created ON tasks(user_id, created_at);
CREATE INDEX idx_tasks_user_completed ON tasks(user_id, completed_at) WHERE completed_at IS NOT NULL;
CREATE INDEX idx_tasks_open_due ON tasks(user_id, due_at)
  WHERE deleted = FALSE AND status IN ('todo', 'in_progress') AND due_at IS NOT NULL;

-- Running per-user aggregates over non-deleted tasks, updated in the same
-- transaction as every task write (overview without scanning tasks).
CREATE TABLE user_aggregates (
  user_id TEXT PRIMARY KEY REFERENCES users(id),
  todo INTEGER NOT NULL DEFAULT 0,
  in_progress INTEGER NOT NULL DEFAULT 0,
  done INTEGER NOT NULL DEFAULT 0,
  cancelled INTEGER NOT NULL DEFAULT 0,
  low INTEGER NOT NULL DEFAULT 0,
  medium INTEGER NOT NULL DEFAULT 0,
  high INTEGER NOT NULL DEFAULT 0,
  urgent INTEGER NOT NULL DEFAULT 0,
  weight_total INTEGER NOT NULL DEFAULT 0,
  weight_done_x2 INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE daily_analytics (
  user_id TEXT NOT NULL,
  date TEXT NOT NULL,
  tasks_created INTEGER NOT NULL,
  tasks_completed INTEGER NOT NULL,
  total_tasks INTEGER NOT NULL,
  completed_tasks INTEGER NOT NULL,
  completion_rate REAL NOT NULL,
  productivity_score REAL NOT NULL,
  computed_at TEXT NOT NULL,
  PRIMARY KEY (user_id, date)
);
CREATE INDEX idx_daily_analytics_date ON daily_analytics(date);

CREATE TABLE daily_analytics_archive (
  user_id TEXT NOT NULL,
  date TEXT NOT NULL,
  tasks_created INTEGER NOT NULL,
  tasks_completed INTEGER NOT NULL,
  total_tasks INTEGER NOT NULL,
  completed_tasks INTEGER NOT NULL,
  completion_rate REAL NOT NULL,
  productivity_score REAL NOT NULL,
  computed_at TEXT NOT NULL,
  PRIMARY KEY (user_id, date)
);

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  timestamp TEXT NOT NULL,
  actor TEXT NOT NULL,
  user_id TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('CREATE', 'UPDATE', 'DELETE', 'RESTORE')),
  entity TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  "before" TEXT,
  "after" TEXT,
  request_id TEXT
);
CREATE INDEX idx_audit_log_timestamp ON audit_log(timestamp);
CREATE INDEX idx_audit_log_user ON audit_log(user_id, timestamp);

CREATE TABLE job_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job TEXT NOT NULL,
  args TEXT NOT NULL DEFAULT '',
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  rows INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX idx_job_runs_job ON job_runs(job, started_at);

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
)sql"},
      {2, "jobs: claims, day indexes", R"sql(
-- One row per scheduled occurrence a server instance claimed: with several
-- instances on one database each occurrence runs once (SPEC §6).
CREATE TABLE job_claims (
  job TEXT NOT NULL,
  scheduled_for TEXT NOT NULL,
  claimed_by TEXT NOT NULL,
  PRIMARY KEY (job, scheduled_for)
);
-- daily_aggregation finds a day's active users by these.
CREATE INDEX idx_tasks_created_at ON tasks(created_at);
CREATE INDEX idx_tasks_completed_at ON tasks(completed_at) WHERE completed_at IS NOT NULL;
CREATE INDEX idx_tasks_updated_at ON tasks(updated_at);
)sql"},
      {3, "open_due_days", R"sql(
-- A user's open tasks (not deleted, todo or in_progress) per UTC day of
-- due_at ('YYYY-MM-DD'), kept exact by every task write in its transaction:
-- overdue is the days before today plus today's open tasks due before now.
CREATE TABLE IF NOT EXISTS open_due_days (
  user_id TEXT NOT NULL,
  due_day TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (user_id, due_day)
) WITHOUT ROWID;
INSERT INTO open_due_days (user_id, due_day, n)
  SELECT user_id, substr(due_at, 1, 10), COUNT(*) FROM tasks
  WHERE deleted = FALSE AND status IN ('todo', 'in_progress') AND due_at IS NOT NULL
  GROUP BY user_id, substr(due_at, 1, 10)
  ON CONFLICT (user_id, due_day) DO UPDATE SET n = excluded.n;
)sql"},
      {4, "token_revocations", R"sql(
-- One row counting token rotations: processes that cache tokens in memory
-- without Redis (cache.url memory) follow it to see a rotation made by another
-- process, such as `analytics users rotate-token`.
CREATE TABLE IF NOT EXISTS token_revocations (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  n INTEGER NOT NULL
);
INSERT INTO token_revocations (id, n) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
)sql"},
      {5, "overdue_before", R"sql(
-- overdue_before counts the user's open tasks due before overdue_day (UTC),
-- kept exact by every task write, so that overdue sums only the buckets
-- between overdue_day and today instead of every bucket before today.
ALTER TABLE user_aggregates ADD COLUMN overdue_day TEXT NOT NULL DEFAULT '1970-01-01';
ALTER TABLE user_aggregates ADD COLUMN overdue_before INTEGER NOT NULL DEFAULT 0;
UPDATE user_aggregates SET overdue_day = date('now'),
  overdue_before = COALESCE((SELECT SUM(n) FROM open_due_days d
    WHERE d.user_id = user_aggregates.user_id AND d.due_day < date('now')), 0);
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
  revoked_at TEXT NOT NULL
);
)sql"},
      {7, "pending_invalidations", R"sql(
-- Users whose cached stats a committed write could not invalidate because
-- the shared cache was unreachable: any instance that reaches it again
-- invalidates them and deletes the row, so a crash loses none.
CREATE TABLE IF NOT EXISTS pending_invalidations (
  user_id TEXT PRIMARY KEY,
  queued_at TEXT NOT NULL
);
)sql"},
  };
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
          "FROM (SELECT user_id, status, due_at, completed_at, CASE priority WHEN 'low' THEN 1 "
          "WHEN 'medium' THEN 2 WHEN 'high' THEN 3 ELSE 4 END AS w FROM tasks "
          "WHERE deleted = FALSE) t GROUP BY user_id",
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
