// One libpq connection: a deadline-bounded connect, per-connection prepared
// statements, text parameters, and SQLSTATE → ErrorCode mapping. Internal to
// storage/postgres; PostgresPool owns and lends these.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "storage/database.h"
#include "storage/postgres/postgres_write_path.h"
#include "storage/value.h"

struct pg_conn;
struct pg_result;

namespace analytics::storage {

// A non-NULL parameter as the text PostgreSQL reads (timestamptz input for Time).
// REQUIRES: `value` is not NULL.
std::string PostgresParamText(const Value& value);

// What every connection sets on connect (as startup options, so no extra
// round trip): TimeZone=UTC, DateStyle=ISO, these timeouts and the name.
struct SessionSettings {
  std::chrono::milliseconds statement_timeout{5000};
  std::chrono::milliseconds idle_in_transaction_timeout{10000};
  std::string application_name = "analytics";
};

// Not thread-safe: one thread at a time. Its Transaction methods are what the
// work function of InTransaction/Read receives, between BEGIN and COMMIT.
class PostgresConnection final : public Transaction {
 public:
  using Clock = std::chrono::steady_clock;

  // Connects to `url` (a libpq URI or key=value string) without blocking past
  // `deadline` (libpq's own connect_timeout cannot go below 2 s).
  // Errors: kUnavailable (refused, timed out, authentication failed),
  // kInvalidArgument naming database.url when libpq cannot parse `url`.
  static Result<std::unique_ptr<PostgresConnection>> Connect(const std::string& url,
                                                             const SessionSettings& settings,
                                                             Clock::time_point deadline);
  ~PostgresConnection() override;
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  Result<std::vector<Row>> Query(std::string_view sql, const Params& params = {}) override;
  Result<std::int64_t> Execute(std::string_view sql, const Params& params = {}) override;
  // Streams through a cursor (DECLARE … FETCH in batches), so the callback may
  // run other statements on this transaction between rows. REQUIRES: inside a
  // transaction; `sql` is a SELECT or VALUES.
  Result<void> ForEach(std::string_view sql, const Params& params,
                       const std::function<bool(const Row&)>& row_fn) override;
  // Simple-protocol execution (several statements, no parameters).
  Result<void> ExecuteScript(std::string_view sql) override;
  // PostgresWritePath over this connection.
  WritePath& write_path() override { return write_path_; }
  // Loads rows with `copy_sql` ("COPY table (columns) FROM STDIN"). `fill`
  // appends rows in COPY's text format (CopyRow) to the buffer it is given
  // and returns whether more follow; each part it fills is sent before the
  // next is asked for, so the database stores rows while the caller formats
  // more. Returns the rows loaded. Errors: as Execute.
  Result<std::int64_t> CopyFrom(std::string_view copy_sql,
                                const std::function<bool(std::string&)>& fill);

  // Starts a transaction with `begin` ("BEGIN", "BEGIN ISOLATION LEVEL …").
  Result<void> Begin(std::string_view begin);
  // Commits. If a statement failed inside the transaction (so PostgreSQL would
  // turn COMMIT into ROLLBACK), rolls back and returns that statement's error.
  Result<void> Commit();
  // Rolls back if a transaction is open; afterwards the connection is idle or broken.
  void Rollback();

  // True when the connection is up and idle outside any transaction: the only
  // state in which it may go back to the pool.
  bool IsReusable() const;
  // Marks the connection as not reusable (its session state is unknown).
  void Discard() { discarded_ = true; }
  // A cheap liveness check: notices a closed socket without a round trip,
  // then runs an empty query. False means discard it.
  bool Ping();

  Clock::time_point created_at() const { return created_at_; }

 private:
  struct Prepared {
    std::string name;
    int parameters = 0;
  };

  explicit PostgresConnection(pg_conn* conn);
  // The prepared statement for `sql`, preparing it on first use.
  Result<Prepared> Prepare(std::string_view sql);
  // Runs `sql` with `params` through its prepared statement. On success the
  // result is returned to the caller; errors are mapped and logged.
  Result<std::shared_ptr<pg_result>> Run(std::string_view sql, const Params& params);
  // Maps the failure in `result` (nullptr: the connection's own error), logs
  // it with `sql`, and remembers it as the transaction's first error.
  Error Fail(const pg_result* result, std::string_view sql);

  pg_conn* conn_;
  const Clock::time_point created_at_;
  std::unordered_map<std::string, Prepared> prepared_;
  int next_statement_ = 0;
  int open_cursors_ = 0;
  bool discarded_ = false;
  std::optional<Error> transaction_error_;  // the first failure since Begin
  PostgresWritePath write_path_{*this};
};

}  // namespace analytics::storage
