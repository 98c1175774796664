// The PostgreSQL backend: a pool of libpq connections (postgres_pool.h), one
// transaction per InTransaction/Read. Only storage/open_database.cc and tests
// name it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "config/config.h"
#include "storage/backend_database.h"
#include "storage/database.h"

namespace analytics::storage {

class PostgresConnection;
class PostgresPool;

// The PostgreSQL schema (SPEC §2) as ordered migrations; postgres_migrations.cc.
const std::vector<Migration>& PostgresMigrations();

class PostgresDialect final : public Dialect {
 public:
  std::string_view name() const override { return "postgresql"; }
  const std::vector<Migration>& migrations() const override { return PostgresMigrations(); }
  // to_char(<column> AT TIME ZONE 'UTC', 'YYYY-MM-DD'), the column cast to
  // timestamptz first so that it also applies to a parameter.
  std::string DayOf(std::string_view column) const override;
  // SET LOCAL: the limit comes back at COMMIT or ROLLBACK.
  std::string LiftStatementTimeout() const override { return "SET LOCAL statement_timeout = 0"; }
  // REFRESH MATERIALIZED VIEW CONCURRENTLY, view by view (the runbook's commands).
  ViewRefresh RefreshViews() const override;
  // VACUUM ANALYZE of the busy tables, then ANALYZE (the runbook's maintenance).
  std::vector<std::string> MaintenanceStatements() const override;
};

// Thread-safe. InTransaction runs in BEGIN (READ COMMITTED); Read in BEGIN
// ISOLATION LEVEL REPEATABLE READ, READ ONLY (one snapshot); both end in
// COMMIT or ROLLBACK on every path, and a connection whose state is not known
// to be idle afterwards is closed rather than reused. The session runs with
// TimeZone=UTC, options.statement_timeout and an idle-in-transaction timeout
// of max(2 × statement_timeout, 10 s). pool_stats().max = pool_size + max_overflow.
class PostgresDatabase final : public BackendDatabase<PostgresDialect> {
 public:
  // Opens the pool for options.url and checks one connection (kept in the
  // pool). Errors: kUnavailable when the server cannot be reached within the
  // connect timeout (500 ms) or refuses us; kInvalidArgument naming
  // database.url for a URL libpq cannot parse.
  static Result<std::unique_ptr<PostgresDatabase>> Open(const config::DatabaseOptions& options);
  ~PostgresDatabase() override;

  Result<void> InTransaction(const Work& work) override;
  Result<void> Read(const Work& work) override;
  // In autocommit: the one statement is its own transaction.
  Result<void> ReadStatement(const Work& work) override;
  // In autocommit too.
  Result<void> WriteStatement(const Work& work) override;
  // Runs without the statement timeout: its statements are maintenance
  // (VACUUM, REFRESH … CONCURRENTLY) that may take longer than any request.
  Result<void> ExecuteOutsideTransaction(std::string_view sql) override;
  Result<void> Ping() override;
  PoolStats pool_stats() const override;

 private:
  class Lease;

  PostgresDatabase(std::unique_ptr<PostgresPool> pool, std::string description);
  Result<void> RunTransaction(std::string_view begin, const Work& work);

  const std::unique_ptr<PostgresPool> pool_;
};

}  // namespace analytics::storage
