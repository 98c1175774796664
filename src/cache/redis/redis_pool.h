// A small pool of Redis connections that knows whether Redis is up, and while
// it is down retries with exponential backoff instead of on every call.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "cache/redis/redis_connection.h"
#include "cache/redis/redis_options.h"

namespace analytics::cache {

// Up to options.pool_size connections, opened on demand; each is lent to one
// thread at a time. After a failure (Lease::Fail) the pool is down: every
// connection is dropped, Acquire returns nullopt at once until the backoff
// (options.backoff_initial, doubling to options.backoff_max) has passed, and
// then one caller tries to connect while the others still get nullopt.
// Up/down transitions are logged. Thread-safe.
class RedisPool {
 public:
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();

    RedisConnection& operator*() const { return *connection_; }
    RedisConnection* operator->() const { return connection_.get(); }
    // The connection failed (I/O error, timeout, or an answer that means Redis
    // cannot be trusted): it is dropped and the pool goes down.
    void Fail();

   private:
    friend class RedisPool;
    Lease(RedisPool* pool, std::unique_ptr<RedisConnection> connection, std::uint64_t epoch)
        : pool_(pool), connection_(std::move(connection)), epoch_(epoch) {}

    RedisPool* pool_;
    std::unique_ptr<RedisConnection> connection_;
    std::uint64_t epoch_;
    bool failed_ = false;
  };

  explicit RedisPool(const RedisOptions& options);
  ~RedisPool();
  RedisPool(const RedisPool&) = delete;
  RedisPool& operator=(const RedisPool&) = delete;

  // A connection, or nullopt when Redis is down (at once during backoff), a
  // connection could not be opened, or none was free within the command timeout.
  std::optional<Lease> Acquire();
  // False from a failure until a reconnection succeeds.
  bool up() const;

 private:
  using SteadyTime = std::chrono::steady_clock::time_point;

  void Release(std::unique_ptr<RedisConnection> connection, std::uint64_t epoch, bool failed);
  // REQUIRES: mu_ held.
  void MarkDownLocked(std::string_view reason);

  const RedisOptions options_;
  mutable std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<RedisConnection>> idle_;
  std::size_t open_ = 0;     // idle + lent, of the current epoch
  std::uint64_t epoch_ = 0;  // moves on at every failure; older leases are dropped on return
  bool up_ = true;           // optimistic until the first failure
  bool probing_ = false;
  SteadyTime retry_at_{};
  std::chrono::milliseconds backoff_;
};

}  // namespace analytics::cache
