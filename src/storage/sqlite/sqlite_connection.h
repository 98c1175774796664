// One SQLite connection with its prepared-statement cache: runs statements,
// binds $1, $2… parameters by name and turns SQLite result codes into Errors.
// Internal to storage/sqlite; SqliteDatabase owns and pools these.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "storage/database.h"
#include "storage/row_by_row_write_path.h"
#include "storage/value.h"

struct sqlite3;
struct sqlite3_stmt;

namespace analytics::storage {

// Not thread-safe: one thread at a time. Its Transaction methods are what the
// work function of InTransaction/Read receives, between BEGIN and COMMIT.
class SqliteConnection final : public Transaction {
 public:
  enum class Mode { kReadWrite, kReadOnly };

  // Opens `path` (creating the file in kReadWrite mode) with foreign keys on,
  // synchronous=NORMAL and the given busy timeout. kReadOnly connections
  // refuse writes (PRAGMA query_only). A statement (or a whole ExecuteScript)
  // that spends more than `statement_timeout` inside SQLite fails with
  // kUnavailable "statement timeout"; 0 means no limit. Errors: kUnavailable.
  static Result<std::unique_ptr<SqliteConnection>> Open(
      const std::string& path, Mode mode, std::chrono::milliseconds busy_timeout,
      std::chrono::milliseconds statement_timeout = std::chrono::milliseconds(0));
  ~SqliteConnection() override;
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  Result<std::vector<Row>> Query(std::string_view sql, const Params& params = {}) override;
  Result<std::int64_t> Execute(std::string_view sql, const Params& params = {}) override;
  Result<void> ForEach(std::string_view sql, const Params& params,
                       const std::function<bool(const Row&)>& row_fn) override;
  Result<void> ExecuteScript(std::string_view sql) override;

  // Like ExecuteScript, without the statement timeout (maintenance: VACUUM).
  Result<void> ExecuteScriptWithoutTimeout(std::string_view sql);

  // True while a transaction is open on this connection.
  bool InTransaction() const;

  // The SQL that lifts the statement timeout for the rest of the current
  // transaction (SqliteDialect::LiftStatementTimeout): it calls a function
  // every connection registers.
  static constexpr std::string_view kLiftStatementTimeout =
      "SELECT analytics_lift_statement_timeout()";

  // RowByRowWritePath over this connection.
  WritePath& write_path() override { return write_path_; }

 private:
  class Statement;
  class Timed;
  using SteadyClock = std::chrono::steady_clock;

  SqliteConnection(sqlite3* db, std::chrono::milliseconds statement_timeout)
      : db_(db), statement_timeout_(statement_timeout) {}
  // A statement ready to step, with `params` bound. Errors: kInternal.
  Result<Statement> Prepare(std::string_view sql, const Params& params);
  // Runs one statement to its end, or until `row_fn` (when not null) returns
  // false for a row.
  Result<void> Step(std::string_view sql, const Params& params,
                    const std::function<bool(const Row&)>* row_fn);
  Error ErrorFrom(int rc) const;
  // sqlite3_exec of `sql`, under the statement timeout when `timed`.
  Result<void> RunScript(std::string_view sql, bool timed);
  // SQLite's progress handler: non-zero interrupts the running statement.
  static int OnProgress(void* connection);

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
  const std::chrono::milliseconds statement_timeout_;
  // What OnProgress compares against; max() while no statement is timed.
  SteadyClock::time_point deadline_ = SteadyClock::time_point::max();
  // Set by analytics_lift_statement_timeout(); cleared by the first
  // statement that starts outside a transaction.
  bool timeout_lifted_ = false;
  // OnProgress interrupted the latest statement (SQLITE_INTERRUPT is ours).
  bool timed_out_ = false;
  RowByRowWritePath write_path_{*this};
};

}  // namespace analytics::storage
