// Redis for the GetAsync and batcher tests: a leased logical database of the
// shared test Redis (ANALYTICS_TEST_REDIS_URL; the same 9..15 lock files as
// redis_cache_test.cc, so parallel tests never share one), and a private
// redis-server on a free port that a test may stop, stall and restart
// (scripts/test-services.sh), as redis_outage_test.cc does.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cache/cache.h"
#include "cache/redis/redis_connection.h"
#include "cache/redis/redis_options.h"
#include "support/backends.h"
#include "support/temp_dir.h"

namespace analytics::cache::redistest {

inline std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

// Skips (or fails under ANALYTICS_TEST_REQUIRE_ALL_BACKENDS=1) without Redis.
#define ANALYTICS_REQUIRE_REDIS()                                                                \
  do {                                                                                           \
    if (::analytics::cache::redistest::Env("ANALYTICS_TEST_REDIS_URL").empty()) {                \
      if (::analytics::cache::redistest::Env("ANALYTICS_TEST_REQUIRE_ALL_BACKENDS") == "1") {    \
        FAIL() << "ANALYTICS_TEST_REQUIRE_ALL_BACKENDS=1 but ANALYTICS_TEST_REDIS_URL is unset"; \
      }                                                                                          \
      GTEST_SKIP() << "ANALYTICS_TEST_REDIS_URL is not set (see scripts/test-services.sh)";      \
    }                                                                                            \
  } while (false)

inline void Fill(Cache& cache, const std::string& user, const std::string& key,
                 const std::string& value) {
  cache.Put(key, value, std::chrono::seconds(60), cache.BeginCompute(user));
}

// Exclusive use of one logical database (9..15) of the shared test Redis,
// flushed on acquire.
class LeasedDb {
 public:
  LeasedDb() {
    const std::string base = Env("ANALYTICS_TEST_REDIS_URL");
    for (int attempt = 0; lock_fd_ < 0 && attempt < 6000; ++attempt) {
      for (int db = 9; db <= 15 && lock_fd_ < 0; ++db) {
        const std::string path =
            "/tmp/analytics-redis-cache-test-db-" + std::to_string(db) + ".lock";
        const int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0666);
        if (fd < 0) continue;
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
          lock_fd_ = fd;
          url_ = WithDb(base, db);
        } else {
          ::close(fd);
        }
      }
      if (lock_fd_ < 0) ::usleep(10'000);
    }
    EXPECT_GE(lock_fd_, 0) << "no free Redis test database in 60 s";
    Result<RedisOptions> options = ParseRedisUrl(url_);
    EXPECT_TRUE(options.ok()) << url_;
    if (options.ok()) options_ = *options;
    Result<std::unique_ptr<RedisConnection>> raw = RedisConnection::Open(options_);
    EXPECT_TRUE(raw.ok()) << (raw.ok() ? "" : raw.error().message);
    if (raw.ok()) raw_ = std::move(*raw);
    EXPECT_EQ(Raw({"FLUSHDB"}).text, "OK");
  }
  ~LeasedDb() {
    if (lock_fd_ >= 0) ::close(lock_fd_);
  }
  LeasedDb(const LeasedDb&) = delete;
  LeasedDb& operator=(const LeasedDb&) = delete;

  const RedisOptions& options() const { return options_; }

  RedisReply Raw(const RedisArgv& argv) {
    if (!raw_) return {};
    Result<RedisReply> reply = raw_->Run(argv);
    EXPECT_TRUE(reply.ok()) << reply.error().message;
    return reply.ok() ? *reply : RedisReply{};
  }

 private:
  // "redis://host:port/0" → "redis://host:port/<db>".
  static std::string WithDb(const std::string& base, int db) {
    const std::size_t scheme_end = base.find("://");
    const std::size_t path =
        base.find_first_of("/?", scheme_end == std::string::npos ? 0 : scheme_end + 3);
    return (path == std::string::npos ? base : base.substr(0, path)) + "/" + std::to_string(db);
  }

  int lock_fd_ = -1;
  std::string url_;
  RedisOptions options_;
  std::unique_ptr<RedisConnection> raw_;
};

inline int UnusedPort() {
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

// A redis-server of the test's own, on a free port; stopped at the end.
class PrivateRedis {
 public:
  PrivateRedis() : port_(UnusedPort()), dir_(temp_.File("redis")) {}
  ~PrivateRedis() {
    Signal("CONT");
    Service("stop");
  }
  PrivateRedis(const PrivateRedis&) = delete;
  PrivateRedis& operator=(const PrivateRedis&) = delete;

  bool Start() { return Service("start") == 0; }
  // SHUTDOWN NOSAVE: the data is gone.
  bool Stop() { return Service("stop") == 0; }
  // SIGSTOP keeps the data while nobody gets an answer (a partition); CONT ends it.
  void Signal(const std::string& signal) {
    test::RunCommand("[ -f '" + dir_ + "/redis.pid' ] && kill -" + signal + " $(cat '" + dir_ +
                     "/redis.pid') 2>/dev/null");
  }
  int port() const { return port_; }

  RedisOptions Options(const std::string& query = "") const {
    Result<RedisOptions> options =
        ParseRedisUrl("redis://127.0.0.1:" + std::to_string(port_) + "/0" + query);
    EXPECT_TRUE(options.ok()) << options.error().message;
    return options.ok() ? *options : RedisOptions{};
  }

 private:
  int Service(const std::string& action) {
    const std::filesystem::path script = std::filesystem::path(__FILE__).parent_path() / ".." /
                                         ".." / "scripts" / "test-services.sh";
    return test::RunCommand("bash '" + script.string() + "' redis " + action + " '" + dir_ + "' " +
                            std::to_string(port_) + " >/dev/null 2>&1");
  }

  test::TempDir temp_;
  int port_;
  std::string dir_;
};

// Collects GetAsync answers: each slot must be answered exactly once.
class Answers {
 public:
  explicit Answers(std::size_t n) : values_(n), counts_(n, 0) {}

  std::function<void(std::optional<std::string>)> For(std::size_t i) {
    return [this, i](std::optional<std::string> value) {
      std::lock_guard lock(mu_);
      values_[i] = std::move(value);
      ++counts_[i];
      ++total_;
      cv_.notify_all();
    };
  }
  bool WaitAll(std::chrono::milliseconds limit) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return total_ >= values_.size(); });
  }
  std::optional<std::string> value(std::size_t i) {
    std::lock_guard lock(mu_);
    return values_[i];
  }
  int count(std::size_t i) {
    std::lock_guard lock(mu_);
    return counts_[i];
  }
  std::size_t total() {
    std::lock_guard lock(mu_);
    return total_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::optional<std::string>> values_;
  std::vector<int> counts_;
  std::size_t total_ = 0;
};

}  // namespace analytics::cache::redistest
