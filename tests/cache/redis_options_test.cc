// RedisCache's parts that need no Redis: URL parsing, the pending
// invalidations, and how OpenCache routes redis:// URLs.
#include "cache/redis/redis_options.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "cache/open_cache.h"
#include "cache/redis/pending_invalidations.h"

namespace analytics::cache {
namespace {

using std::chrono::milliseconds;

TEST(RedisOptions, DefaultsFromAPlainUrl) {
  Result<RedisOptions> options = ParseRedisUrl("redis://cache.internal:6380/3");

  ASSERT_TRUE(options.ok()) << options.error().message;
  EXPECT_EQ(options->host, "cache.internal");
  EXPECT_EQ(options->port, 6380);
  EXPECT_EQ(options->db, 3);
  EXPECT_EQ(options->password, "");
  EXPECT_EQ(options->pool_size, 4u);
  EXPECT_EQ(options->connect_timeout, milliseconds(100));
  EXPECT_EQ(options->command_timeout, milliseconds(200));
  EXPECT_EQ(options->backoff_initial, milliseconds(100));
  EXPECT_EQ(options->backoff_max, milliseconds(5000));
  EXPECT_EQ(options->meta_ttl, std::chrono::hours(24));
}

TEST(RedisOptions, PortAndDatabaseAreOptional) {
  Result<RedisOptions> options = ParseRedisUrl("redis://localhost");

  ASSERT_TRUE(options.ok()) << options.error().message;
  EXPECT_EQ(options->host, "localhost");
  EXPECT_EQ(options->port, 6379);
  EXPECT_EQ(options->db, 0);
}

TEST(RedisOptions, ReadsPasswordUserAndIpv6Host) {
  Result<RedisOptions> with_password = ParseRedisUrl("redis://:s%40cret@[::1]:7000/2");
  Result<RedisOptions> with_user = ParseRedisUrl("redis://app:pw@host/0");
  Result<RedisOptions> in_query = ParseRedisUrl("redis://host/0?password=q%3Aw");

  ASSERT_TRUE(with_password.ok()) << with_password.error().message;
  EXPECT_EQ(with_password->host, "::1");
  EXPECT_EQ(with_password->port, 7000);
  EXPECT_EQ(with_password->db, 2);
  EXPECT_EQ(with_password->username, "");
  EXPECT_EQ(with_password->password, "s@cret");
  ASSERT_TRUE(with_user.ok());
  EXPECT_EQ(with_user->username, "app");
  EXPECT_EQ(with_user->password, "pw");
  ASSERT_TRUE(in_query.ok());
  EXPECT_EQ(in_query->password, "q:w");
}

TEST(RedisOptions, QueryParametersTuneThePoolAndTimeouts) {
  Result<RedisOptions> options = ParseRedisUrl(
      "redis://h:1/1?pool_size=8&timeout_ms=150&connect_timeout_ms=50&backoff_initial_ms=20&"
      "backoff_max_ms=400");

  ASSERT_TRUE(options.ok()) << options.error().message;
  EXPECT_EQ(options->pool_size, 8u);
  EXPECT_EQ(options->command_timeout, milliseconds(150));
  EXPECT_EQ(options->connect_timeout, milliseconds(50));
  EXPECT_EQ(options->backoff_initial, milliseconds(20));
  EXPECT_EQ(options->backoff_max, milliseconds(400));
}

TEST(RedisOptions, BadUrlsNameTheKeyAndNeverThePassword) {
  for (std::string url :
       {"redis://", "redis://:secret@/0", "redis://h:0/0", "redis://h:99999/0", "redis://h:x/0",
        "redis://h/x", "redis://h/-1", "redis://h/0?pool_size=0", "redis://h/0?pool_size=65",
        "redis://h/0?timeout_ms=abc", "redis://h/0?nosuch=1", "redis://h/0?password=%zz",
        "redis://[::1/0", "http://h/0", "redis://:secret@h:bad/0"}) {
    Result<RedisOptions> options = ParseRedisUrl(url);

    ASSERT_FALSE(options.ok()) << url;
    EXPECT_EQ(options.error().code, ErrorCode::kInvalidArgument) << url;
    EXPECT_EQ(options.error().field, "cache.url") << url;
    EXPECT_EQ(options.error().message.find("secret"), std::string::npos) << url;
  }
}

TEST(PendingInvalidations, DrainReplaysAndForgets) {
  PendingInvalidations pending(10);
  EXPECT_TRUE(pending.empty());
  pending.AddUser("u1");
  pending.AddUser("u2");
  pending.AddUser("u1");
  EXPECT_FALSE(pending.empty());

  std::vector<std::string> replayed;
  bool ok = pending.Drain([&](const PendingInvalidations::Batch& batch) {
    EXPECT_FALSE(batch.flush_all);
    replayed = batch.user_ids;
    return true;
  });

  EXPECT_TRUE(ok);
  std::sort(replayed.begin(), replayed.end());
  EXPECT_EQ(replayed, (std::vector<std::string>{"u1", "u2"}));
  EXPECT_TRUE(pending.empty());
}

TEST(PendingInvalidations, FailedReplayKeepsEverything) {
  PendingInvalidations pending(10);
  pending.AddUser("u1");

  EXPECT_FALSE(pending.Drain([](const PendingInvalidations::Batch&) { return false; }));

  EXPECT_FALSE(pending.empty());
  int calls = 0;
  EXPECT_TRUE(pending.Drain([&](const PendingInvalidations::Batch& batch) {
    ++calls;
    EXPECT_EQ(batch.user_ids, std::vector<std::string>{"u1"});
    return true;
  }));
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(pending.Drain([](const PendingInvalidations::Batch&) {
    ADD_FAILURE() << "nothing should be replayed";
    return true;
  }));
}

TEST(PendingInvalidations, OverflowBecomesFlushAll) {
  PendingInvalidations pending(3);
  for (std::string user : {"a", "b", "c", "d"}) pending.AddUser(user);

  bool flush_all = false;
  EXPECT_TRUE(pending.Drain([&](const PendingInvalidations::Batch& batch) {
    flush_all = batch.flush_all;
    return true;
  }));

  EXPECT_TRUE(flush_all);
  EXPECT_TRUE(pending.empty());
}

TEST(PendingInvalidations, AddDuringReplayStaysPending) {
  PendingInvalidations pending(10);
  pending.AddUser("u1");

  EXPECT_TRUE(pending.Drain([&](const PendingInvalidations::Batch&) {
    // A second invalidation of the same user while the first is replayed may
    // have missed the replay: it must be replayed again.
    std::thread([&] { pending.AddUser("u1"); }).join();
    std::thread([&] { pending.AddFlushAll(); }).join();
    return true;
  }));

  EXPECT_FALSE(pending.empty());
  bool flush_all = false;
  EXPECT_TRUE(pending.Drain([&](const PendingInvalidations::Batch& batch) {
    flush_all = batch.flush_all;
    return true;
  }));
  EXPECT_TRUE(flush_all);
  EXPECT_TRUE(pending.empty());
}

int UnusedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t size = sizeof address;
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size), 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

// No Redis listens there: the cache opens, degraded, and never fails a call.
TEST(OpenCache, RedisUrlWithNothingListeningGivesADegradedRedisCache) {
  SystemClock clock;
  config::CacheOptions options;
  options.url = "redis://127.0.0.1:" + std::to_string(UnusedPort()) + "/0";

  Result<std::unique_ptr<Cache>> opened = OpenCache(options, clock);

  ASSERT_TRUE(opened.ok()) << opened.error().message;
  Cache& cache = **opened;
  EXPECT_EQ(cache.name(), "redis");
  EXPECT_FALSE(cache.healthy());
  EXPECT_EQ(cache.Get("analytics:overview:u1"), std::nullopt);
  const Ticket ticket = cache.BeginCompute("u1");
  cache.Put("analytics:overview:u1", "v", std::chrono::seconds(60), ticket);
  cache.InvalidateUser("u1");
  cache.Flush();
  const CacheStats stats = cache.Stats();
  EXPECT_FALSE(stats.healthy);
  EXPECT_EQ(stats.misses, 1u);
}

TEST(OpenCache, MalformedRedisUrlNamesTheKey) {
  SystemClock clock;
  config::CacheOptions options;
  options.url = "redis://host:notaport/0";

  Result<std::unique_ptr<Cache>> opened = OpenCache(options, clock);

  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(opened.error().field, "cache.url");
}

}  // namespace
}  // namespace analytics::cache
