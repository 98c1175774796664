// The backends a test runs on (STYLE: one contract test per interface, run
// on every backend). SQLite + the in-process cache always; PostgreSQL + Redis
// when ANALYTICS_TEST_POSTGRES_URL and ANALYTICS_TEST_REDIS_URL are set (see
// scripts/test-services.sh). With ANALYTICS_TEST_REQUIRE_ALL_BACKENDS=1 (CI),
// a missing backend fails the tests instead of being left out.
#pragma once

#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace analytics::test {

enum class Backend { kSqliteMemory, kPostgresRedis };

std::vector<Backend> ConfiguredBackends();
// "SqliteMemory" / "PostgresRedis", for test names.
std::string BackendName(Backend backend);

// Exclusive use, for the lease's lifetime, of one database and one cache that
// nobody else touches, both emptied on acquire: a SQLite file in `dir`, or
// one of the PostgreSQL slot databases analytics_test_0..7 (schema dropped and
// recreated) and one Redis logical database (flushed). Parallel test processes
// take different slots (flock on /tmp/analytics-test-slot-N.lock).
// Not thread-safe; one per test.
class BackendLease {
 public:
  BackendLease(Backend backend, const TempDir& dir);
  ~BackendLease();
  BackendLease(const BackendLease&) = delete;
  BackendLease& operator=(const BackendLease&) = delete;

  Backend backend() const { return backend_; }
  const std::string& database_url() const { return database_url_; }
  const std::string& cache_url() const { return cache_url_; }

 private:
  Backend backend_;
  int lock_fd_ = -1;
  std::string database_url_;
  std::string cache_url_;
};

// Runs a shell command; returns its exit status (for psql/redis-cli/scripts).
int RunCommand(const std::string& command);

}  // namespace analytics::test
