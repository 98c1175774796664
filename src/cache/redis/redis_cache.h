// The production cache (SPEC §5, cache.url redis://host:port/N): Redis, shared
// by every server instance, with the same read-your-writes tickets as
// MemoryCache, made atomic by Lua scripts on the server.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "cache/cache.h"
#include "cache/redis/get_batcher.h"
#include "cache/redis/pending_invalidations.h"
#include "cache/redis/redis_options.h"
#include "cache/redis/redis_pool.h"

namespace analytics::cache {

// Keys are exactly keys.h's; analytics:gen:{user} holds a user's generation
// and analytics:epoch the epoch that Flush moves on, so a ticket is
// "epoch:gen". Every key written has a TTL. No in-process copy of any value:
// read-your-writes holds across instances sharing one Redis.
//
// Never fails a caller: while Redis is unreachable Get is a miss, Put is
// dropped, BeginCompute gives a ticket no Put accepts, and an invalidation
// or Flush is remembered (PendingInvalidations) and replayed before anything
// is read from Redis again. Calls return at once during the pool's backoff.
// Thread-safe.
class RedisCache final : public Cache {
 public:
  explicit RedisCache(const RedisOptions& options);
  ~RedisCache() override;
  RedisCache(const RedisCache&) = delete;
  RedisCache& operator=(const RedisCache&) = delete;

  std::optional<std::string> Get(std::string_view key) override;
  // Queued on the GET batcher: concurrent reads share round trips.
  void GetAsync(std::string_view key,
                std::function<void(std::optional<std::string>)> done) override;
  Ticket BeginCompute(std::string_view user_id) override;
  // Dropped when ttl <= 0, the ticket is malformed or stale, or Redis is down.
  void Put(std::string_view key, std::string_view value, std::chrono::seconds ttl,
           const Ticket& ticket) override;
  // GEN bump + UNLINK of the user's six keys in one script.
  void InvalidateUser(std::string_view user_id) override;
  // The same bump and UNLINK, and the ticket-checked SET, in one script.
  void InvalidateUserAndPut(std::string_view user_id, const Ticket& ticket, std::string_view key,
                            std::string_view value, std::chrono::seconds ttl) override;
  // Moves the epoch on (every ticket taken before is stale), then SCAN +
  // UNLINK of every other analytics:* key. Never FLUSHDB or KEYS.
  void Flush() override;
  // hits and misses are this object's; entries (DBSIZE), evictions
  // (evicted_keys) and used_bytes (used_memory) are the server's, refreshed at
  // most every options.stats_refresh.
  CacheStats Stats() override;
  // False from a failure until Redis answers again (and pending invalidations
  // are replayed). Pings Redis at most once a second, within the backoff.
  bool healthy() override;
  std::string_view name() const override { return "redis"; }

 private:
  // A connection with every pending invalidation replayed, or nullopt.
  std::optional<RedisPool::Lease> Connect();
  bool Replay(RedisConnection& connection, const PendingInvalidations::Batch& batch);
  bool FlushOn(RedisConnection& connection);
  void RefreshServerStats();

  const RedisOptions options_;
  const std::string epoch_key_;
  RedisPool pool_;
  PendingInvalidations pending_;
  std::atomic<std::uint64_t> hits_{0};
  std::atomic<std::uint64_t> misses_{0};
  std::atomic<std::int64_t> last_ping_ms_{0};  // steady clock, for healthy()

  std::mutex stats_mu_;  // one refresh at a time; guards stats_at_
  std::optional<std::chrono::steady_clock::time_point> stats_at_;
  // The server's numbers, as last read.
  std::atomic<std::uint64_t> entries_{0};
  std::atomic<std::uint64_t> evictions_{0};
  std::atomic<std::uint64_t> used_bytes_{0};
  // Last: its thread uses Connect(), so it stops before anything above goes.
  RedisGetBatcher batcher_;
};

}  // namespace analytics::cache
