// A migrated database, the cache and a JobRunner on one backend, with a
// FakeClock, for the doctor's and the reports' tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "base/clock.h"
#include "cache/open_cache.h"
#include "jobs/runner.h"
#include "stats/stats_service.h"
#include "storage/open_database.h"
#include "support/backends.h"
#include "support/temp_dir.h"

namespace analytics::test {

inline Time At(const char* text) { return ParseTime(text).value(); }

class OpsTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    ANALYTICS_REQUIRE_BACKEND(GetParam());
    lease_ = std::make_unique<BackendLease>(GetParam(), dir_);
    config_.database.url = lease_->database_url();
    config_.cache.url = lease_->cache_url();
    config_.logging.dir = dir_.File("log");
    config_.jobs.log_dir = dir_.File("log/jobs");
    config_.backup.dir = dir_.File("backups");
    auto db = storage::OpenDatabase(config_.database);
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(*db);
    auto migrated = storage::Migrate(*db_);
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;
    auto cache = cache::OpenCache(config_.cache, clock_);
    ASSERT_TRUE(cache.ok()) << cache.error().message;
    cache_ = std::move(*cache);
    stats_ = std::make_unique<stats::StatsService>(*db_, *cache_, clock_, config_.cache);
    runner_ =
        std::make_unique<jobs::JobRunner>(jobs::JobEnv{*db_, *cache_, *stats_, clock_, config_});
  }

  bool postgres() const { return GetParam() == Backend::kPostgresRedis; }

  // Runs `sql` with `params` in one transaction; fails the test on error.
  void Exec(const std::string& sql, const storage::Params& params = {}) {
    auto done = db_->InTransaction([&](storage::Transaction& tx) -> Result<void> {
      auto n = tx.Execute(sql, params);
      if (!n.ok()) return n.error();
      return Ok();
    });
    ASSERT_TRUE(done.ok()) << done.error().message << " in " << sql;
  }

  TempDir dir_;
  std::unique_ptr<BackendLease> lease_;
  config::Config config_;
  FakeClock clock_{At("2025-06-15T12:00:00Z")};
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<cache::Cache> cache_;
  std::unique_ptr<stats::StatsService> stats_;
  std::unique_ptr<jobs::JobRunner> runner_;
};

}  // namespace analytics::test
