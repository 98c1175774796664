#include "storage/postgres/postgres_database.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "base/check.h"
#include "storage/postgres/postgres_connection.h"
#include "storage/postgres/postgres_error.h"
#include "storage/postgres/postgres_pool.h"
#include "storage/run_work.h"

namespace analytics::storage {
namespace {

// The idle-in-transaction timeout is a safety net for a stuck client, never
// the normal path: well above the statement timeout.
constexpr std::chrono::milliseconds kMinIdleInTransactionTimeout{10'000};

// The databases in whose InTransaction this thread is, to catch nesting.
thread_local std::vector<const PostgresDatabase*> writing_databases;

bool IsWriting(const PostgresDatabase* db) {
  return std::find(writing_databases.begin(), writing_databases.end(), db) !=
         writing_databases.end();
}

}  // namespace

std::string PostgresDialect::DayOf(std::string_view column) const {
  return "to_char(CAST(" + std::string(column) + " AS timestamptz) AT TIME ZONE 'UTC', " +
         "'YYYY-MM-DD')";
}

Dialect::ViewRefresh PostgresDialect::RefreshViews() const {
  return ViewRefresh{{"REFRESH MATERIALIZED VIEW CONCURRENTLY user_task_stats",
                      "REFRESH MATERIALIZED VIEW CONCURRENTLY user_priority_distribution",
                      "REFRESH MATERIALIZED VIEW CONCURRENTLY user_status_distribution",
                      "REFRESH MATERIALIZED VIEW CONCURRENTLY user_monthly_trends"},
                     false};
}

std::vector<std::string> PostgresDialect::MaintenanceStatements() const {
  return {"VACUUM ANALYZE tasks", "VACUUM ANALYZE daily_analytics", "VACUUM ANALYZE audit_log",
          "ANALYZE"};
}

// A connection borrowed for one call, handed back (or closed) on every path.
class PostgresDatabase::Lease {
 public:
  Lease(PostgresPool& pool, std::unique_ptr<PostgresConnection> connection)
      : pool_(pool), connection_(std::move(connection)) {}
  ~Lease() {
    // Whatever happened, no session stays in a transaction: roll back what is
    // open; Release closes the connection if it is still not idle.
    connection_->Rollback();
    pool_.Release(std::move(connection_));
  }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  PostgresConnection& connection() { return *connection_; }

 private:
  PostgresPool& pool_;
  std::unique_ptr<PostgresConnection> connection_;
};

Result<std::unique_ptr<PostgresDatabase>> PostgresDatabase::Open(
    const config::DatabaseOptions& options) {
  PoolOptions pool;
  pool.url = options.url;
  pool.session.statement_timeout = options.statement_timeout;
  pool.session.idle_in_transaction_timeout =
      std::max(2 * options.statement_timeout, kMinIdleInTransactionTimeout);
  pool.pool_size = std::max(options.pool_size, 1);
  pool.max_overflow = std::max(options.max_overflow, 0);
  pool.pool_timeout = options.pool_timeout;
  pool.pre_ping = options.pool_pre_ping;
  pool.recycle = options.pool_recycle;
  std::unique_ptr<PostgresDatabase> db(new PostgresDatabase(
      std::make_unique<PostgresPool>(std::move(pool)), UrlWithoutPassword(options.url)));
  Result<std::unique_ptr<PostgresConnection>> first = db->pool_->Acquire();
  if (!first.ok()) return first.error();
  db->pool_->Release(std::move(*first));
  return db;
}

PostgresDatabase::PostgresDatabase(std::unique_ptr<PostgresPool> pool, std::string description)
    : BackendDatabase(std::move(description)), pool_(std::move(pool)) {}

PostgresDatabase::~PostgresDatabase() = default;

Result<void> PostgresDatabase::RunTransaction(std::string_view begin, const Work& work) {
  Result<std::unique_ptr<PostgresConnection>> connection = pool_->Acquire();
  if (!connection.ok()) return connection.error();
  Lease lease(*pool_, std::move(*connection));
  ANALYTICS_RETURN_IF_ERROR(lease.connection().Begin(begin));
  Result<void> result = RunWork(work, lease.connection());
  if (result.ok()) return lease.connection().Commit();
  return result;  // the lease rolls back
}

namespace {

// Marks this thread as writing to `db` while it lives.
struct Writing {
  explicit Writing(const PostgresDatabase* db) { writing_databases.push_back(db); }
  ~Writing() { writing_databases.pop_back(); }
};

}  // namespace

Result<void> PostgresDatabase::InTransaction(const Work& work) {
  ANALYTICS_CHECK(!IsWriting(this)) << "InTransaction called inside InTransaction";
  Writing writing(this);
  return RunTransaction("BEGIN", work);
}

Result<void> PostgresDatabase::WriteStatement(const Work& work) {
  ANALYTICS_CHECK(!IsWriting(this)) << "WriteStatement called inside InTransaction";
  Writing writing(this);
  return ReadStatement(work);
}

Result<void> PostgresDatabase::Read(const Work& work) {
  return RunTransaction("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", work);
}

Result<void> PostgresDatabase::ReadStatement(const Work& work) {
  Result<std::unique_ptr<PostgresConnection>> connection = pool_->Acquire();
  if (!connection.ok()) return connection.error();
  Lease lease(*pool_, std::move(*connection));
  return RunWork(work, lease.connection());
}

Result<void> PostgresDatabase::ExecuteOutsideTransaction(std::string_view sql) {
  ANALYTICS_CHECK(!IsWriting(this)) << "ExecuteOutsideTransaction called inside InTransaction";
  Result<std::unique_ptr<PostgresConnection>> connection = pool_->Acquire();
  if (!connection.ok()) return connection.error();
  Lease lease(*pool_, std::move(*connection));
  PostgresConnection& session = lease.connection();
  ANALYTICS_RETURN_IF_ERROR(session.ExecuteScript("SET statement_timeout = 0"));
  Result<void> result = session.ExecuteScript(sql);
  // Back to the session's configured timeout; if that fails the connection
  // is not trusted any more.
  if (!session.ExecuteScript("RESET statement_timeout").ok()) session.Discard();
  return result;
}

Result<void> PostgresDatabase::Ping() {
  Result<std::unique_ptr<PostgresConnection>> connection = pool_->Acquire();
  if (!connection.ok()) return Unavailable(connection.error().message);
  Lease lease(*pool_, std::move(*connection));
  Result<std::vector<Row>> rows = lease.connection().Query("SELECT 1");
  if (!rows.ok()) return Unavailable(rows.error().message);
  return Ok();
}

PoolStats PostgresDatabase::pool_stats() const { return pool_->stats(); }

}  // namespace analytics::storage
