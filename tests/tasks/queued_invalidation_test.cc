// A write whose invalidation cannot reach the shared cache is recorded in the
// database, so the invalidation outlives the process that made the write: a
// new process (after a crash) applies it, and no stale number is served past
// that (issue 11, item 9).
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>

#include "base/clock.h"
#include "cache/keys.h"
#include "cache/open_cache.h"
#include "stats/stats_service.h"
#include "storage/open_database.h"
#include "support/backends.h"
#include "support/temp_dir.h"
#include "tasks/task_service.h"

namespace analytics::tasks {
namespace {

// The backend's real cache, except that while `down` its invalidations are
// lost and it reports itself unhealthy, as RedisCache does when Redis is
// unreachable. Reads still see what the real cache holds: another instance
// reading Redis would.
class UnreachableCache final : public cache::Cache {
 public:
  explicit UnreachableCache(cache::Cache& inner) : inner_(inner) {}

  std::atomic<bool> down{false};

  std::optional<std::string> Get(std::string_view key) override { return inner_.Get(key); }
  cache::Ticket BeginCompute(std::string_view user_id) override {
    return inner_.BeginCompute(user_id);
  }
  void Put(std::string_view key, std::string_view value, std::chrono::seconds ttl,
           const cache::Ticket& ticket) override {
    if (!down) inner_.Put(key, value, ttl, ticket);
  }
  void InvalidateUser(std::string_view user_id) override {
    if (!down) inner_.InvalidateUser(user_id);
  }
  void InvalidateUserAndPut(std::string_view user_id, const cache::Ticket& ticket,
                            std::string_view key, std::string_view value,
                            std::chrono::seconds ttl) override {
    if (!down) inner_.InvalidateUserAndPut(user_id, ticket, key, value, ttl);
  }
  void Flush() override { inner_.Flush(); }
  cache::CacheStats Stats() override { return inner_.Stats(); }
  bool healthy() override { return !down && inner_.healthy(); }
  std::string_view name() const override { return inner_.name(); }

 private:
  cache::Cache& inner_;
};

class QueuedInvalidationTest : public ::testing::TestWithParam<test::Backend> {
 protected:
  void SetUp() override {
    ANALYTICS_REQUIRE_BACKEND(GetParam());
    lease_ = std::make_unique<test::BackendLease>(GetParam(), dir_);
    config::DatabaseOptions db_options;
    db_options.url = lease_->database_url();
    auto db = storage::OpenDatabase(db_options);
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(*db);
    ASSERT_TRUE(storage::Migrate(*db_).ok());
    cache_options_.url = lease_->cache_url();
    auto cache = cache::OpenCache(cache_options_, clock_);
    ASSERT_TRUE(cache.ok()) << cache.error().message;
    real_cache_ = std::move(*cache);
    cache_ = std::make_unique<UnreachableCache>(*real_cache_);
    auto done = db_->InTransaction([&](storage::Transaction& tx) -> Result<void> {
      auto user = tx.Execute(
          "INSERT INTO users (id, created_at, token_hash, token_rotated_at) "
          "VALUES ('u', $1, 'hash-u', $1)",
          {clock_.Now()});
      if (!user.ok()) return user.error();
      auto aggregates = tx.Execute("INSERT INTO user_aggregates (user_id) VALUES ('u')");
      if (!aggregates.ok()) return aggregates.error();
      return Ok();
    });
    ASSERT_TRUE(done.ok()) << done.error().message;
  }

  std::int64_t Total(stats::StatsService& stats) {
    auto overview = stats.Overview("u");
    EXPECT_TRUE(overview.ok()) << overview.error().message;
    if (!overview.ok()) return -1;
    const std::string& json = overview->json;
    const std::size_t at = json.find("\"total\":");
    return at == std::string::npos ? -1 : std::stoll(json.substr(at + 8));
  }

  static NewTask Titled(std::string title) {
    NewTask task;
    task.title = std::move(title);
    return task;
  }

  test::TempDir dir_;
  FakeClock clock_{Time{} + std::chrono::hours(24 * 20'000)};
  std::unique_ptr<test::BackendLease> lease_;
  std::unique_ptr<storage::Database> db_;
  config::CacheOptions cache_options_;
  std::unique_ptr<cache::Cache> real_cache_;
  std::unique_ptr<UnreachableCache> cache_;
};

TEST_P(QueuedInvalidationTest, AnInvalidationLostWithTheProcessIsAppliedByTheNextOne) {
  const WriteContext ctx{model::Caller{true, {}}, "req-1"};
  {
    stats::StatsService stats(*db_, *cache_, clock_, cache_options_);
    TaskService tasks(*db_, *cache_, clock_, &stats);
    ASSERT_TRUE(tasks.Create(ctx, "u", Titled("first")).ok());
    ASSERT_EQ(Total(stats), 1);  // cached now
    ASSERT_TRUE(real_cache_->Get(cache::OverviewKey("u")).has_value());

    cache_->down = true;
    ASSERT_TRUE(tasks.Create(ctx, "u", Titled("second")).ok());
    // The shared cache still holds the number from before the write.
    EXPECT_NE(real_cache_->Get(cache::OverviewKey("u"))->find("\"total\":1"), std::string::npos);
  }  // the process that wrote ends here, and whatever it kept in memory with it

  cache_->down = false;
  stats::StatsService next(*db_, *cache_, clock_, cache_options_);
  Result<int> replayed = next.ReplayQueuedInvalidations();

  ASSERT_TRUE(replayed.ok()) << replayed.error().message;
  EXPECT_EQ(*replayed, 1);
  EXPECT_FALSE(real_cache_->Get(cache::OverviewKey("u")).has_value());
  EXPECT_EQ(Total(next), 2);
  EXPECT_EQ(*next.ReplayQueuedInvalidations(), 0) << "a replayed invalidation is forgotten";
}

TEST_P(QueuedInvalidationTest, WhileTheCacheStaysUnreachableTheInvalidationIsKept) {
  const WriteContext ctx{model::Caller{true, {}}, "req-2"};
  stats::StatsService stats(*db_, *cache_, clock_, cache_options_);
  TaskService tasks(*db_, *cache_, clock_, &stats);
  cache_->down = true;
  ASSERT_TRUE(tasks.Create(ctx, "u", Titled("queued")).ok());

  Result<int> still_down = stats.ReplayQueuedInvalidations();
  cache_->down = false;
  Result<int> up = stats.ReplayQueuedInvalidations();

  ASSERT_TRUE(still_down.ok() && up.ok());
  EXPECT_EQ(*still_down, 0);
  EXPECT_EQ(*up, 1);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, QueuedInvalidationTest,
                         ::testing::ValuesIn(test::ConfiguredBackends()),
                         [](const auto& info) { return test::BackendName(info.param); });

}  // namespace
}  // namespace analytics::tasks
