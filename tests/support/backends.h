// The backends a test runs on (STYLE: one contract test per interface, run
// on every backend). SQLite + the in-process cache always; PostgreSQL + Redis
// when ANALYTICS_TEST_POSTGRES_URL and ANALYTICS_TEST_REDIS_URL are set (see
// scripts/test-services.sh). With ANALYTICS_TEST_REQUIRE_ALL_BACKENDS=1 (CI),
// a missing backend fails the tests instead of being left out.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace analytics::test {

enum class Backend { kSqliteMemory, kPostgresRedis };

// Every backend. Test suites instantiate all of them at discovery time (when
// ctest lists the tests, before any service runs); a test on a backend whose
// services are not configured skips, or fails under
// ANALYTICS_TEST_REQUIRE_ALL_BACKENDS=1 (see ANALYTICS_REQUIRE_BACKEND).
std::vector<Backend> ConfiguredBackends();
// True when the services `backend` needs are configured.
bool BackendAvailable(Backend backend);
bool RequireAllBackends();
// "SqliteMemory" / "PostgresRedis", for test names.
std::string BackendName(Backend backend);
// BackendName of a TEST_P's parameter, for INSTANTIATE_TEST_SUITE_P:
//   INSTANTIATE_TEST_SUITE_P(AllBackends, Suite, ValuesIn(ConfiguredBackends()), BackendParamName);
inline std::string BackendParamName(const ::testing::TestParamInfo<Backend>& info) {
  return BackendName(info.param);
}

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

// In a fixture's SetUp (or a test body): skip a test whose backend is not
// configured — or fail it when every backend is required (CI).
#define ANALYTICS_REQUIRE_BACKEND(backend)                                              \
  do {                                                                                  \
    if (!::analytics::test::BackendAvailable(backend)) {                                \
      if (::analytics::test::RequireAllBackends()) {                                    \
        FAIL() << ::analytics::test::BackendName(backend)                               \
               << " is required (ANALYTICS_TEST_REQUIRE_ALL_BACKENDS=1) but "           \
                  "ANALYTICS_TEST_POSTGRES_URL / ANALYTICS_TEST_REDIS_URL are not set"; \
      }                                                                                 \
      GTEST_SKIP() << ::analytics::test::BackendName(backend)                           \
                   << ": set ANALYTICS_TEST_POSTGRES_URL and ANALYTICS_TEST_REDIS_URL " \
                      "(scripts/run-tests.sh does)";                                    \
    }                                                                                   \
  } while (false)
