// RedisCache when Redis dies, stalls or comes back: each test runs its own
// redis-server (scripts/test-services.sh) on a free port, so it can kill,
// SIGSTOP and restart it without touching anyone else's.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cache/keys.h"
#include "cache/redis/redis_cache.h"
#include "cache/redis/redis_connection.h"
#include "support/backends.h"
#include "support/temp_dir.h"

namespace analytics::cache {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using SteadyClock = std::chrono::steady_clock;

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

int UnusedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t size = sizeof address;
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size), 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

void Fill(Cache& cache, const std::string& user, const std::string& key, const std::string& value) {
  cache.Put(key, value, seconds(60), cache.BeginCompute(user));
}

milliseconds Elapsed(SteadyClock::time_point since) {
  return std::chrono::duration_cast<milliseconds>(SteadyClock::now() - since);
}

// Polls healthy() (which reconnects once the backoff allows) until true.
bool WaitHealthy(Cache& cache, milliseconds limit) {
  const auto start = SteadyClock::now();
  while (Elapsed(start) < limit) {
    if (cache.healthy()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return cache.healthy();
}

class RedisOutageTest : public testing::Test {
 protected:
  void SetUp() override {
    if (Env("ANALYTICS_TEST_REDIS_URL").empty()) {
      if (Env("ANALYTICS_TEST_REQUIRE_ALL_BACKENDS") == "1") {
        FAIL() << "ANALYTICS_TEST_REQUIRE_ALL_BACKENDS=1 but ANALYTICS_TEST_REDIS_URL is not set";
      }
      GTEST_SKIP() << "ANALYTICS_TEST_REDIS_URL is not set (see scripts/test-services.sh)";
    }
    port_ = UnusedPort();
    dir_ = temp_.File("redis");
    ASSERT_EQ(Service("start"), 0) << "cannot start redis-server on port " << port_;
    started_ = true;
  }

  void TearDown() override {
    if (!started_) return;
    Signal("CONT");
    Service("stop");
  }

  int Service(const std::string& action) {
    const std::filesystem::path script = std::filesystem::path(__FILE__).parent_path() / ".." /
                                         ".." / "scripts" / "test-services.sh";
    return test::RunCommand("bash '" + script.string() + "' redis " + action + " '" + dir_ + "' " +
                            std::to_string(port_) + " >/dev/null 2>&1");
  }

  // SIGSTOP makes Redis unreachable while keeping its data, like a partition.
  void Signal(const std::string& signal) {
    test::RunCommand("[ -f '" + dir_ + "/redis.pid' ] && kill -" + signal + " $(cat '" + dir_ +
                     "/redis.pid') 2>/dev/null");
  }

  RedisOptions Options(const std::string& query = "") {
    Result<RedisOptions> options =
        ParseRedisUrl("redis://127.0.0.1:" + std::to_string(port_) + "/0" + query);
    EXPECT_TRUE(options.ok()) << options.error().message;
    return options.ok() ? *options : RedisOptions{};
  }

  RedisReply Raw(const RedisArgv& argv) {
    Result<std::unique_ptr<RedisConnection>> connection = RedisConnection::Open(Options());
    EXPECT_TRUE(connection.ok()) << connection.error().message;
    if (!connection.ok()) return {};
    Result<RedisReply> reply = (*connection)->Run(argv);
    EXPECT_TRUE(reply.ok());
    return reply.ok() ? *reply : RedisReply{};
  }

  std::uint64_t ServerStat(std::string_view name) {
    const std::string info = Raw({"INFO", "stats"}).text;
    const std::size_t at = info.find(std::string(name) + ":");
    return at == std::string::npos ? 0 : std::stoull(info.substr(at + name.size() + 1));
  }

  test::TempDir temp_;
  std::string dir_;
  int port_ = 0;
  bool started_ = false;
};

TEST_F(RedisOutageTest, KilledRedisGivesFastMissesThenHitsResumeAfterRestart) {
  RedisCache cache(Options());
  Fill(cache, "u1", OverviewKey("u1"), "v");
  ASSERT_EQ(cache.Get(OverviewKey("u1")), "v");
  ASSERT_TRUE(cache.healthy());

  ASSERT_EQ(Service("kill"), 0);
  // A big write into the dead connection: hiredis must not raise SIGPIPE.
  cache.Put(OverviewKey("u1"), std::string(8 << 20, 'x'), seconds(60), Ticket{"u1", "1:1"});
  EXPECT_EQ(cache.Get(OverviewKey("u1")), std::nullopt);

  EXPECT_FALSE(cache.healthy());
  EXPECT_FALSE(cache.Stats().healthy);
  for (int i = 0; i < 50; ++i) {
    const auto start = SteadyClock::now();
    EXPECT_EQ(cache.Get(OverviewKey("u1")), std::nullopt);
    cache.Put(OverviewKey("u1"), "x", seconds(60), cache.BeginCompute("u1"));
    EXPECT_LT(Elapsed(start), milliseconds(50)) << "call " << i;
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) (void)cache.Get(OverviewKey("u1"));
    });
  }
  for (auto& thread : threads) thread.join();

  ASSERT_EQ(Service("start"), 0);
  // The backoff is at most 5 s by default.
  EXPECT_TRUE(WaitHealthy(cache, milliseconds(7000)));
  Fill(cache, "u1", OverviewKey("u1"), "after");
  EXPECT_EQ(cache.Get(OverviewKey("u1")), "after");
  EXPECT_TRUE(cache.Stats().healthy);
}

TEST_F(RedisOutageTest, StalledRedisTimesOutAndLaterCallsReturnAtOnce) {
  RedisCache cache(Options("?timeout_ms=150&backoff_initial_ms=1000&backoff_max_ms=1000"));
  Fill(cache, "u1", OverviewKey("u1"), "v");

  Signal("STOP");
  auto start = SteadyClock::now();
  EXPECT_EQ(cache.Get(OverviewKey("u1")), std::nullopt);
  EXPECT_LT(Elapsed(start), milliseconds(1000));
  start = SteadyClock::now();
  for (int i = 0; i < 20; ++i) EXPECT_EQ(cache.Get(OverviewKey("u1")), std::nullopt);
  EXPECT_LT(Elapsed(start), milliseconds(50));
  EXPECT_FALSE(cache.healthy());

  Signal("CONT");
  EXPECT_TRUE(WaitHealthy(cache, milliseconds(3000)));
  EXPECT_EQ(cache.Get(OverviewKey("u1")), "v");
}

// The instance that could not reach Redis replays the invalidation before it
// reads from Redis again, so the value cached before the write is gone for
// every instance, even though Redis kept its data.
TEST_F(RedisOutageTest, InvalidationWhileUnreachableIsReplayedOnReconnect) {
  const std::string query = "?timeout_ms=150&backoff_initial_ms=1000&backoff_max_ms=1000";
  RedisCache a(Options(query));
  RedisCache b(Options(query));
  Fill(a, "u1", OverviewKey("u1"), "before the write");
  Fill(a, "u2", OverviewKey("u2"), "other user");
  const Ticket stale = a.BeginCompute("u1");

  Signal("STOP");
  EXPECT_EQ(a.Get(OverviewKey("u2")), std::nullopt);  // times out: a is now down
  a.InvalidateUser("u1");                             // in backoff: never sent
  Signal("CONT");

  // Redis never heard of it: another instance still sees the old value.
  EXPECT_EQ(b.Get(OverviewKey("u1")), "before the write");
  EXPECT_TRUE(WaitHealthy(a, milliseconds(3000)));
  EXPECT_EQ(a.Get(OverviewKey("u1")), std::nullopt);
  EXPECT_EQ(b.Get(OverviewKey("u1")), std::nullopt);
  EXPECT_EQ(b.Get(OverviewKey("u2")), "other user");
  a.Put(OverviewKey("u1"), "computed before the write", seconds(60), stale);
  EXPECT_EQ(b.Get(OverviewKey("u1")), std::nullopt);
}

// A token rotated while Redis was unreachable: the stamp moves before that
// instance reads anything from Redis again, so every instance drops its
// cached tokens.
TEST_F(RedisOutageTest, FlushWhileUnreachableIsReplayedOnReconnect) {
  const std::string query = "?timeout_ms=150&backoff_initial_ms=1000&backoff_max_ms=1000";
  RedisCache a(Options(query));
  RedisCache b(Options(query));
  Fill(a, "u1", OverviewKey("u1"), "v1");
  Fill(a, "u2", StatKey("task_totals", "u2"), "v2");

  Signal("STOP");
  EXPECT_EQ(a.Get(OverviewKey("u1")), std::nullopt);
  a.Flush();
  Signal("CONT");

  EXPECT_EQ(b.Get(OverviewKey("u1")), "v1");
  EXPECT_TRUE(WaitHealthy(a, milliseconds(3000)));
  EXPECT_EQ(b.Get(OverviewKey("u1")), std::nullopt);
  EXPECT_EQ(b.Get(StatKey("task_totals", "u2")), std::nullopt);
}

// Too many failed invalidations to remember one by one become a flush.
TEST_F(RedisOutageTest, ManyFailedInvalidationsBecomeAFlush) {
  RedisCache a(Options("?timeout_ms=150&backoff_initial_ms=1000&backoff_max_ms=1000"));
  RedisCache b(Options());
  Fill(a, "keep-me-not", OverviewKey("keep-me-not"), "v");

  Signal("STOP");
  (void)a.Get(OverviewKey("x"));
  for (int i = 0; i < 10'001; ++i) a.InvalidateUser("u" + std::to_string(i));
  Signal("CONT");

  EXPECT_TRUE(WaitHealthy(a, milliseconds(3000)));
  EXPECT_EQ(b.Get(OverviewKey("keep-me-not")), std::nullopt);
}

// On a server of its own the runbook's hit rate (keyspace_hits / (hits +
// misses)) equals the cache's: the ticket checks do not count as lookups.
TEST_F(RedisOutageTest, KeyspaceHitsCountOnlyTheCachesGets) {
  RedisCache cache(Options());
  Fill(cache, "u1", OverviewKey("u1"), "v");
  cache.InvalidateUser("u3");
  cache.Flush();
  Fill(cache, "u1", OverviewKey("u1"), "v");
  ASSERT_EQ(Raw({"CONFIG", "RESETSTAT"}).text, "OK");

  Fill(cache, "u1", StatKey("task_totals", "u1"), "t");
  (void)cache.Get(OverviewKey("u1"));
  (void)cache.Get(StatKey("task_totals", "u1"));
  (void)cache.Get(OverviewKey("u2"));
  cache.InvalidateUser("u1");

  EXPECT_EQ(ServerStat("keyspace_hits"), 2u);
  EXPECT_EQ(ServerStat("keyspace_misses"), 1u);
  const CacheStats stats = cache.Stats();
  EXPECT_EQ(stats.hits, 2u);
  EXPECT_EQ(stats.misses, 1u);
}

}  // namespace
}  // namespace analytics::cache
