// A database, cache, services and JobRunner on one backend, with a FakeClock.
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
#include "tasks/task_service.h"
#include "users/user_service.h"

namespace analytics::test {

class JobsTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    ANALYTICS_REQUIRE_BACKEND(GetParam());
    lease_ = std::make_unique<BackendLease>(GetParam(), dir_);
    config_.database.url = lease_->database_url();
    config_.cache.url = lease_->cache_url();
    config_.jobs.log_dir = dir_.File("jobs");
    auto db = storage::OpenDatabase(config_.database);
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(*db);
    auto migrated = storage::Migrate(*db_);
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;
    auto cache = cache::OpenCache(config_.cache, clock_);
    ASSERT_TRUE(cache.ok()) << cache.error().message;
    cache_ = std::move(*cache);
    users_ = std::make_unique<users::UserService>(*db_, clock_, "admin");
    tasks_ = std::make_unique<tasks::TaskService>(*db_, *cache_, clock_);
    stats_ = std::make_unique<stats::StatsService>(*db_, *cache_, clock_, config_.cache);
    runner_ =
        std::make_unique<jobs::JobRunner>(jobs::JobEnv{*db_, *cache_, *stats_, clock_, config_});
  }

  tasks::WriteContext Admin() const { return {model::Caller{true, {}}, "jobs-test"}; }

  TempDir dir_;
  std::unique_ptr<BackendLease> lease_;
  config::Config config_;
  FakeClock clock_{*ParseTime("2025-06-15T12:00:00Z")};
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<cache::Cache> cache_;
  std::unique_ptr<users::UserService> users_;
  std::unique_ptr<tasks::TaskService> tasks_;
  std::unique_ptr<stats::StatsService> stats_;
  std::unique_ptr<jobs::JobRunner> runner_;
};

}  // namespace analytics::test
