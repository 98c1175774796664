// Cache::GetAsync, the HTTP fast path's read: MemoryCache answers at once;
// RedisCache through its GET batcher against a real Redis. A hit counts as a
// hit; a miss counts nothing (the caller falls back to Get, which counts it).
// Every callback runs exactly once, promptly even while Redis is down, and an
// invalidation Redis missed is replayed before GetAsync reads again.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "cache/keys.h"
#include "cache/memory_cache.h"
#include "cache/redis/redis_cache.h"
#include "redis_test_support.h"

namespace analytics::cache {
namespace {

using redistest::Answers;
using redistest::Fill;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// One GetAsync, waited for.
std::optional<std::string> AwaitGet(Cache& cache, const std::string& key,
                                    milliseconds limit = milliseconds(5000)) {
  Answers answers(1);
  cache.GetAsync(key, answers.For(0));
  EXPECT_TRUE(answers.WaitAll(limit)) << "GetAsync(" << key << ") not answered";
  return answers.value(0);
}

// --- MemoryCache ------------------------------------------------------------

Time Start() { return Time{} + std::chrono::hours(24 * 20'000); }

config::CacheOptions MemoryOptions() {
  config::CacheOptions options;
  options.memory_max_entries = 100;
  return options;
}

TEST(MemoryCacheGetAsync, HitAnswersAtOnceAndCountsAHit) {
  FakeClock clock(Start());
  MemoryCache cache(MemoryOptions(), clock);
  Fill(cache, "u1", OverviewKey("u1"), "{\"a\":1}");
  const CacheStats before = cache.Stats();

  bool called = false;
  std::optional<std::string> got;
  cache.GetAsync(OverviewKey("u1"), [&](std::optional<std::string> value) {
    called = true;  // on this thread, before GetAsync returns
    got = std::move(value);
  });

  EXPECT_TRUE(called);
  EXPECT_EQ(got, "{\"a\":1}");
  const CacheStats after = cache.Stats();
  EXPECT_EQ(after.hits, before.hits + 1);
  EXPECT_EQ(after.misses, before.misses);
}

TEST(MemoryCacheGetAsync, MissAnswersNulloptAndCountsNothing) {
  FakeClock clock(Start());
  MemoryCache cache(MemoryOptions(), clock);
  Fill(cache, "u1", OverviewKey("u1"), "v");
  const CacheStats before = cache.Stats();

  int calls = 0;
  std::optional<std::string> got = "sentinel";
  cache.GetAsync(OverviewKey("u2"), [&](std::optional<std::string> value) {
    ++calls;
    got = std::move(value);
  });

  EXPECT_EQ(calls, 1);
  EXPECT_EQ(got, std::nullopt);
  const CacheStats after = cache.Stats();
  EXPECT_EQ(after.hits, before.hits);
  EXPECT_EQ(after.misses, before.misses);
}

TEST(MemoryCacheGetAsync, ExpiredAndInvalidatedEntriesAreMisses) {
  FakeClock clock(Start());
  MemoryCache cache(MemoryOptions(), clock);
  cache.Put(OverviewKey("u1"), "short", std::chrono::seconds(10), cache.BeginCompute("u1"));
  Fill(cache, "u2", OverviewKey("u2"), "v2");

  clock.Advance(std::chrono::seconds(11));
  cache.InvalidateUser("u2");

  EXPECT_EQ(AwaitGet(cache, OverviewKey("u1")), std::nullopt);
  EXPECT_EQ(AwaitGet(cache, OverviewKey("u2")), std::nullopt);
  EXPECT_EQ(cache.Stats().hits, 0u);
}

// --- RedisCache on the shared test Redis -----------------------------------

class RedisGetAsyncTest : public testing::Test {
 protected:
  void SetUp() override {
    ANALYTICS_REQUIRE_REDIS();
    db_ = std::make_unique<redistest::LeasedDb>();
    cache_ = std::make_unique<RedisCache>(db_->options());
  }

  std::unique_ptr<redistest::LeasedDb> db_;
  std::unique_ptr<RedisCache> cache_;
};

TEST_F(RedisGetAsyncTest, HitCountsAHitAndMissCountsNothing) {
  Fill(*cache_, "u1", OverviewKey("u1"), "{\"o\":1}");
  ASSERT_EQ(db_->Raw({"GET", OverviewKey("u1")}).text, "{\"o\":1}");
  const CacheStats before = cache_->Stats();

  EXPECT_EQ(AwaitGet(*cache_, OverviewKey("u1")), "{\"o\":1}");
  const CacheStats after_hit = cache_->Stats();
  EXPECT_EQ(after_hit.hits, before.hits + 1);
  EXPECT_EQ(after_hit.misses, before.misses);

  EXPECT_EQ(AwaitGet(*cache_, OverviewKey("u2")), std::nullopt);
  const CacheStats after_miss = cache_->Stats();
  EXPECT_EQ(after_miss.hits, after_hit.hits);
  EXPECT_EQ(after_miss.misses, after_hit.misses);

  // The caller's fallback counts the miss, once.
  EXPECT_EQ(cache_->Get(OverviewKey("u2")), std::nullopt);
  EXPECT_EQ(cache_->Stats().misses, after_hit.misses + 1);
}

TEST_F(RedisGetAsyncTest, SeesInvalidationsAndOtherInstancesWrites) {
  RedisCache other(db_->options());
  Fill(other, "u1", OverviewKey("u1"), "from other");
  EXPECT_EQ(AwaitGet(*cache_, OverviewKey("u1")), "from other");

  other.InvalidateUser("u1");
  EXPECT_EQ(AwaitGet(*cache_, OverviewKey("u1")), std::nullopt);
}

TEST_F(RedisGetAsyncTest, ManyConcurrentReadsEachAnsweredOnceWithTheirValue) {
  constexpr int kKeys = 100, kThreads = 8, kPerThread = 250;  // 2000 reads
  auto key = [](int k) { return StatKey("task_totals", "user" + std::to_string(k)); };
  for (int k = 0; k < kKeys; ++k) {
    Fill(*cache_, "user" + std::to_string(k), key(k), "value-" + std::to_string(k));
  }
  const CacheStats before = cache_->Stats();
  Answers answers(kThreads * kPerThread);

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const int n = t * kPerThread + i;
        cache_->GetAsync(key(n % kKeys), answers.For(static_cast<std::size_t>(n)));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_TRUE(answers.WaitAll(milliseconds(10000))) << answers.total() << " of 2000 answered";
  std::this_thread::sleep_for(milliseconds(50));  // room for a wrong second answer

  for (int n = 0; n < kThreads * kPerThread; ++n) {
    const auto i = static_cast<std::size_t>(n);
    ASSERT_EQ(answers.count(i), 1) << n;
    ASSERT_EQ(answers.value(i), "value-" + std::to_string(n % kKeys)) << n;
  }
  EXPECT_EQ(cache_->Stats().hits, before.hits + kThreads * kPerThread);
  EXPECT_EQ(cache_->Stats().misses, before.misses);
}

// Destroyed with reads still queued: each is answered (a value or nullopt),
// once, before the destructor returns.
TEST_F(RedisGetAsyncTest, DestructionWithQueuedReadsAnswersThem) {
  Fill(*cache_, "u1", OverviewKey("u1"), "v");
  constexpr std::size_t kReads = 1000;
  Answers answers(kReads);
  for (std::size_t i = 0; i < kReads; ++i) cache_->GetAsync(OverviewKey("u1"), answers.For(i));
  cache_.reset();

  EXPECT_EQ(answers.total(), kReads);
  for (std::size_t i = 0; i < kReads; ++i) {
    ASSERT_EQ(answers.count(i), 1) << i;
    const std::optional<std::string> value = answers.value(i);
    if (value) {
      EXPECT_EQ(*value, "v") << i;
    }
  }
}

// --- RedisCache on a private Redis that the test stops ---------------------

class RedisGetAsyncOutageTest : public testing::Test {
 protected:
  void SetUp() override {
    ANALYTICS_REQUIRE_REDIS();
    redis_ = std::make_unique<redistest::PrivateRedis>();
    ASSERT_TRUE(redis_->Start()) << "cannot start redis-server on port " << redis_->port();
  }

  // Polls healthy() (which reconnects once the backoff allows) until true.
  static bool WaitHealthy(Cache& cache, milliseconds limit) {
    const auto deadline = SteadyClock::now() + limit;
    while (SteadyClock::now() < deadline) {
      if (cache.healthy()) return true;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return cache.healthy();
  }

  std::unique_ptr<redistest::PrivateRedis> redis_;
};

TEST_F(RedisGetAsyncOutageTest, StoppedRedisAnswersEveryReadWithNulloptPromptly) {
  RedisCache cache(redis_->Options("?timeout_ms=150&backoff_initial_ms=1000&backoff_max_ms=1000"));
  Fill(cache, "u1", OverviewKey("u1"), "v");
  ASSERT_EQ(AwaitGet(cache, OverviewKey("u1")), "v");
  const CacheStats before = cache.Stats();

  ASSERT_TRUE(redis_->Stop());
  constexpr std::size_t kReads = 400;
  Answers answers(kReads);
  const auto start = SteadyClock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = t; i < kReads; i += 4) cache.GetAsync(OverviewKey("u1"), answers.For(i));
    });
  }
  for (std::thread& thread : threads) thread.join();
  const bool all = answers.WaitAll(milliseconds(3000));
  const auto took = SteadyClock::now() - start;

  ASSERT_TRUE(all) << answers.total() << " of " << kReads << " answered within 3 s";
  EXPECT_LT(took, milliseconds(1500));
  for (std::size_t i = 0; i < kReads; ++i) {
    EXPECT_EQ(answers.count(i), 1) << i;
    EXPECT_EQ(answers.value(i), std::nullopt) << i;
  }
  EXPECT_EQ(cache.Stats().hits, before.hits);
  EXPECT_FALSE(cache.healthy());
}

// SIGSTOP: connections stay open but nothing answers; the first batch times
// out, the rest are answered at once during the backoff.
TEST_F(RedisGetAsyncOutageTest, StalledRedisAnswersEveryReadWithinTheTimeout) {
  RedisCache cache(redis_->Options("?timeout_ms=150&backoff_initial_ms=1000&backoff_max_ms=1000"));
  Fill(cache, "u1", OverviewKey("u1"), "v");
  ASSERT_EQ(AwaitGet(cache, OverviewKey("u1")), "v");

  redis_->Signal("STOP");
  constexpr std::size_t kReads = 300;
  Answers answers(kReads);
  const auto start = SteadyClock::now();
  for (std::size_t i = 0; i < kReads; ++i) cache.GetAsync(OverviewKey("u1"), answers.For(i));
  const bool all = answers.WaitAll(milliseconds(3000));
  const auto took = SteadyClock::now() - start;
  redis_->Signal("CONT");

  ASSERT_TRUE(all) << answers.total() << " of " << kReads << " answered within 3 s";
  EXPECT_LT(took, milliseconds(1500));
  for (std::size_t i = 0; i < kReads; ++i) EXPECT_EQ(answers.count(i), 1) << i;

  EXPECT_TRUE(WaitHealthy(cache, milliseconds(3000)));
  EXPECT_EQ(AwaitGet(cache, OverviewKey("u1")), "v");
}

TEST_F(RedisGetAsyncOutageTest, NeverReachableRedisAnswersAtOnce) {
  ASSERT_TRUE(redis_->Stop());
  RedisCache cache(redis_->Options("?connect_timeout_ms=100&timeout_ms=150"));
  Answers answers(100);
  const auto start = SteadyClock::now();
  for (std::size_t i = 0; i < 100; ++i) cache.GetAsync("analytics:overview:u1", answers.For(i));

  ASSERT_TRUE(answers.WaitAll(milliseconds(3000))) << answers.total() << " of 100 answered";
  EXPECT_LT(SteadyClock::now() - start, milliseconds(1500));
  for (std::size_t i = 0; i < 100; ++i) EXPECT_EQ(answers.value(i), std::nullopt);
}

// A write's invalidation that Redis never got (stalled) is replayed before
// GetAsync reads again: the value cached before the write is never served.
TEST_F(RedisGetAsyncOutageTest, PendingInvalidationIsReplayedBeforeAnAsyncRead) {
  const std::string query = "?timeout_ms=150&backoff_initial_ms=500&backoff_max_ms=500";
  RedisCache cache(redis_->Options(query));
  RedisCache other(redis_->Options(query));
  Fill(cache, "u1", OverviewKey("u1"), "before the write");
  Fill(cache, "u1", StatKey("completion_rate", "u1"), "stat before the write");
  Fill(cache, "u2", OverviewKey("u2"), "other user");
  ASSERT_EQ(AwaitGet(cache, OverviewKey("u1")), "before the write");

  redis_->Signal("STOP");
  EXPECT_EQ(AwaitGet(cache, OverviewKey("u2")), std::nullopt);  // times out: the pool is down
  cache.InvalidateUser("u1");                                   // in backoff: remembered
  redis_->Signal("CONT");

  // Redis kept the data and never heard of the invalidation.
  EXPECT_EQ(other.Get(OverviewKey("u1")), "before the write");
  // Read through GetAsync only, until Redis answers again: never the old value.
  const auto deadline = SteadyClock::now() + std::chrono::seconds(5);
  bool served_other_user = false;
  while (SteadyClock::now() < deadline && !served_other_user) {
    const std::optional<std::string> u1 = AwaitGet(cache, OverviewKey("u1"));
    EXPECT_NE(u1, "before the write");
    const std::optional<std::string> stat = AwaitGet(cache, StatKey("completion_rate", "u1"));
    EXPECT_NE(stat, "stat before the write");
    served_other_user = AwaitGet(cache, OverviewKey("u2")) == "other user";
    if (!served_other_user) std::this_thread::sleep_for(milliseconds(20));
  }
  ASSERT_TRUE(served_other_user) << "Redis never came back for GetAsync";
  EXPECT_EQ(AwaitGet(cache, OverviewKey("u1")), std::nullopt);
  EXPECT_EQ(other.Get(OverviewKey("u1")), std::nullopt);  // the replay reached Redis
}

// Destroying the cache while Redis stalls with reads queued: each is answered
// once and the destructor returns in bounded time.
TEST_F(RedisGetAsyncOutageTest, DestructionWhileStalledAnswersQueuedReads) {
  auto cache = std::make_unique<RedisCache>(
      redis_->Options("?timeout_ms=150&backoff_initial_ms=1000&backoff_max_ms=1000"));
  Fill(*cache, "u1", OverviewKey("u1"), "v");
  redis_->Signal("STOP");
  constexpr std::size_t kReads = 600;
  Answers answers(kReads);
  for (std::size_t i = 0; i < kReads; ++i) cache->GetAsync(OverviewKey("u1"), answers.For(i));

  const auto start = SteadyClock::now();
  cache.reset();
  EXPECT_LT(SteadyClock::now() - start, milliseconds(2000));
  redis_->Signal("CONT");

  EXPECT_EQ(answers.total(), kReads);
  for (std::size_t i = 0; i < kReads; ++i) {
    ASSERT_EQ(answers.count(i), 1) << i;
    EXPECT_EQ(answers.value(i), std::nullopt) << i;
  }
}

}  // namespace
}  // namespace analytics::cache
