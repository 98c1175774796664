// A pool of connections to one database, PostgreSQL or SQLite. Repositories
// use only this interface and write their SQL once ($1, $2… placeholders,
// RETURNING, ON CONFLICT, TRUE/FALSE work on both); backend differences live
// in Dialect.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/time.h"
#include "storage/value.h"

namespace analytics::storage {

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
  // Whether one parameter can carry a whole column of values (PostgreSQL: an
  // array literal from ArrayParam, cast as `$n::text[]` and read back with
  // unnest), so that bulk writes run a fixed number of statements however
  // many rows they write. Otherwise repositories write row by row.
  virtual bool SupportsArrayParams() const { return false; }
  // `values` as one array parameter. Every element is of one Value type, or
  // NULL. REQUIRES: SupportsArrayParams() (CHECK-fails otherwise).
  virtual std::string ArrayParam(const std::vector<Value>& values) const;
  // Whether Transaction::CopyFrom works (PostgreSQL's COPY … FROM STDIN): the
  // fastest way to load many rows, which bulk writes then use.
  virtual bool SupportsCopy() const { return false; }
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
  // Loads rows with `copy_sql` ("COPY table (columns) FROM STDIN"), where the
  // dialect SupportsCopy. `fill` appends rows in COPY's text format
  // (CopyRow) to the buffer it is given and returns whether more follow;
  // each part it fills is sent before the next is asked for, so the database
  // stores rows while the caller formats more. Returns the rows loaded.
  // Errors: as Execute; kInternal where the backend has no COPY.
  virtual Result<std::int64_t> CopyFrom(std::string_view copy_sql,
                                        const std::function<bool(std::string&)>& fill);
};

// How much COPY text a CopyFrom `fill` adds before it returns.
inline constexpr std::size_t kCopyPartBytes = 64 * 1024;
// Bulk writes of fewer rows go row by row: a COPY is not a prepared statement
// and costs two round trips, ~0.5 ms each even for one row, where a prepared
// INSERT takes ~0.05 ms.
inline constexpr std::size_t kMinCopyRows = 16;

// Writes one row of COPY's text format: fields separated by tabs, NULL as
// \N, backslash, tab, newline and carriage return escaped; End() ends it.
class CopyRow {
 public:
  explicit CopyRow(std::string& out) : out_(out) {}
  CopyRow& Text(std::string_view text);
  CopyRow& Int(std::int64_t value);
  CopyRow& Bool(bool value) { return Raw(value ? "t" : "f"); }
  CopyRow& At(Time time);  // a timestamptz
  CopyRow& Null() { return Raw("\\N"); }
  CopyRow& OptionalText(const std::optional<std::string>& text) {
    return text ? Text(*text) : Null();
  }
  CopyRow& OptionalAt(const std::optional<Time>& time) { return time ? At(*time) : Null(); }
  void End() { out_ += '\n'; }

 private:
  CopyRow& Raw(std::string_view text);
  std::string& out_;
  bool first_ = true;
};

using Work = std::function<Result<void>(Transaction&)>;

struct PoolStats {
  int in_use = 0;
  int idle = 0;
  int max = 0;
};

// Thread-safe.
class Database {
 public:
  virtual ~Database() = default;
  // Runs `work` in one read-write transaction: commits if it returns ok,
  // otherwise rolls back and returns its error. Returns kUnavailable if no
  // connection could be had within the pool timeout or the database is down.
  virtual Result<void> InTransaction(const Work& work) = 0;
  // Runs `work` in a read-only transaction over one consistent snapshot.
  virtual Result<void> Read(const Work& work) = 0;
  // Read for `work` that issues exactly one statement: that statement sees
  // one snapshot by itself, so a backend may skip BEGIN and COMMIT (two
  // round trips on PostgreSQL). By default, Read.
  virtual Result<void> ReadStatement(const Work& work) { return Read(work); }
  // InTransaction for `work` that issues exactly one statement: one statement
  // is atomic by itself, so a backend may skip BEGIN and COMMIT. By default,
  // InTransaction.
  virtual Result<void> WriteStatement(const Work& work) { return InTransaction(work); }
  // Runs one statement outside any transaction (VACUUM, REFRESH … CONCURRENTLY).
  virtual Result<void> ExecuteOutsideTransaction(std::string_view sql) = 0;
  // Checks that the database answers. Errors: kUnavailable.
  virtual Result<void> Ping() = 0;
  virtual PoolStats pool_stats() const = 0;
  virtual const Dialect& dialect() const = 0;
  // The URL with any password removed, for logs.
  virtual std::string description() const = 0;
};

// Applies the dialect's migrations not yet recorded in schema_migrations, each
// in its own transaction. Applying twice is a no-op. Returns how many ran.
Result<int> Migrate(Database& db);
// The same with an explicit list (tests, tools); `migrations` may be in any
// order. REQUIRES: versions are distinct.
Result<int> Migrate(Database& db, const std::vector<Migration>& migrations);

}  // namespace analytics::storage
