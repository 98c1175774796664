// Shared set-up for the PostgreSQL storage tests: each test gets a fresh
// schema t_<random> in the ANALYTICS_TEST_POSTGRES_URL database (connections
// reach it through ?options=-csearch_path=…), dropped at the end. Without the
// URL the tests skip, or fail when ANALYTICS_TEST_REQUIRE_ALL_BACKENDS=1.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "backend_fixture.h"
#include "config/config.h"
#include "storage/database.h"
#include "storage/postgres/postgres_database.h"

namespace analytics::storage::test {

inline std::string EnvOrEmpty(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

// `url` with one more query parameter.
inline std::string WithParam(const std::string& url, const std::string& param) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + param;
}

inline std::string RandomSuffix() {
  std::random_device seed;
  std::mt19937_64 rng(seed());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string suffix;
  for (int i = 0; i < 12; ++i) suffix += kHex[rng() % 16];
  return suffix;
}

// Skips (or fails under ANALYTICS_TEST_REQUIRE_ALL_BACKENDS=1) when no
// PostgreSQL is configured. Use at the top of a test body or SetUp.
#define ANALYTICS_REQUIRE_POSTGRES()                                                              \
  do {                                                                                            \
    if (::analytics::storage::test::EnvOrEmpty("ANALYTICS_TEST_POSTGRES_URL").empty()) {          \
      if (::analytics::storage::test::EnvOrEmpty("ANALYTICS_TEST_REQUIRE_ALL_BACKENDS") == "1") { \
        FAIL() << "ANALYTICS_TEST_REQUIRE_ALL_BACKENDS=1 but ANALYTICS_TEST_POSTGRES_URL is "     \
                  "not set";                                                                      \
      }                                                                                           \
      GTEST_SKIP() << "ANALYTICS_TEST_POSTGRES_URL is not set (see scripts/test-services.sh)";    \
    }                                                                                             \
  } while (false)

class PostgresTest : public testing::Test, public StorageHelpers {
 protected:
  void SetUp() override {
    ANALYTICS_REQUIRE_POSTGRES();
    base_url_ = EnvOrEmpty("ANALYTICS_TEST_POSTGRES_URL");
    schema_ = "t_" + RandomSuffix();
    admin_ = OpenUrl(base_url_, Options());
    ASSERT_NE(admin_, nullptr);
    ASSERT_TRUE(admin_->ExecuteOutsideTransaction("CREATE SCHEMA " + schema_).ok());
    // Our own application_name, so pg_stat_activity shows only this test's sessions.
    url_ = WithParam(WithParam(base_url_, "options=-csearch_path%3D" + schema_),
                     "application_name=" + schema_);
  }

  void TearDown() override {
    for (auto& db : opened_) db.reset();
    if (admin_ && !schema_.empty()) {
      Result<void> dropped =
          admin_->ExecuteOutsideTransaction("DROP SCHEMA " + schema_ + " CASCADE");
      EXPECT_TRUE(dropped.ok()) << dropped.error().message;
    }
  }

  static config::DatabaseOptions Options(
      int pool_size = 4, int max_overflow = 2,
      std::chrono::milliseconds pool_timeout = std::chrono::milliseconds(5000)) {
    config::DatabaseOptions options;
    options.pool_size = pool_size;
    options.max_overflow = max_overflow;
    options.pool_timeout = pool_timeout;
    return options;
  }

  static std::unique_ptr<PostgresDatabase> OpenUrl(const std::string& url,
                                                   config::DatabaseOptions options) {
    options.url = url;
    auto db = PostgresDatabase::Open(options);
    EXPECT_TRUE(db.ok()) << db.error().message;
    if (!db.ok()) return nullptr;
    return std::move(*db);
  }

  // A database on this test's schema; closed before the schema is dropped.
  // When it cannot be opened (OpenUrl has already reported why), throws, so
  // the test fails there instead of dereferencing a null database.
  PostgresDatabase& Open(config::DatabaseOptions options = Options()) {
    opened_.push_back(OpenUrl(url_, std::move(options)));
    if (opened_.back() == nullptr) throw std::runtime_error("cannot open " + url_);
    return *opened_.back();
  }

  // Sessions of this test's databases in a state like 'idle in transaction%'.
  std::int64_t SessionsInState(const std::string& state_pattern) {
    return Select(*admin_,
                  "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = $1 "
                  "AND state LIKE $2",
                  {schema_, state_pattern})
        .at(0)
        .Int(0);
  }

  std::string base_url_;
  std::string schema_;
  std::string url_;
  std::unique_ptr<PostgresDatabase> admin_;
  std::vector<std::unique_ptr<PostgresDatabase>> opened_;
};

}  // namespace analytics::storage::test
