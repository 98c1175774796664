#include "storage/migrations.h"

#include <string>
#include <utility>

namespace analytics::storage {
namespace {

std::string Fill(std::string_view text, const SchemaFlavor& f) {
  const std::pair<std::string_view, std::string_view> kKeys[] = {
      {"{TIME}", f.time},         {"{DAY}", f.day},
      {"{INT}", f.integer},       {"{REAL}", f.real},
      {"{INE}", f.if_not_exists}, {"{IDENTITY}", f.identity},
      {"{USER_KEY}", f.user_key}, {"{JOB_RUN_ID}", f.job_run_id},
      {"{ROW_ID}", f.job_run_id}, {"{WITHOUT_ROWID}", f.without_rowid}};
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    bool replaced = false;
    if (text[i] == '{') {
      for (const auto& [key, value] : kKeys) {
        if (text.substr(i, key.size()) != key) continue;
        out += value;
        i += key.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) out += text[i++];
  }
  return out;
}

// SQLite stores each CREATE's text as written (`.schema` shows it), so the
// shared text keeps the exact spelling the first releases used.
constexpr std::string_view kCoreTables = R"sql(
CREATE TABLE {INE}users (
  id TEXT PRIMARY KEY,
  created_at {TIME} NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  token_rotated_at {TIME} NOT NULL
);

CREATE TABLE {INE}tasks (
  id {IDENTITY},
  user_id TEXT NOT NULL REFERENCES users(id),
  title TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('todo', 'in_progress', 'done', 'cancelled')),
  priority TEXT NOT NULL CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
  due_at {TIME},
  created_at {TIME} NOT NULL,
  updated_at {TIME} NOT NULL,
  completed_at {TIME},
  deleted BOOLEAN NOT NULL DEFAULT FALSE,
  deleted_at {TIME}{USER_KEY}
);
-- The runbook's partial index, and one led by user_id that serves its
-- EXPLAIN of "user_id = … AND status = 'done'" (no deleted filter, so the
-- partial index cannot).
CREATE INDEX {INE}idx_tasks_user_status ON tasks(user_id, status) WHERE deleted = FALSE;
CREATE INDEX {INE}idx_tasks_user_status_all ON tasks(user_id, status, id);
)sql";

constexpr std::string_view kCoreTablesAfterUserIdIndex =
    R"sql(CREATE INDEX {INE}idx_tasks_user_created ON tasks(user_id, created_at);
CREATE INDEX {INE}idx_tasks_user_completed ON tasks(user_id, completed_at) WHERE completed_at IS NOT NULL;
CREATE INDEX {INE}idx_tasks_open_due ON tasks(user_id, due_at)
  WHERE deleted = FALSE AND status IN ('todo', 'in_progress') AND due_at IS NOT NULL;

-- Running per-user aggregates over non-deleted tasks, updated in the same
-- transaction as every task write (overview without scanning tasks).
CREATE TABLE {INE}user_aggregates (
  user_id TEXT PRIMARY KEY REFERENCES users(id),
  todo {INT} NOT NULL DEFAULT 0,
  in_progress {INT} NOT NULL DEFAULT 0,
  done {INT} NOT NULL DEFAULT 0,
  cancelled {INT} NOT NULL DEFAULT 0,
  low {INT} NOT NULL DEFAULT 0,
  medium {INT} NOT NULL DEFAULT 0,
  high {INT} NOT NULL DEFAULT 0,
  urgent {INT} NOT NULL DEFAULT 0,
  weight_total {INT} NOT NULL DEFAULT 0,
  weight_done_x2 {INT} NOT NULL DEFAULT 0,
  version {INT} NOT NULL DEFAULT 0
);
)sql";

// daily_analytics and its archive have one shape.
std::string DailyTable(std::string_view name) {
  return "CREATE TABLE {INE}" + std::string(name) + R"sql( (
  user_id TEXT NOT NULL,
  date {DAY} NOT NULL,
  tasks_created {INT} NOT NULL,
  tasks_completed {INT} NOT NULL,
  total_tasks {INT} NOT NULL,
  completed_tasks {INT} NOT NULL,
  completion_rate {REAL} NOT NULL,
  productivity_score {REAL} NOT NULL,
  computed_at {TIME} NOT NULL,
  PRIMARY KEY (user_id, date)
);
)sql";
}

constexpr std::string_view kLogTables = R"sql(
CREATE TABLE {INE}audit_log (
  id {IDENTITY},
  timestamp {TIME} NOT NULL,
  actor TEXT NOT NULL,
  user_id TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('CREATE', 'UPDATE', 'DELETE', 'RESTORE')),
  entity TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  "before" TEXT,
  "after" TEXT,
  request_id TEXT{USER_KEY}
);
CREATE INDEX {INE}idx_audit_log_timestamp ON audit_log(timestamp);
CREATE INDEX {INE}idx_audit_log_user ON audit_log(user_id, timestamp);

CREATE TABLE {INE}job_runs (
  id {JOB_RUN_ID},
  job TEXT NOT NULL,
  args TEXT NOT NULL DEFAULT '',
  started_at {TIME} NOT NULL,
  finished_at {TIME},
  status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  rows {INT} NOT NULL DEFAULT 0,
  error TEXT,
  host TEXT NOT NULL,
  pid {INT} NOT NULL DEFAULT 0
);
CREATE INDEX {INE}idx_job_runs_job ON job_runs(job, started_at);

)sql";

constexpr std::string_view kJobClaims = R"sql(
-- One row per scheduled occurrence a server instance claimed: with several
-- instances on one database each occurrence runs once (SPEC §6).
CREATE TABLE {INE}job_claims (
  job TEXT NOT NULL,
  scheduled_for {TIME} NOT NULL,
  claimed_by TEXT NOT NULL,
  PRIMARY KEY (job, scheduled_for)
);
-- daily_aggregation finds a day's active users by these.
CREATE INDEX {INE}idx_tasks_created_at ON tasks(created_at);
CREATE INDEX {INE}idx_tasks_completed_at ON tasks(completed_at) WHERE completed_at IS NOT NULL;
CREATE INDEX {INE}idx_tasks_updated_at ON tasks(updated_at);
)sql";

constexpr std::string_view kOpenDueDays = R"sql(
-- A user's open tasks (not deleted, todo or in_progress) per UTC day of
-- due_at, kept exact by every task write in its transaction: overdue is the
-- days before today plus today's open tasks due before now.
CREATE TABLE IF NOT EXISTS open_due_days (
  user_id TEXT NOT NULL,
  due_day {DAY} NOT NULL,
  n {INT} NOT NULL,
  PRIMARY KEY (user_id, due_day)
){WITHOUT_ROWID};
)sql";

constexpr std::string_view kTokenRevocations = R"sql(
-- One row counting token rotations: processes that cache tokens in memory
-- without Redis (cache.url memory) follow it to see a rotation made by another
-- process, such as `analytics users rotate-token`.
CREATE TABLE IF NOT EXISTS token_revocations (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  n {INT} NOT NULL
);
INSERT INTO token_revocations (id, n) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
)sql";

constexpr std::string_view kTokenRevocationLog = R"sql(
-- One row per token rotation, numbered with token_revocations.n as the
-- rotation left it. The counter row's lock orders rotations, so rows commit
-- in seq order and a reader that has seen seq N has seen every row before it.
-- Every process follows it to drop just that user's cached tokens, whatever
-- cache it uses and whether or not Redis is reachable.
CREATE TABLE IF NOT EXISTS token_revocation_log (
  seq BIGINT PRIMARY KEY,
  user_id TEXT NOT NULL,
  revoked_at {TIME} NOT NULL
);
)sql";

constexpr std::string_view kPendingInvalidations = R"sql(
-- Users whose cached stats a committed write could not invalidate because
-- the shared cache was unreachable: any instance that reaches it again
-- invalidates them and deletes the row, so a crash loses none.
CREATE TABLE IF NOT EXISTS pending_invalidations (
  user_id TEXT PRIMARY KEY,
  queued_at {TIME} NOT NULL
);
)sql";

constexpr std::string_view kOperations = R"sql(
-- The signal store (SPEC §8): what each serving process sampled every
-- alerts.sample_interval_s, one row per signal and sample. `step_s` is 0 for
-- a raw sample and the bucket width (and `at` the bucket start) for rows
-- downsampled past a day; `source` names the process (host:pid).
CREATE TABLE IF NOT EXISTS signal_samples (
  name TEXT NOT NULL,
  at {TIME} NOT NULL,
  step_s {INT} NOT NULL DEFAULT 0,
  source TEXT NOT NULL,
  value {REAL} NOT NULL,
  PRIMARY KEY (name, step_s, at, source)
);
CREATE INDEX IF NOT EXISTS idx_signal_samples_at ON signal_samples(at);

-- One row per alert rule: where its state machine stands. Updated under the
-- row's lock, so with several instances each transition happens once.
CREATE TABLE IF NOT EXISTS alert_states (
  rule TEXT PRIMARY KEY,
  state TEXT NOT NULL CHECK (state IN ('inactive', 'pending', 'firing')),
  since {TIME},
  value {REAL},
  updated_at {TIME} NOT NULL
);

-- Alert history: every transition (pending, firing, resolved), with what its
-- action did (`delivery`: sent, failed: reason, incident N, silenced, none).
CREATE TABLE IF NOT EXISTS alert_events (
  id {ROW_ID},
  rule TEXT NOT NULL,
  severity TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'firing', 'resolved')),
  value {REAL},
  at {TIME} NOT NULL,
  since {TIME},
  delivery TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS idx_alert_events_at ON alert_events(at);

-- A silenced rule runs no action until `until`.
CREATE TABLE IF NOT EXISTS alert_silences (
  rule TEXT PRIMARY KEY,
  until {TIME} NOT NULL,
  reason TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at {TIME} NOT NULL
);

CREATE TABLE IF NOT EXISTS incidents (
  id {ROW_ID},
  severity TEXT NOT NULL CHECK (severity IN ('P0', 'P1', 'P2', 'P3')),
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
  created_at {TIME} NOT NULL,
  created_by TEXT NOT NULL,
  resolved_at {TIME},
  resolved_by TEXT,
  resolution_note TEXT
);

-- Every message sent to a configured target (alert actions, `notify`).
CREATE TABLE IF NOT EXISTS notifications (
  id {ROW_ID},
  at {TIME} NOT NULL,
  target TEXT NOT NULL,
  subject TEXT NOT NULL,
  severity TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('sent', 'failed')),
  attempts {INT} NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_notifications_at ON notifications(at);
)sql";

}  // namespace

std::vector<Migration> BuildMigrations(const SchemaFlavor& f) {
  const std::string lock(f.lock);
  const std::string core =
      lock + std::string(kCoreTables) + std::string(f.user_id_index) +
      std::string(kCoreTablesAfterUserIdIndex) + "\n" + DailyTable("daily_analytics") +
      "CREATE INDEX {INE}idx_daily_analytics_date ON daily_analytics(date);\n\n" +
      DailyTable("daily_analytics_archive") + std::string(kLogTables) + std::string(f.stats_views);
  return {
      {1, "core schema", Fill(core, f)},
      {2, "jobs: claims, day indexes", Fill(lock + std::string(kJobClaims), f)},
      {3, "open_due_days",
       Fill(lock + std::string(kOpenDueDays) + std::string(f.open_due_backfill), f)},
      {4, "token_revocations", Fill(lock + std::string(kTokenRevocations), f)},
      {5, "overdue_before", std::string(f.overdue_before)},
      {6, "token_revocation_log", Fill(lock + std::string(kTokenRevocationLog), f)},
      {7, "pending_invalidations", Fill(lock + std::string(kPendingInvalidations), f)},
      {8, "operations: signals, alerts, incidents, notifications",
       Fill(lock + std::string(kOperations), f)},
  };
}

}  // namespace analytics::storage
