// The SQLite backend: one file in WAL mode, one writer connection and a pool
// of reader connections. Only storage/open_database.cc and tests name it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "config/config.h"
#include "storage/backend_database.h"
#include "storage/database.h"

namespace analytics::storage {

class SqliteConnection;

// The SQLite schema (SPEC §2) as ordered migrations; sqlite_migrations.cc.
const std::vector<Migration>& SqliteMigrations();

class SqliteDialect final : public Dialect {
 public:
  std::string_view name() const override { return "sqlite"; }
  const std::vector<Migration>& migrations() const override { return SqliteMigrations(); }
  // Storage times are fixed-width ISO 8601 text, so the day is its first 10 characters.
  std::string DayOf(std::string_view column) const override;
  // SQLite takes any value in any column: no cast needed (and CAST(… AS DATE)
  // would turn '2024-01-15' into the number 2024).
  std::string TypedParam(int n, std::string_view) const override { return "$" + std::to_string(n); }
  std::string DateFromText(std::string_view expression) const override {
    return std::string(expression);
  }
  // Calls a function each connection registers (SqliteConnection).
  std::string LiftStatementTimeout() const override;
  ViewRefresh RefreshViews() const override;
  std::vector<std::string> MaintenanceStatements() const override;
};

// Every connection runs under options.statement_timeout (SqliteConnection);
// ExecuteOutsideTransaction, for maintenance, without it, as on PostgreSQL.
// Thread-safe. Writes (InTransaction, ExecuteOutsideTransaction) take the one
// writer connection in turn, waiting up to options.pool_timeout, and run in
// BEGIN IMMEDIATE. Reads take one of up to options.pool_size reader
// connections (opened lazily, read-only) and run in a deferred BEGIN, so a
// Read sees one snapshot from its first statement on. pool_stats counts the
// writer too: max = pool_size + 1.
class SqliteDatabase final : public BackendDatabase<SqliteDialect> {
 public:
  // Opens (creating) the file at `path`; its parent folder must exist.
  // `description` is what description() returns (the URL).
  // Errors: kUnavailable when the file cannot be opened or put in WAL mode.
  static Result<std::unique_ptr<SqliteDatabase>> Open(const std::string& path,
                                                      const config::DatabaseOptions& options,
                                                      std::string description);
  ~SqliteDatabase() override;

  Result<void> InTransaction(const Work& work) override;
  Result<void> Read(const Work& work) override;
  Result<void> ExecuteOutsideTransaction(std::string_view sql) override;
  Result<void> Ping() override;
  PoolStats pool_stats() const override;

 private:
  class ReaderLease;
  class WriterLease;

  SqliteDatabase(std::string path, const config::DatabaseOptions& options, std::string description,
                 std::unique_ptr<SqliteConnection> writer);
  // Waits up to pool_timeout for the writer. Errors: kUnavailable.
  Result<void> AcquireWriter();
  void ReleaseWriter();
  Result<std::unique_ptr<SqliteConnection>> AcquireReader();
  void ReleaseReader(std::unique_ptr<SqliteConnection> reader);
  // Runs `work` between `begin` and COMMIT (ROLLBACK on error) on `connection`.
  static Result<void> RunTransaction(SqliteConnection& connection, std::string_view begin,
                                     const Work& work);

  const std::string path_;
  const std::chrono::milliseconds pool_timeout_;
  const std::chrono::milliseconds statement_timeout_;
  const int max_readers_;

  // The writer is a pool of one; a condition variable rather than a
  // timed_mutex, whose try_lock_for ThreadSanitizer cannot follow.
  const std::unique_ptr<SqliteConnection> writer_;  // used only while writer_in_use_
  mutable std::mutex pool_mutex_;
  std::condition_variable writer_released_;
  std::condition_variable reader_released_;
  bool writer_in_use_ = false;  // guarded by pool_mutex_
  int waiting_ = 0;             // guarded by pool_mutex_: callers in an Acquire's wait
  std::vector<std::unique_ptr<SqliteConnection>> idle_readers_;  // guarded by pool_mutex_
  int open_readers_ = 0;                                         // guarded by pool_mutex_
};

}  // namespace analytics::storage
