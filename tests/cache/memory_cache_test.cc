#include "cache/memory_cache.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "cache/keys.h"

namespace analytics::cache {
namespace {

using std::chrono::seconds;

Time Start() { return Time{} + std::chrono::hours(24 * 20'000); }

config::CacheOptions WithMaxEntries(std::size_t max_entries) {
  config::CacheOptions options;
  options.memory_max_entries = max_entries;
  return options;
}

// Puts with a fresh ticket, as a cache-aside reader would.
void Fill(Cache& cache, const std::string& user, const std::string& key, const std::string& value,
          seconds ttl = seconds(60)) {
  cache.Put(key, value, ttl, cache.BeginCompute(user));
}

TEST(MemoryCache, GetReturnsWhatWasPut) {
  FakeClock clock(Start());
  MemoryCache cache(WithMaxEntries(100), clock);

  Fill(cache, "u1", OverviewKey("u1"), "{\"a\":1}");

  EXPECT_EQ(cache.Get(OverviewKey("u1")), "{\"a\":1}");
  EXPECT_EQ(cache.Get(OverviewKey("u2")), std::nullopt);
  EXPECT_EQ(cache.name(), "memory");
  EXPECT_TRUE(cache.healthy());
}

TEST(MemoryCache, PutOverwritesAnExistingKey) {
  FakeClock clock(Start());
  MemoryCache cache(WithMaxEntries(100), clock);

  Fill(cache, "u1", OverviewKey("u1"), "old");
  Fill(cache, "u1", OverviewKey("u1"), "new");

  EXPECT_EQ(cache.Get(OverviewKey("u1")), "new");
  EXPECT_EQ(cache.Stats().entries, 1u);
}

TEST(MemoryCache, EntryExpiresAfterItsTtl) {
  FakeClock clock(Start());
  MemoryCache cache(WithMaxEntries(100), clock);
  Fill(cache, "u1", OverviewKey("u1"), "v", seconds(300));

  clock.Advance(seconds(299));
  EXPECT_EQ(cache.Get(OverviewKey("u1")), "v");

  clock.Advance(seconds(1));
  EXPECT_EQ(cache.Get(OverviewKey("u1")), std::nullopt);
  EXPECT_EQ(cache.Stats().entries, 0u);
}

TEST(MemoryCache, ZeroTtlStoresNothing) {
  FakeClock clock(Start());
  MemoryCache cache(WithMaxEntries(100), clock);

  Fill(cache, "u1", OverviewKey("u1"), "v", seconds(0));

  EXPECT_EQ(cache.Get(OverviewKey("u1")), std::nullopt);
}

TEST(MemoryCache, EvictsLeastRecentlyUsedFirst) {
  FakeClock clock(Start());
  MemoryCache cache(WithMaxEntries(3), clock, /*shards=*/1);
  Fill(cache, "a", OverviewKey("a"), "A");
  Fill(cache, "b", OverviewKey("b"), "B");
  Fill(cache, "c", OverviewKey("c"), "C");
  ASSERT_TRUE(cache.Get(OverviewKey("a")));  // a is now the most recent; b the least

  Fill(cache, "d", OverviewKey("d"), "D");

  EXPECT_EQ(cache.Get(OverviewKey("b")), std::nullopt);
  EXPECT_EQ(cache.Get(OverviewKey("a")), "A");
  EXPECT_EQ(cache.Get(OverviewKey("c")), "C");
  EXPECT_EQ(cache.Get(OverviewKey("d")), "D");
  EXPECT_EQ(cache.Stats().evictions, 1u);
  EXPECT_EQ(cache.Stats().entries, 3u);
}

TEST(MemoryCache, ShardedCacheStaysWithinItsBound) {
  FakeClock clock(Start());
  MemoryCache cache(WithMaxEntries(50), clock);

  for (int i = 0; i < 500; ++i) {
    const std::string user = "u" + std::to_string(i);
    Fill(cache, user, OverviewKey(user), "v");
  }

  const CacheStats stats = cache.Stats();
  EXPECT_LE(stats.entries, 50u);
  EXPECT_EQ(stats.entries + stats.evictions, 500u);
}

TEST(MemoryCache, InvalidateUserRemovesOnlyThatUsersKeys) {
  FakeClock clock(Start());
  MemoryCache cache(WithMaxEntries(100), clock);
  for (const std::string user : {"u1", "u2", "u10"}) {
    Fill(cache, user, OverviewKey(user), "o-" + user);
    for (std::string_view stat : kStatNames) Fill(cache, user, StatKey(stat, user), "s-" + user);
  }

  cache.InvalidateUser("u1");

  EXPECT_EQ(cache.Get(OverviewKey("u1")), std::nullopt);
  for (std::string_view stat : kStatNames) EXPECT_EQ(cache.Get(StatKey(stat, "u1")), std::nullopt);
  EXPECT_EQ(cache.Get(OverviewKey("u2")), "o-u2");
  EXPECT_EQ(cache.Get(OverviewKey("u10")), "o-u10");
  EXPECT_EQ(cache.Get(StatKey("completion_rate", "u10")), "s-u10");
  EXPECT_EQ(cache.Stats().entries, 12u);
}

TEST(MemoryCache, PutWithTicketTakenBeforeInvalidationIsDropped) {
  FakeClock clock(Start());
  MemoryCache cache(WithMaxEntries(100), clock);
  const Ticket stale = cache.BeginCompute("u1");

  cache.InvalidateUser("u1");
  cache.Put(OverviewKey("u1"), "computed from the old snapshot", seconds(60), stale);

  EXPECT_EQ(cache.Get(OverviewKey("u1")), std::nullopt);
}

TEST(MemoryCache, TicketTakenAfterInvalidationWorks) {
  FakeClock clock(Start());
  MemoryCache cache(WithMaxEntries(100), clock);
  const Ticket before = cache.BeginCompute("u1");
  cache.InvalidateUser("u1");

  const Ticket after = cache.BeginCompute("u1");
  cache.Put(OverviewKey("u1"), "fresh", seconds(60), after);

  EXPECT_NE(before.generation, after.generation);
  EXPECT_EQ(after.user_id, "u1");
  EXPECT_EQ(cache.Get(OverviewKey("u1")), "fresh");
}

TEST(MemoryCache, InvalidatingAnotherUserKeepsTicketsValid) {
  FakeClock clock(Start());
  MemoryCache cache(WithMaxEntries(100), clock);
  const Ticket ticket = cache.BeginCompute("u1");

  cache.InvalidateUser("u2");
  cache.Put(OverviewKey("u1"), "v", seconds(60), ticket);

  EXPECT_EQ(cache.Get(OverviewKey("u1")), "v");
}

// A writer's write-through: ticket before the write, then one call that
// invalidates and stores the value computed by the write.
TEST(MemoryCache, InvalidateUserAndPutStoresTheWritersValueAndDropsTheRest) {
  FakeClock clock(Start());
  MemoryCache cache(WithMaxEntries(100), clock);
  Fill(cache, "u1", OverviewKey("u1"), "before the write");
  Fill(cache, "u1", StatKey("completion_rate", "u1"), "stat before the write");
  Fill(cache, "u2", OverviewKey("u2"), "other user");
  const Ticket reader = cache.BeginCompute("u1");  // a reader racing the write
  const Ticket writer = cache.BeginCompute("u1");

  cache.InvalidateUserAndPut("u1", writer, OverviewKey("u1"), "after the write", seconds(60));
  cache.Put(OverviewKey("u1"), "computed before the write", seconds(60), reader);

  EXPECT_EQ(cache.Get(OverviewKey("u1")), "after the write");
  EXPECT_EQ(cache.Get(StatKey("completion_rate", "u1")), std::nullopt);
  EXPECT_EQ(cache.Get(OverviewKey("u2")), "other user");
  clock.Advance(seconds(61));
  EXPECT_EQ(cache.Get(OverviewKey("u1")), std::nullopt);
}

TEST(MemoryCache, InvalidateUserAndPutAfterAnotherWritersInvalidationStoresNothing) {
  FakeClock clock(Start());
  MemoryCache cache(WithMaxEntries(100), clock);
  const Ticket writer = cache.BeginCompute("u1");
  cache.InvalidateUser("u1");  // a write the writer's value may not include
  Fill(cache, "u1", OverviewKey("u1"), "after the other write");

  cache.InvalidateUserAndPut("u1", writer, OverviewKey("u1"), "maybe stale", seconds(60));

  EXPECT_EQ(cache.Get(OverviewKey("u1")), std::nullopt);
  const Ticket next = cache.BeginCompute("u1");
  cache.Put(OverviewKey("u1"), "fresh", seconds(60), next);
  EXPECT_EQ(cache.Get(OverviewKey("u1")), "fresh");
}

TEST(MemoryCache, InvalidateUserAndPutWithABadTicketOnlyInvalidates) {
  FakeClock clock(Start());
  MemoryCache cache(WithMaxEntries(100), clock);
  for (const Ticket& bad : {Ticket{"u1", ""}, Ticket{"u1", "x"}, Ticket{"u2", "0"}}) {
    Fill(cache, "u1", OverviewKey("u1"), "before");
    cache.InvalidateUserAndPut("u1", bad, OverviewKey("u1"), "v", seconds(60));
    EXPECT_EQ(cache.Get(OverviewKey("u1")), std::nullopt) << bad.user_id << bad.generation;
  }
  cache.InvalidateUserAndPut("u1", cache.BeginCompute("u1"), OverviewKey("u1"), "v", seconds(0));
  EXPECT_EQ(cache.Get(OverviewKey("u1")), std::nullopt);
}

TEST(MemoryCache, MalformedTicketIsDropped) {
  FakeClock clock(Start());
  MemoryCache cache(WithMaxEntries(100), clock);

  cache.Put(OverviewKey("u1"), "v", seconds(60), Ticket{"u1", "not a number"});
  cache.Put(OverviewKey("u1"), "v", seconds(60), Ticket{"u1", ""});

  EXPECT_EQ(cache.Get(OverviewKey("u1")), std::nullopt);
}

TEST(MemoryCache, FlushDropsEntriesAndInFlightTickets) {
  FakeClock clock(Start());
  MemoryCache cache(WithMaxEntries(100), clock);
  Fill(cache, "u1", OverviewKey("u1"), "v1");
  Fill(cache, "u2", OverviewKey("u2"), "v2");
  const Ticket in_flight = cache.BeginCompute("u3");

  cache.Flush();
  cache.Put(OverviewKey("u3"), "stale", seconds(60), in_flight);

  EXPECT_EQ(cache.Get(OverviewKey("u1")), std::nullopt);
  EXPECT_EQ(cache.Get(OverviewKey("u2")), std::nullopt);
  EXPECT_EQ(cache.Get(OverviewKey("u3")), std::nullopt);
  EXPECT_EQ(cache.Stats().entries, 0u);
  EXPECT_EQ(cache.Stats().used_bytes, 0u);
  Fill(cache, "u3", OverviewKey("u3"), "fresh");
  EXPECT_EQ(cache.Get(OverviewKey("u3")), "fresh");
}

// The generation map is bounded; forgetting old generations must never let a
// ticket from before an invalidation through.
TEST(MemoryCache, StaleTicketStaysStaleAfterGenerationMapOverflows) {
  FakeClock clock(Start());
  MemoryCache cache(WithMaxEntries(4), clock, /*shards=*/1);
  const Ticket stale = cache.BeginCompute("victim");
  cache.InvalidateUser("victim");
  const Ticket current = cache.BeginCompute("victim");

  for (int i = 0; i < 1000; ++i) cache.InvalidateUser("other" + std::to_string(i));
  cache.Put(OverviewKey("victim"), "stale", seconds(60), stale);
  EXPECT_EQ(cache.Get(OverviewKey("victim")), std::nullopt);

  // The ticket taken after the invalidation may be dropped too (a spurious miss is
  // allowed), but a fresh one must work.
  (void)current;
  Fill(cache, "victim", OverviewKey("victim"), "fresh");
  EXPECT_EQ(cache.Get(OverviewKey("victim")), "fresh");
}

TEST(MemoryCache, CountsHitsMissesAndBytes) {
  FakeClock clock(Start());
  MemoryCache cache(WithMaxEntries(100), clock);
  Fill(cache, "u1", OverviewKey("u1"), std::string(1000, 'x'));

  (void)cache.Get(OverviewKey("u1"));
  (void)cache.Get(OverviewKey("u1"));
  (void)cache.Get(OverviewKey("u2"));

  const CacheStats stats = cache.Stats();
  EXPECT_EQ(stats.hits, 2u);
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.entries, 1u);
  EXPECT_EQ(stats.evictions, 0u);
  EXPECT_GE(stats.used_bytes, 1000u);
  EXPECT_TRUE(stats.healthy);
}

TEST(MemoryCache, KeyWithoutColonIsItsOwnUser) {
  EXPECT_EQ(UserIdOfKey("analytics:overview:u1"), "u1");
  EXPECT_EQ(UserIdOfKey("plain"), "plain");
  EXPECT_EQ(UserIdOfKey("analytics:overview:"), "");
}

// Several threads read, write and invalidate; the counters must add up and a
// value, when present, must belong to the key's user.
TEST(MemoryCache, ConcurrentUseStaysConsistent) {
  FakeClock clock(Start());
  MemoryCache cache(WithMaxEntries(64), clock);
  constexpr int kThreads = 4;
  constexpr int kOps = 5000;

  std::vector<std::thread> threads;
  std::atomic<int> wrong_values{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kOps; ++i) {
        const std::string user = "u" + std::to_string((i * 7 + t) % 40);
        const std::string key = StatKey(kStatNames[i % kStatNames.size()], user);
        switch (i % 4) {
          case 0:
          case 1:
            if (auto value = cache.Get(key); value && *value != key) ++wrong_values;
            break;
          case 2:
            Fill(cache, user, key, key);
            break;
          case 3:
            if (i % 20 == 3) cache.InvalidateUser(user);
            if (i % 1000 == 999) cache.Flush();
            break;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();

  const CacheStats stats = cache.Stats();
  EXPECT_EQ(wrong_values.load(), 0);
  EXPECT_EQ(stats.hits + stats.misses, static_cast<std::uint64_t>(kThreads * kOps / 2));
  EXPECT_LE(stats.entries, 64u);
}

// A reader that took its ticket before a writer's invalidation can never leave
// its value behind, however the two interleave.
TEST(MemoryCache, RacingStalePutNeverSurvivesInvalidation) {
  FakeClock clock(Start());
  MemoryCache cache(WithMaxEntries(1000), clock);
  const std::string key = OverviewKey("u1");

  for (int round = 0; round < 200; ++round) {
    const Ticket ticket = cache.BeginCompute("u1");
    std::thread writer([&] { cache.InvalidateUser("u1"); });
    std::thread reader([&] { cache.Put(key, "stale", seconds(60), ticket); });
    writer.join();
    reader.join();

    ASSERT_EQ(cache.Get(key), std::nullopt) << "round " << round;
  }
}

}  // namespace
}  // namespace analytics::cache
