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
#include "storage/backend_tools.h"

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
    if (pg) return ResetIdSequence(tx, table);
    return Ok();
  });
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
  auto name = PgDatabaseName(env.config.database.url);
  if (!name.ok()) return name.error();
  auto child_env = PgEnvironment(env.config.database.url);
  if (!child_env.ok()) return child_env.error();
  ProcessSpec spec;
  spec.argv = {"pg_restore", "--clean",         "--if-exists",     "--single-transaction",
               "--no-owner", "--no-privileges", "--exit-on-error", "--no-password"};
  if (!name->empty())
    spec.argv.push_back("--dbname=" + *name);
  else
    spec.argv.push_back("--dbname=" + std::string("postgres"));
  spec.argv.push_back(scratch.data_path());
  spec.env = *child_env;
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

Result<void> ApplyRestore(const Env& env, const BackupInfo& backup, const RestorePlan& plan,
                          const Progress& progress) {
  const bool whole = plan.table.empty();
  auto scratch = Scratch::Restore(env, backup, whole ? Scratch::kFileOnly : Scratch::kDatabase);
  if (!scratch.ok()) return scratch.error();
  Result<void> restored =
      whole ? RestoreWhole(env, **scratch) : ReplaceTable(env.db, (*scratch)->db(), plan.table);
  if (!restored.ok()) {
    return Error{restored.error().code, "restore failed: " + restored.error().message,
                 restored.error().field};
  }
  if (progress) progress("restored", whole ? "the whole database" : "table " + plan.table);
  // The cache is emptied even when the refresh fails: the restored tables
  // are already live, and no number from before them may be served.
  Result<void> refreshed = plan.refresh_views ? RefreshViews(env.db) : Ok();
  if (env.cache != nullptr) env.cache->Flush();
  if (progress) progress("cache", "analytics keys flushed");
  if (!refreshed.ok()) {
    return Error{refreshed.error().code,
                 "restored, but refreshing the stats views failed (run `analytics job run "
                 "refresh_views`): " +
                     refreshed.error().message,
                 {}};
  }
  return Ok();
}

}  // namespace analytics::backup
