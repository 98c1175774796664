// RedisCache against the shared test Redis (ANALYTICS_TEST_REDIS_URL): the
// cache contract of memory_cache_test.cc, plus what only Redis has (TTLs on
// every key, keys shared by several server instances, runbook commands).
// Each test leases one of the logical databases 9..15 and flushes it.
#include "cache/redis/redis_cache.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cache/keys.h"
#include "cache/open_cache.h"
#include "cache/redis/redis_connection.h"

namespace analytics::cache {
namespace {

using std::chrono::seconds;

constexpr int kFirstDb = 9;
constexpr int kLastDb = 15;

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

// "redis://host:port/0" → "redis://host:port/<db>".
std::string WithDb(const std::string& base, int db) {
  const std::size_t scheme_end = base.find("://");
  const std::size_t path =
      base.find_first_of("/?", scheme_end == std::string::npos ? 0 : scheme_end + 3);
  return (path == std::string::npos ? base : base.substr(0, path)) + "/" + std::to_string(db);
}

// Puts with a fresh ticket, as a cache-aside reader would.
void Fill(Cache& cache, const std::string& user, const std::string& key, const std::string& value,
          seconds ttl = seconds(60)) {
  cache.Put(key, value, ttl, cache.BeginCompute(user));
}

class RedisCacheTest : public testing::Test {
 protected:
  void SetUp() override {
    const std::string base = Env("ANALYTICS_TEST_REDIS_URL");
    if (base.empty()) {
      if (Env("ANALYTICS_TEST_REQUIRE_ALL_BACKENDS") == "1") {
        FAIL() << "ANALYTICS_TEST_REQUIRE_ALL_BACKENDS=1 but ANALYTICS_TEST_REDIS_URL is not set";
      }
      GTEST_SKIP() << "ANALYTICS_TEST_REDIS_URL is not set (see scripts/test-services.sh)";
    }
    LeaseDb(base);
    Result<RedisOptions> options = ParseRedisUrl(url_);
    ASSERT_TRUE(options.ok()) << options.error().message;
    options_ = *options;
    Result<std::unique_ptr<RedisConnection>> raw = RedisConnection::Open(options_);
    ASSERT_TRUE(raw.ok()) << raw.error().message;
    raw_ = std::move(*raw);
    ASSERT_EQ(Raw({"FLUSHDB"}).text, "OK");
    cache_ = std::make_unique<RedisCache>(options_);
  }

  void TearDown() override {
    if (lock_fd_ >= 0) ::close(lock_fd_);
  }

  // Exclusive use of one logical database: parallel test processes take
  // different ones (dbs 1..8 belong to tests/support/backends.h).
  void LeaseDb(const std::string& base) {
    for (int attempt = 0; lock_fd_ < 0; ++attempt) {
      for (int db = kFirstDb; db <= kLastDb && lock_fd_ < 0; ++db) {
        const std::string path =
            "/tmp/analytics-redis-cache-test-db-" + std::to_string(db) + ".lock";
        const int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0666);
        ASSERT_GE(fd, 0) << path;
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
          lock_fd_ = fd;
          url_ = WithDb(base, db);
        } else {
          ::close(fd);
        }
      }
      if (lock_fd_ < 0) {
        ASSERT_LT(attempt, 6000) << "no free Redis test database in 60 s";
        ::usleep(10'000);
      }
    }
  }

  RedisReply Raw(const RedisArgv& argv) {
    Result<RedisReply> reply = raw_->Run(argv);
    EXPECT_TRUE(reply.ok()) << reply.error().message;
    return reply.ok() ? *reply : RedisReply{};
  }

  std::set<std::string> AnalyticsKeys() {
    std::set<std::string> keys;
    std::string cursor = "0";
    do {
      RedisReply page = Raw({"SCAN", cursor, "MATCH", "analytics:*", "COUNT", "100"});
      if (page.elements.size() != 2) {
        ADD_FAILURE() << "bad SCAN reply";
        break;
      }
      cursor = page.elements[0].text;
      for (const RedisReply& key : page.elements[1].elements) keys.insert(key.text);
    } while (cursor != "0");
    return keys;
  }

  std::uint64_t ServerStat(std::string_view name) {
    const std::string info = Raw({"INFO", "stats"}).text;
    const std::size_t at = info.find(std::string(name) + ":");
    if (at == std::string::npos) return 0;
    return std::stoull(info.substr(at + name.size() + 1));
  }

  // Whether `action` leaves the server's keyspace_hits and keyspace_misses
  // alone. Other test binaries share this Redis and move them too, so a
  // round that saw movement is tried again; an action that reads keys moves
  // them every round.
  bool MovesNoKeyspaceStats(const std::function<void()>& action) {
    for (int round = 0; round < 20; ++round) {
      const std::uint64_t hits = ServerStat("keyspace_hits");
      const std::uint64_t misses = ServerStat("keyspace_misses");
      action();
      if (ServerStat("keyspace_hits") == hits && ServerStat("keyspace_misses") == misses) {
        return true;
      }
    }
    return false;
  }

  int lock_fd_ = -1;
  std::string url_;
  RedisOptions options_;
  std::unique_ptr<RedisConnection> raw_;
  std::unique_ptr<RedisCache> cache_;
};

TEST_F(RedisCacheTest, GetReturnsWhatWasPut) {
  Fill(*cache_, "u1", OverviewKey("u1"), "{\"a\":1}");

  EXPECT_EQ(cache_->Get(OverviewKey("u1")), "{\"a\":1}");
  EXPECT_EQ(cache_->Get(OverviewKey("u2")), std::nullopt);
  EXPECT_EQ(cache_->name(), "redis");
  EXPECT_TRUE(cache_->healthy());
}

TEST_F(RedisCacheTest, OpenCacheRoutesRedisUrls) {
  SystemClock clock;
  config::CacheOptions options;
  options.url = url_;

  Result<std::unique_ptr<Cache>> opened = OpenCache(options, clock);

  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ((*opened)->name(), "redis");
  EXPECT_TRUE((*opened)->healthy());
  Fill(**opened, "u1", OverviewKey("u1"), "v");
  EXPECT_EQ(cache_->Get(OverviewKey("u1")), "v");
}

TEST_F(RedisCacheTest, KeysAreExactlyTheSpecsAndValuesBinarySafe) {
  const std::string value = std::string("a\0b\r\n\xff", 6);
  Fill(*cache_, "user123", OverviewKey("user123"), value);
  Fill(*cache_, "user123", StatKey("completion_rate", "user123"), "{\"completion_rate\":50}");

  EXPECT_EQ(Raw({"GET", "analytics:overview:user123"}).text, value);
  EXPECT_EQ(Raw({"GET", "analytics:completion_rate:user123"}).text, "{\"completion_rate\":50}");
  EXPECT_EQ(cache_->Get("analytics:overview:user123"), value);
}

TEST_F(RedisCacheTest, EveryKeyWrittenHasATtl) {
  for (const std::string user : {"u1", "u2"}) {
    Fill(*cache_, user, OverviewKey(user), "o", seconds(300));
    for (std::string_view stat : kStatNames)
      Fill(*cache_, user, StatKey(stat, user), "s", seconds(120));
  }
  cache_->InvalidateUser("u2");
  cache_->InvalidateUser("never-cached");
  (void)cache_->BeginCompute("u3");

  std::set<std::string> expected = {"analytics:epoch",  "analytics:gen:u1",
                                    "analytics:gen:u2", "analytics:gen:never-cached",
                                    "analytics:gen:u3", "analytics:overview:u1"};
  for (std::string_view stat : kStatNames) expected.insert(StatKey(stat, "u1"));
  const std::set<std::string> keys = AnalyticsKeys();
  EXPECT_EQ(keys, expected);
  for (const std::string& key : keys) {
    const long long ttl = Raw({"TTL", key}).integer;
    EXPECT_GT(ttl, 0) << key;
    if (key == OverviewKey("u1")) {
      EXPECT_LE(ttl, 300) << key;
    }
    if (key.starts_with("analytics:completion_rate:")) {
      EXPECT_LE(ttl, 120) << key;
    }
    if (key.starts_with("analytics:gen:") || key == "analytics:epoch") {
      EXPECT_GT(ttl, 3600) << key;
      EXPECT_LE(ttl, 86400) << key;
    }
  }
}

TEST_F(RedisCacheTest, TicketIsEpochAndGeneration) {
  const Ticket ticket = cache_->BeginCompute("u1");

  EXPECT_EQ(ticket.user_id, "u1");
  const std::size_t colon = ticket.generation.find(':');
  ASSERT_NE(colon, std::string::npos) << ticket.generation;
  EXPECT_EQ(ticket.generation.substr(0, colon), Raw({"GET", "analytics:epoch"}).text);
  EXPECT_EQ(ticket.generation.substr(colon + 1), Raw({"GET", "analytics:gen:u1"}).text);
  EXPECT_EQ(cache_->BeginCompute("u1").generation, ticket.generation);
}

TEST_F(RedisCacheTest, PutOverwritesAnExistingKey) {
  Fill(*cache_, "u1", OverviewKey("u1"), "old");
  Fill(*cache_, "u1", OverviewKey("u1"), "new");

  EXPECT_EQ(cache_->Get(OverviewKey("u1")), "new");
}

TEST_F(RedisCacheTest, ZeroTtlStoresNothing) {
  Fill(*cache_, "u1", OverviewKey("u1"), "v", seconds(0));
  Fill(*cache_, "u1", OverviewKey("u1"), "v", seconds(-5));

  EXPECT_EQ(cache_->Get(OverviewKey("u1")), std::nullopt);
  EXPECT_EQ(Raw({"EXISTS", OverviewKey("u1")}).integer, 0);
}

TEST_F(RedisCacheTest, InvalidateUserRemovesOnlyThatUsersKeys) {
  for (const std::string user : {"u1", "u2", "u10"}) {
    Fill(*cache_, user, OverviewKey(user), "o-" + user);
    for (std::string_view stat : kStatNames) Fill(*cache_, user, StatKey(stat, user), "s-" + user);
  }

  cache_->InvalidateUser("u1");

  EXPECT_EQ(cache_->Get(OverviewKey("u1")), std::nullopt);
  for (std::string_view stat : kStatNames)
    EXPECT_EQ(cache_->Get(StatKey(stat, "u1")), std::nullopt);
  EXPECT_EQ(cache_->Get(OverviewKey("u2")), "o-u2");
  EXPECT_EQ(cache_->Get(OverviewKey("u10")), "o-u10");
  EXPECT_EQ(cache_->Get(StatKey("completion_rate", "u10")), "s-u10");
  EXPECT_EQ(Raw({"DBSIZE"}).integer, 12 + 3 + 1);  // values, gen keys, epoch
}

TEST_F(RedisCacheTest, PutWithTicketTakenBeforeInvalidationIsDropped) {
  const Ticket stale = cache_->BeginCompute("u1");

  cache_->InvalidateUser("u1");
  cache_->Put(OverviewKey("u1"), "computed from the old snapshot", seconds(60), stale);

  EXPECT_EQ(cache_->Get(OverviewKey("u1")), std::nullopt);
}

// Two server instances share one Redis: a ticket from A, a write's
// invalidation through B, then A's put must be refused.
TEST_F(RedisCacheTest, StaleTicketIsDroppedAcrossInstances) {
  RedisCache a(options_);
  RedisCache b(options_);
  Fill(a, "u1", OverviewKey("u1"), "before the write");
  const Ticket stale = a.BeginCompute("u1");

  b.InvalidateUser("u1");
  a.Put(OverviewKey("u1"), "computed from the old snapshot", seconds(60), stale);

  EXPECT_EQ(a.Get(OverviewKey("u1")), std::nullopt);
  EXPECT_EQ(b.Get(OverviewKey("u1")), std::nullopt);
  Fill(a, "u1", OverviewKey("u1"), "fresh");
  EXPECT_EQ(b.Get(OverviewKey("u1")), "fresh");
}

TEST_F(RedisCacheTest, TicketTakenAfterInvalidationWorks) {
  const Ticket before = cache_->BeginCompute("u1");
  cache_->InvalidateUser("u1");

  const Ticket after = cache_->BeginCompute("u1");
  cache_->Put(OverviewKey("u1"), "fresh", seconds(60), after);

  EXPECT_NE(before.generation, after.generation);
  EXPECT_EQ(after.user_id, "u1");
  EXPECT_EQ(cache_->Get(OverviewKey("u1")), "fresh");
}

TEST_F(RedisCacheTest, InvalidatingAnotherUserKeepsTicketsValid) {
  const Ticket ticket = cache_->BeginCompute("u1");

  cache_->InvalidateUser("u2");
  cache_->Put(OverviewKey("u1"), "v", seconds(60), ticket);

  EXPECT_EQ(cache_->Get(OverviewKey("u1")), "v");
}

// A writer's write-through: ticket before the write, then one script that
// invalidates and stores the value computed by the write.
TEST_F(RedisCacheTest, InvalidateUserAndPutStoresTheWritersValueAndDropsTheRest) {
  Fill(*cache_, "u1", OverviewKey("u1"), "before the write");
  for (std::string_view stat : kStatNames) Fill(*cache_, "u1", StatKey(stat, "u1"), "stat");
  Fill(*cache_, "u2", OverviewKey("u2"), "other user");
  const Ticket reader = cache_->BeginCompute("u1");  // a reader racing the write
  const Ticket writer = cache_->BeginCompute("u1");

  cache_->InvalidateUserAndPut("u1", writer, OverviewKey("u1"), "after the write", seconds(60));
  cache_->Put(OverviewKey("u1"), "computed before the write", seconds(60), reader);

  EXPECT_EQ(cache_->Get(OverviewKey("u1")), "after the write");
  for (std::string_view stat : kStatNames)
    EXPECT_EQ(cache_->Get(StatKey(stat, "u1")), std::nullopt);
  EXPECT_EQ(cache_->Get(OverviewKey("u2")), "other user");
  const long long ttl = Raw({"TTL", OverviewKey("u1")}).integer;
  EXPECT_GT(ttl, 50);
  EXPECT_LE(ttl, 60);
  EXPECT_GT(Raw({"TTL", "analytics:gen:u1"}).integer, 0);
}

// Across instances: the other write's invalidation comes through B.
TEST_F(RedisCacheTest, InvalidateUserAndPutAfterAnotherWritersInvalidationStoresNothing) {
  RedisCache a(options_);
  RedisCache b(options_);
  const Ticket writer = a.BeginCompute("u1");
  b.InvalidateUser("u1");  // a write the writer's value may not include
  Fill(b, "u1", OverviewKey("u1"), "after the other write");

  a.InvalidateUserAndPut("u1", writer, OverviewKey("u1"), "maybe stale", seconds(60));

  EXPECT_EQ(b.Get(OverviewKey("u1")), std::nullopt);
  Fill(b, "u1", OverviewKey("u1"), "fresh");
  EXPECT_EQ(a.Get(OverviewKey("u1")), "fresh");
}

TEST_F(RedisCacheTest, InvalidateUserAndPutWithABadTicketOnlyInvalidates) {
  for (const Ticket& bad : {Ticket{"u1", ""}, Ticket{"u1", "1:x"}, Ticket{"u2", "1:1"}}) {
    Fill(*cache_, "u1", OverviewKey("u1"), "before");
    cache_->InvalidateUserAndPut("u1", bad, OverviewKey("u1"), "v", seconds(60));
    EXPECT_EQ(cache_->Get(OverviewKey("u1")), std::nullopt) << bad.user_id << bad.generation;
  }
  // A key that is not the user's is never written.
  cache_->InvalidateUserAndPut("u1", cache_->BeginCompute("u1"), OverviewKey("u2"), "v",
                               seconds(60));
  EXPECT_EQ(cache_->Get(OverviewKey("u2")), std::nullopt);
  cache_->InvalidateUserAndPut("u1", cache_->BeginCompute("u1"), OverviewKey("u1"), "v",
                               seconds(0));
  EXPECT_EQ(cache_->Get(OverviewKey("u1")), std::nullopt);
}

TEST_F(RedisCacheTest, MalformedTicketIsDropped) {
  const std::string epoch_and_gen = cache_->BeginCompute("u1").generation;

  for (std::string generation :
       {"not a number", "", "12", ":", "1:", ":1", "1:x", "-1:2", "99999999999999999999:1"}) {
    cache_->Put(OverviewKey("u1"), "v", seconds(60), Ticket{"u1", generation});
  }
  // A ticket of another user does not open this user's key either.
  cache_->Put(OverviewKey("u1"), "v", seconds(60), Ticket{"u2", epoch_and_gen});

  EXPECT_EQ(cache_->Get(OverviewKey("u1")), std::nullopt);
}

TEST_F(RedisCacheTest, FlushDropsEntriesAndInFlightTickets) {
  Fill(*cache_, "u1", OverviewKey("u1"), "v1");
  Fill(*cache_, "u2", StatKey("task_totals", "u2"), "v2");
  const Ticket in_flight = cache_->BeginCompute("u3");
  Raw({"SET", "unrelated", "x"});

  cache_->Flush();
  cache_->Put(OverviewKey("u3"), "stale", seconds(60), in_flight);

  EXPECT_EQ(cache_->Get(OverviewKey("u1")), std::nullopt);
  EXPECT_EQ(cache_->Get(StatKey("task_totals", "u2")), std::nullopt);
  EXPECT_EQ(cache_->Get(OverviewKey("u3")), std::nullopt);
  EXPECT_EQ(AnalyticsKeys(), std::set<std::string>{"analytics:epoch"});
  EXPECT_EQ(Raw({"GET", "unrelated"}).text, "x");  // only analytics:* is ours
  Fill(*cache_, "u3", OverviewKey("u3"), "fresh");
  EXPECT_EQ(cache_->Get(OverviewKey("u3")), "fresh");
}

TEST_F(RedisCacheTest, FlushThroughAnotherInstanceDropsInFlightTickets) {
  RedisCache other(options_);
  const Ticket in_flight = cache_->BeginCompute("u1");

  other.Flush();
  cache_->Put(OverviewKey("u1"), "stale", seconds(60), in_flight);

  EXPECT_EQ(cache_->Get(OverviewKey("u1")), std::nullopt);
}

// The runbook's FLUSHDB and `KEYS analytics:* | xargs DEL` remove the
// generation keys too; a generation recreated afterwards must not equal the
// one a stale ticket holds.
TEST_F(RedisCacheTest, StaleTicketStaysStaleAfterFlushdb) {
  const Ticket stale = cache_->BeginCompute("u1");
  cache_->InvalidateUser("u1");
  Raw({"FLUSHDB"});
  cache_->InvalidateUser("u1");

  cache_->Put(OverviewKey("u1"), "stale", seconds(60), stale);

  EXPECT_EQ(cache_->Get(OverviewKey("u1")), std::nullopt);
  EXPECT_EQ(Raw({"TTL", "analytics:gen:u1"}).integer > 0, true);
  Fill(*cache_, "u1", OverviewKey("u1"), "fresh");
  EXPECT_EQ(cache_->Get(OverviewKey("u1")), "fresh");
}

TEST_F(RedisCacheTest, DeletedGenerationKeyNeverAcceptsAnOldTicket) {
  const Ticket ticket = cache_->BeginCompute("u1");
  Raw({"DEL", "analytics:gen:u1", "analytics:epoch"});

  cache_->Put(OverviewKey("u1"), "v", seconds(60), ticket);

  EXPECT_EQ(cache_->Get(OverviewKey("u1")), std::nullopt);
  EXPECT_TRUE(AnalyticsKeys().contains("analytics:epoch"));  // recreated by the check
  for (const std::string& key : AnalyticsKeys()) EXPECT_GT(Raw({"TTL", key}).integer, 0) << key;
}

TEST_F(RedisCacheTest, RedisCliDelJustCausesAMiss) {
  Fill(*cache_, "user123", OverviewKey("user123"), "v");

  Raw({"DEL", "analytics:overview:user123"});

  EXPECT_EQ(cache_->Get(OverviewKey("user123")), std::nullopt);
  EXPECT_TRUE(cache_->healthy());
  Fill(*cache_, "user123", OverviewKey("user123"), "again");
  EXPECT_EQ(cache_->Get(OverviewKey("user123")), "again");
}

TEST_F(RedisCacheTest, GarbageInAGenerationKeyIsReplacedNotFatal) {
  const Ticket ticket = cache_->BeginCompute("u1");
  Raw({"SET", "analytics:gen:u1", "garbage", "EX", "60"});

  cache_->Put(OverviewKey("u1"), "v", seconds(60), ticket);
  Fill(*cache_, "u1", OverviewKey("u1"), "fresh");

  EXPECT_EQ(cache_->Get(OverviewKey("u1")), "fresh");
  EXPECT_TRUE(cache_->healthy());
}

TEST_F(RedisCacheTest, ScriptsSurviveScriptFlush) {
  Raw({"SCRIPT", "FLUSH"});
  Fill(*cache_, "u1", OverviewKey("u1"), "v");
  EXPECT_EQ(cache_->Get(OverviewKey("u1")), "v");

  Raw({"SCRIPT", "FLUSH"});
  cache_->InvalidateUser("u1");
  EXPECT_EQ(cache_->Get(OverviewKey("u1")), std::nullopt);
  EXPECT_TRUE(cache_->healthy());
}

// Shared server: other tests move the server-wide counters too, so only
// "at least"; redis_outage_test.cc checks the exact numbers on its own server.
TEST_F(RedisCacheTest, CountsHitsMissesAndServerNumbers) {
  const std::uint64_t server_hits = ServerStat("keyspace_hits");
  const std::uint64_t server_misses = ServerStat("keyspace_misses");
  Fill(*cache_, "u1", OverviewKey("u1"), std::string(1000, 'x'));

  (void)cache_->Get(OverviewKey("u1"));
  (void)cache_->Get(OverviewKey("u1"));
  (void)cache_->Get(OverviewKey("u2"));

  const CacheStats stats = cache_->Stats();
  EXPECT_EQ(stats.hits, 2u);
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_GE(stats.entries, 1u);
  EXPECT_GT(stats.used_bytes, 1000u);
  EXPECT_TRUE(stats.healthy);
  EXPECT_GE(ServerStat("keyspace_hits"), server_hits + 2);
  EXPECT_GE(ServerStat("keyspace_misses"), server_misses + 1);
}

TEST_F(RedisCacheTest, ConcurrentUseStaysConsistent) {
  constexpr int kThreads = 6;  // more than the pool's 4 connections
  constexpr int kOps = 400;
  std::vector<std::thread> threads;
  std::atomic<int> wrong_values{0};

  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kOps; ++i) {
        const std::string user = "u" + std::to_string((i * 7 + t) % 20);
        const std::string key = StatKey(kStatNames[i % kStatNames.size()], user);
        switch (i % 4) {
          case 0:
          case 1:
            if (auto value = cache_->Get(key); value && *value != key) ++wrong_values;
            break;
          case 2:
            Fill(*cache_, user, key, key);
            break;
          case 3:
            if (i % 20 == 3) cache_->InvalidateUser(user);
            if (i % 200 == 199) cache_->Flush();
            break;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();

  const CacheStats stats = cache_->Stats();
  EXPECT_EQ(wrong_values.load(), 0);
  EXPECT_EQ(stats.hits + stats.misses, static_cast<std::uint64_t>(kThreads * kOps / 2));
  EXPECT_GT(stats.hits, 0u);
  EXPECT_TRUE(stats.healthy);
  for (const std::string& key : AnalyticsKeys()) EXPECT_GT(Raw({"TTL", key}).integer, 0) << key;
}

// A reader that took its ticket before a writer's invalidation (on another
// instance) can never leave its value behind, however the two interleave.
TEST_F(RedisCacheTest, RacingStalePutNeverSurvivesInvalidation) {
  RedisCache writer_instance(options_);
  const std::string key = OverviewKey("u1");

  for (int round = 0; round < 100; ++round) {
    const Ticket ticket = cache_->BeginCompute("u1");
    std::thread writer([&] { writer_instance.InvalidateUser("u1"); });
    std::thread reader([&] { cache_->Put(key, "stale", seconds(60), ticket); });
    writer.join();
    reader.join();

    ASSERT_EQ(cache_->Get(key), std::nullopt) << "round " << round;
  }
}

}  // namespace
}  // namespace analytics::cache
