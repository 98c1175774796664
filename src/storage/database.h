// A pool of connections to one database, PostgreSQL or SQLite. Repositories
// use only this interface and write their SQL once ($1, $2… placeholders,
// RETURNING, ON CONFLICT, TRUE/FALSE work on both); backend differences live
// in Dialect (expressions, migrations, jobs' statements) and in each
// Transaction's WritePath (bulk writes).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/time.h"
#include "storage/value.h"

namespace analytics::storage {

class WritePath;

struct Migration {
  int version;
  std::string name;
  std::string sql;  // one or more statements
};

// What differs between the backends, in one place.
class Dialect {
 public:
  virtual ~Dialect() = default;
  virtual std::string_view name() const = 0;  // "sqlite" or "postgresql"
  // The schema of SPEC §2 as ordered, versioned migrations.
  virtual const std::vector<Migration>& migrations() const = 0;
  // A SQL expression giving the UTC day ('YYYY-MM-DD' text) of a time column.
  virtual std::string DayOf(std::string_view column) const = 0;
  // Parameter `$n` typed as `sql_type` ("DATE", "TIMESTAMPTZ") where a
  // backend cannot infer it (the select list of INSERT … SELECT).
  virtual std::string TypedParam(int n, std::string_view sql_type) const {
    return "CAST($" + std::to_string(n) + " AS " + std::string(sql_type) + ")";
  }

  // A statement that lifts the statement timeout for the rest of the current
  // transaction, for jobs whose set-based statements legitimately run long
  // (a quarter's aggregation over millions of tasks); "" when the backend has
  // no such timeout.
  virtual std::string LiftStatementTimeout() const { return ""; }
  // A 'YYYY-MM-DD' text expression as a value for a DATE column.
  virtual std::string DateFromText(std::string_view expression) const {
    return "CAST(" + std::string(expression) + " AS DATE)";
  }

  // How the refresh_views job rebuilds the four stats views: statements run
  // one by one outside a transaction (PostgreSQL: REFRESH … CONCURRENTLY), or
  // all in one transaction (SQLite: the views are tables rebuilt atomically).
  struct ViewRefresh {
    std::vector<std::string> statements;
    bool in_one_transaction = false;
  };
  virtual ViewRefresh RefreshViews() const { return {}; }
  // The maintenance job's statements, each run outside a transaction.
  virtual std::vector<std::string> MaintenanceStatements() const { return {}; }
};

// One open transaction. Not thread-safe; valid only inside the work function.
class Transaction {
 public:
  virtual ~Transaction() = default;
  // Runs one statement and returns all its rows.
  // Errors: kConflict (unique violation), kUnavailable (connection lost,
  // timeout), kInternal (anything else; the message holds no SQL).
  virtual Result<std::vector<Row>> Query(std::string_view sql, const Params& params = {}) = 0;
  // Runs one statement; returns the number of rows it changed.
  virtual Result<std::int64_t> Execute(std::string_view sql, const Params& params = {}) = 0;
  // Streams rows one at a time to `row_fn` until it returns false; memory stays flat.
  virtual Result<void> ForEach(std::string_view sql, const Params& params,
                               const std::function<bool(const Row&)>& row_fn) = 0;
  // Runs a script of several statements without parameters (migrations).
  virtual Result<void> ExecuteScript(std::string_view sql) = 0;
  // This backend's way of writing batches and whole creates (write_path.h),
  // bound to this transaction.
  virtual WritePath& write_path() = 0;
};

using Work = std::function<Result<void>(Transaction&)>;

struct PoolStats {
  int in_use = 0;
  int idle = 0;
  int max = 0;
  int waiting = 0;  // callers blocked waiting for a free connection
};

// Thread-safe.
class Database {
 public:
  virtual ~Database() = default;
  // Runs `work` in one read-write transaction: commits if it returns ok,
  // otherwise rolls back and returns its error. Returns kUnavailable if no
  // connection could be had within the pool timeout or the database is down.
  // An exception thrown by `work` rolls back and becomes kInternal.
  // REQUIRES: not called from inside another InTransaction on this database
  // (CHECK-fails).
  virtual Result<void> InTransaction(const Work& work) = 0;
  // Runs `work` in a read-only transaction over one consistent snapshot.
  virtual Result<void> Read(const Work& work) = 0;
  // Read for `work` that issues exactly one statement: that statement sees
  // one snapshot by itself, so a backend may skip BEGIN and COMMIT (two
  // round trips on PostgreSQL). By default, Read.
  virtual Result<void> ReadStatement(const Work& work) { return Read(work); }
  // InTransaction for `work` that issues exactly one statement: one statement
  // is atomic by itself, so a backend may skip BEGIN and COMMIT. By default,
  // InTransaction. REQUIRES: as InTransaction.
  virtual Result<void> WriteStatement(const Work& work) { return InTransaction(work); }
  // Runs one statement outside any transaction (VACUUM, REFRESH … CONCURRENTLY).
  // REQUIRES: not called from inside InTransaction on this database (CHECK-fails).
  virtual Result<void> ExecuteOutsideTransaction(std::string_view sql) = 0;
  // Checks that the database answers. Errors: kUnavailable.
  virtual Result<void> Ping() = 0;
  virtual PoolStats pool_stats() const = 0;
  virtual const Dialect& dialect() const = 0;
  // The URL with any password removed, for logs.
  virtual std::string description() const = 0;
};

// The value `fn` (Transaction& -> Result<T>) returns, computed inside one
// of Database's ways to run work: the read-copy-return around a Database in
// one call. An error of `fn` ends the transaction as any failed work does
// (rolled back) and is returned as is.
//   Result<User> user = storage::ReadValue(db, [&](storage::Transaction& tx) {
//     return storage::UserRepository(tx).Find(id);
//   });
template <typename F>
auto ValueOf(Database& db, Result<void> (Database::*run)(const Work&), F&& fn)
    -> std::invoke_result_t<F&, Transaction&> {
  std::optional<std::invoke_result_t<F&, Transaction&>> out;
  Result<void> done = (db.*run)([&](Transaction& tx) -> Result<void> {
    out.emplace(fn(tx));
    if (!out->ok()) return out->error();
    return Ok();
  });
  if (!done.ok()) return done.error();
  return std::move(*out);
}
// ValueOf in Read, ReadStatement, InTransaction and WriteStatement.
template <typename F>
auto ReadValue(Database& db, F&& fn) {
  return ValueOf(db, &Database::Read, fn);
}
template <typename F>
auto ReadStatementValue(Database& db, F&& fn) {
  return ValueOf(db, &Database::ReadStatement, fn);
}
template <typename F>
auto WriteValue(Database& db, F&& fn) {
  return ValueOf(db, &Database::InTransaction, fn);
}
template <typename F>
auto WriteStatementValue(Database& db, F&& fn) {
  return ValueOf(db, &Database::WriteStatement, fn);
}

// Applies the dialect's migrations not yet recorded in schema_migrations, each
// in its own transaction. Applying twice is a no-op. Returns how many ran.
Result<int> Migrate(Database& db);
// The same with an explicit list (tests, tools); `migrations` may be in any
// order. REQUIRES: versions are distinct.
Result<int> Migrate(Database& db, const std::vector<Migration>& migrations);

}  // namespace analytics::storage
