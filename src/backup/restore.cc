// PlanRestore and ApplyRestore (backup.h): a restore only ever starts from a
// backup that has just passed Verify, and replaces the data in one step (one
// SQLite backup-API copy, one pg_restore --single-transaction, or one
// transaction for a table), so a failure leaves the data as it was.
#include <filesystem>
#include <map>

#include "backup/backup.h"
#include "backup/files.h"
#include "backup/pg_tools.h"
#include "backup/process.h"
#include "backup/scratch.h"
#include "backup/table_checksums.h"
#include "storage/anomaly_repository.h"
#include "storage/backend_tools.h"
#include "storage/user_repository.h"

namespace analytics::backup {
namespace {

namespace fs = std::filesystem;

// Rows of every table in `db` now.
Result<std::map<std::string, std::int64_t>> CurrentRows(storage::Database& db) {
  return storage::ReadValue(
      db, [&db](storage::Transaction& tx) { return TableRowCounts(tx, db.dialect().name()); });
}

// Inserts rows many to a statement (at most kMaxParams values each): one
// round trip per batch rather than per row.
class BatchInsert {
 public:
  BatchInsert(storage::Transaction& tx, std::string prefix) : tx_(tx), prefix_(std::move(prefix)) {}

  Result<void> Add(const storage::Row& row) {
    sql_ += rows_ == 0 ? prefix_ : ", ";
    sql_ += '(';
    for (std::size_t i = 0; i < row.size(); ++i) {
      params_.push_back(row.raw(i));
      sql_ += (i ? ", $" : "$") + std::to_string(params_.size());
    }
    sql_ += ')';
    ++rows_;
    return params_.size() + row.size() > kMaxParams ? Flush() : Ok();
  }

  Result<void> Flush() {
    if (rows_ == 0) return Ok();
    auto done = tx_.Execute(sql_, params_);
    sql_.clear();
    params_.clear();
    rows_ = 0;
    if (!done.ok()) return done.error();
    return Ok();
  }

 private:
  static constexpr std::size_t kMaxParams = 900;
  storage::Transaction& tx_;
  const std::string prefix_;
  std::string sql_;
  storage::Params params_;
  std::size_t rows_ = 0;
};

// Tables whose rows the task write paths' counters derive from, or which are
// those counters.
bool DerivesAggregates(const std::string& table) {
  return table == "tasks" || table == "user_aggregates" || table == "open_due_days";
}

// Copies `table` from `scratch` into `live` in one transaction: its rows
// deleted, the backup's inserted, and on PostgreSQL its id sequence set past
// the largest id.
Result<void> ReplaceTable(storage::Database& live, storage::Database& scratch,
                          const std::string& table) {
  const bool pg = live.dialect().name() == "postgresql";
  return live.InTransaction([&](storage::Transaction& tx) -> Result<void> {
    const std::string lift = live.dialect().LiftStatementTimeout();
    if (!lift.empty()) {
      auto lifted = tx.Execute(lift);
      if (!lifted.ok()) return lifted.error();
    }
    if (!pg) {
      auto deferred = tx.Execute("PRAGMA defer_foreign_keys = ON");
      if (!deferred.ok()) return deferred.error();
    }
    auto deleted = tx.Execute("DELETE FROM " + QuoteIdent(table));
    if (!deleted.ok()) return deleted.error();
    // PostgreSQL: the backup's ids go in as they were, identity columns too.
    BatchInsert insert(tx, "INSERT INTO " + QuoteIdent(table) +
                               (pg ? " OVERRIDING SYSTEM VALUE VALUES " : " VALUES "));
    Result<void> copy_error = Ok();
    Result<void> read = scratch.Read([&](storage::Transaction& from) -> Result<void> {
      return from.ForEach("SELECT * FROM " + QuoteIdent(table), {}, [&](const storage::Row& row) {
        copy_error = insert.Add(row);
        return copy_error.ok();
      });
    });
    if (!read.ok()) return read.error();
    if (copy_error.ok()) copy_error = insert.Flush();
    if (!copy_error.ok()) return copy_error;
    if (pg) ANALYTICS_RETURN_IF_ERROR(ResetIdSequence(tx, table));
    // The counters the task write paths keep (user_aggregates,
    // open_due_days) follow the restored rows, in the same transaction: the
    // API's numbers are those of the tasks as restored.
    if (DerivesAggregates(table)) return storage::RebuildTaskAggregates(tx, live.dialect());
    return Ok();
  });
}

}  // namespace

namespace {

// A backup restores into this binary's schema: not one newer than its
// migrations (their tables would be unknown to it), and, for one table,
// only from the live database's own schema version (rows are copied column
// by column, in the order that version's migrations made).
Result<void> CheckSchemaVersion(const Env& env, const Manifest& m, const std::string& table) {
  int newest = 0;
  for (const storage::Migration& migration : env.db.dialect().migrations()) {
    newest = std::max(newest, migration.version);
  }
  if (m.schema_version > newest) {
    return InvalidArgument("FILE", "backup " + m.id + " has schema version " +
                                       std::to_string(m.schema_version) +
                                       ", newer than this analytics knows (" +
                                       std::to_string(newest) + "): restore it with a newer one");
  }
  if (table.empty()) return Ok();
  auto live =
      storage::ReadValue(env.db, [](storage::Transaction& tx) { return SchemaVersion(tx); });
  if (!live.ok()) return live.error();
  if (*live != m.schema_version) {
    return InvalidArgument("--table", "backup " + m.id + " has schema version " +
                                          std::to_string(m.schema_version) + " and the database " +
                                          std::to_string(*live) +
                                          ": restore the whole database instead");
  }
  return Ok();
}

}  // namespace

Result<RestorePlan> PlanRestore(const Env& env, const BackupInfo& backup, const std::string& table,
                                const Progress& progress) {
  const Manifest& m = backup.manifest;
  if (!table.empty()) {
    bool found = false;
    for (const TableEntry& t : m.tables) found |= t.name == table;
    if (!found) {
      return InvalidArgument("--table", "backup " + m.id + " has no table '" + table + "'");
    }
  }
  ANALYTICS_RETURN_IF_ERROR(CheckSchemaVersion(env, m, table));
  auto verification = Verify(env, backup, progress);
  if (!verification.ok()) return verification.error();
  if (!verification->ok) {
    return Error{ErrorCode::kUnprocessable,
                 "backup " + m.id + " failed verification: " + verification->detail +
                     "; nothing was changed",
                 {}};
  }
  auto current = CurrentRows(env.db);
  if (!current.ok()) return current.error();
  RestorePlan plan;
  plan.id = m.id;
  plan.table = table;
  plan.verification = *verification;
  // A whole restore brings back the view tables as they were; one table's
  // rows change what the views derive from it.
  plan.refresh_views = !table.empty();
  for (const TableEntry& t : m.tables) {
    if (!table.empty() && t.name != table) continue;
    TableChange change;
    change.name = t.name;
    auto it = current->find(t.name);
    change.current_rows = it == current->end() ? -1 : it->second;
    change.backup_rows = t.rows;
    plan.tables.push_back(std::move(change));
  }
  return plan;
}

namespace {

Result<void> RestoreWhole(const Env& env, Scratch& scratch) {
  if (env.db.dialect().name() != "postgresql") {
    std::optional<std::string> live = storage::SqlitePath(env.config.database.url);
    if (!live) return InvalidArgument("database.url", "not a sqlite:/// URL");
    auto copied = storage::CopySqliteDatabase(scratch.data_path(), *live);
    if (!copied.ok()) return copied.error();
    return Ok();
  }
  // The database the service is connected to, as the server names it: a URL
  // without a database name means libpq's default (the user's name, or
  // PGDATABASE), which pg_restore must not guess differently.
  auto name =
      storage::ReadStatementValue(env.db, [](storage::Transaction& tx) -> Result<std::string> {
        auto rows = tx.Query("SELECT current_database()");
        if (!rows.ok()) return rows.error();
        if (rows->empty()) return Internal("current_database() gave no row");
        return rows->front().Text(0);
      });
  if (!name.ok()) return name.error();
  auto child_env = PgEnvironment(env.config.database.url);
  if (!child_env.ok()) return child_env.error();
  ProcessSpec spec;
  spec.argv = {"pg_restore",           "--clean",       "--if-exists",
               "--single-transaction", "--no-owner",    "--no-privileges",
               "--exit-on-error",      "--no-password", "--dbname=" + *name};
  spec.argv.push_back(scratch.data_path());
  spec.env = *child_env;
  spec.own_group = false;
  return RunProcess(spec);
}

// The stats views rebuilt from the restored tables (the refresh_views job's
// statements).
Result<void> RefreshViews(storage::Database& db) {
  storage::Dialect::ViewRefresh refresh = db.dialect().RefreshViews();
  if (refresh.in_one_transaction) {
    return db.InTransaction([&](storage::Transaction& tx) -> Result<void> {
      for (const std::string& sql : refresh.statements) {
        auto done = tx.Execute(sql);
        if (!done.ok()) return done.error();
      }
      return Ok();
    });
  }
  for (const std::string& sql : refresh.statements) {
    Result<void> done = db.ExecuteOutsideTransaction(sql);
    if (!done.ok()) return done;
  }
  return Ok();
}

}  // namespace

namespace {

// What follows a restore that committed, each step tried even when one
// before it failed: the schema brought up to this binary (a whole restore
// may bring back an older one), every server's cached tokens dropped (the
// token tables may be older than what servers have read), the stats views
// refreshed, and the analytics cache emptied, so no number from before the
// restore is served. Returns the first failure.
Result<void> AfterRestore(const Env& env, const RestorePlan& plan, std::int64_t revocations_before,
                          const Progress& progress) {
  std::vector<std::string> failed;
  if (plan.table.empty()) {
    auto migrated = storage::Migrate(env.db);
    if (!migrated.ok()) failed.push_back("migrations: " + migrated.error().message);
  }
  Result<void> tokens = env.db.InTransaction([&](storage::Transaction& tx) {
    return storage::UserRepository(tx).RevokeEveryToken(revocations_before, env.clock.Now());
  });
  if (!tokens.ok()) failed.push_back("dropping cached tokens: " + tokens.error().message);
  Result<void> refreshed = plan.refresh_views ? RefreshViews(env.db) : Ok();
  if (!refreshed.ok()) {
    failed.push_back("refreshing the stats views (run `analytics job run refresh_views`): " +
                     refreshed.error().message);
  }
  if (env.cache != nullptr) env.cache->Flush();
  if (progress) progress("cache", "analytics keys flushed");
  if (failed.empty()) return Ok();
  return Unavailable("restored, but " + failed.front());
}

}  // namespace

Result<void> ApplyRestore(const Env& env, const BackupInfo& backup, const RestorePlan& plan,
                          const Progress& progress) {
  const bool whole = plan.table.empty();
  auto revocations = storage::ReadValue(
      env.db, [](storage::Transaction& tx) { return storage::UserRepository(tx).Revocations(); });
  if (!revocations.ok()) return revocations.error();
  auto scratch = Scratch::Restore(env, backup, whole ? Scratch::kFileOnly : Scratch::kDatabase);
  if (!scratch.ok()) return scratch.error();
  Result<void> restored =
      whole ? RestoreWhole(env, **scratch) : ReplaceTable(env.db, (*scratch)->db(), plan.table);
  if (!restored.ok()) {
    return Error{restored.error().code, "restore failed: " + restored.error().message,
                 restored.error().field};
  }
  if (progress) progress("restored", whole ? "the whole database" : "table " + plan.table);
  return AfterRestore(env, plan, *revocations, progress);
}

}  // namespace analytics::backup
