#include "users/token_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace analytics::users {
namespace {

using std::chrono::seconds;

Time Start() { return Time{} + std::chrono::hours(24 * 20'000); }

TokenCacheOptions Options(std::size_t max_entries, std::size_t shards = 4,
                          seconds max_age = seconds(300)) {
  TokenCacheOptions options;
  options.max_entries = max_entries;
  options.shards = shards;
  options.max_age = max_age;
  return options;
}

TEST(TokenCache, FindsWhatWasInserted) {
  FakeClock clock(Start());
  TokenCache cache(clock, Options(100));

  cache.Insert("hash1", "u1", cache.generation());

  EXPECT_EQ(cache.Find("hash1"), "u1");
  EXPECT_EQ(cache.Find("hash2"), std::nullopt);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(TokenCache, EntryIsAMissOnceMaxAgeHasPassed) {
  FakeClock clock(Start());
  TokenCache cache(clock, Options(100, 4, seconds(300)));
  cache.Insert("hash1", "u1", cache.generation());

  clock.Advance(seconds(299));
  EXPECT_EQ(cache.Find("hash1"), "u1");
  clock.Advance(seconds(1));

  EXPECT_EQ(cache.Find("hash1"), std::nullopt);
  EXPECT_EQ(cache.size(), 0u);  // removed when seen
}

TEST(TokenCache, ClockGoingBackIsAMiss) {
  FakeClock clock(Start());
  TokenCache cache(clock, Options(100));
  cache.Insert("hash1", "u1", cache.generation());

  clock.Set(Start() - seconds(1));

  EXPECT_EQ(cache.Find("hash1"), std::nullopt);
}

TEST(TokenCache, InvalidateAllDropsEveryEntry) {
  FakeClock clock(Start());
  TokenCache cache(clock, Options(100));
  for (int i = 0; i < 20; ++i) {
    cache.Insert("hash" + std::to_string(i), "u" + std::to_string(i), cache.generation());
  }

  cache.InvalidateAll();

  EXPECT_EQ(cache.size(), 0u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(cache.Find("hash" + std::to_string(i)), std::nullopt);
}

// A database read that began before the invalidation must not land after it.
TEST(TokenCache, InsertUnderAnOldGenerationIsDropped) {
  FakeClock clock(Start());
  TokenCache cache(clock, Options(100));
  const TokenCache::Generation before = cache.generation();

  cache.InvalidateAll();
  cache.Insert("hash1", "u1", before);

  EXPECT_EQ(cache.Find("hash1"), std::nullopt);
  cache.Insert("hash1", "u1", cache.generation());
  EXPECT_EQ(cache.Find("hash1"), "u1");
}

TEST(TokenCache, StaysWithinItsBoundAndKeepsTheNewestEntry) {
  FakeClock clock(Start());
  TokenCache cache(clock, Options(10, 2));

  for (int i = 0; i < 1000; ++i) {
    const std::string hash = "hash" + std::to_string(i);
    cache.Insert(hash, "u", cache.generation());
    ASSERT_LE(cache.size(), 10u) << i;
    ASSERT_EQ(cache.Find(hash), "u") << i;
  }
}

// A full shard makes room by evicting part of itself, not everything.
TEST(TokenCache, AFullShardKeepsMostOfItsEntries) {
  FakeClock clock(Start());
  TokenCache cache(clock, Options(80, 1));
  for (int i = 0; i < 80; ++i) cache.Insert("hash" + std::to_string(i), "u", cache.generation());
  ASSERT_EQ(cache.size(), 80u);

  cache.Insert("one more", "u", cache.generation());

  EXPECT_EQ(cache.size(), 80u - 10u + 1u);
  EXPECT_EQ(cache.Find("one more"), "u");
  int kept = 0;
  for (int i = 0; i < 80; ++i) kept += cache.Find("hash" + std::to_string(i)).has_value() ? 1 : 0;
  EXPECT_EQ(kept, 70);
}

TEST(TokenCache, ReinsertingAKeyDoesNotEvict) {
  FakeClock clock(Start());
  TokenCache cache(clock, Options(2, 1));
  cache.Insert("a", "u1", cache.generation());
  cache.Insert("b", "u2", cache.generation());

  cache.Insert("a", "u1", cache.generation());

  EXPECT_EQ(cache.Find("a"), "u1");
  EXPECT_EQ(cache.Find("b"), "u2");
}

// Run under ASan/TSan-style tooling: many readers and writers plus
// invalidations; an entry found is always the one inserted for that hash.
TEST(TokenCache, ConcurrentUseStaysConsistent) {
  FakeClock clock(Start());
  TokenCache cache(clock, Options(64, 4));
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20'000; ++i) {
        const int n = (i * 7 + t) % 200;
        const std::string hash = "hash" + std::to_string(n);
        if (auto user = cache.Find(hash)) {
          if (*user != "u" + std::to_string(n)) ++wrong;
        } else {
          cache.Insert(hash, "u" + std::to_string(n), cache.generation());
        }
      }
    });
  }
  std::thread invalidator([&] {
    while (!stop.load()) {
      cache.InvalidateAll();
      std::this_thread::yield();
    }
  });
  for (auto& thread : threads) thread.join();
  stop = true;
  invalidator.join();

  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(cache.size(), 64u);
}

}  // namespace
}  // namespace analytics::users
