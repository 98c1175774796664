// The analytics cache (SPEC §5): in-process LRU or Redis behind one interface.
// The cache never returns an error: a failure is a miss, and the cache marks
// itself degraded until it works again.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace analytics::cache {

// Taken before computing a user's value from the database; a Put with it is
// dropped if the user's keys were invalidated since, so a value computed from
// a snapshot older than a write can never land after that write's
// invalidation (read-your-writes under races).
struct Ticket {
  std::string user_id;
  std::string generation;
};

struct CacheStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t entries = 0;
  std::uint64_t evictions = 0;
  std::uint64_t used_bytes = 0;
  bool healthy = true;
};

// Thread-safe.
class Cache {
 public:
  virtual ~Cache() = default;
  virtual std::optional<std::string> Get(std::string_view key) = 0;
  // Get for callers that must not block (the HTTP fast path): `done` runs
  // once, on any thread, with the value, or with nullopt for a miss or a
  // failure, which is not counted: the caller falls back to Get. The default
  // always answers nullopt at once.
  virtual void GetAsync(std::string_view key,
                        std::function<void(std::optional<std::string>)> done) {
    (void)key;
    done(std::nullopt);
  }
  virtual Ticket BeginCompute(std::string_view user_id) = 0;
  // Stores `value` for `ttl` (> 0) unless `ticket`'s user was invalidated since.
  virtual void Put(std::string_view key, std::string_view value, std::chrono::seconds ttl,
                   const Ticket& ticket) = 0;
  // Drops every key of `user_id` and moves its generation on.
  virtual void InvalidateUser(std::string_view user_id) = 0;
  // A writer's write-through in one step: InvalidateUser(user_id), then
  // stores `value` under `key` (one of the user's keys) for `ttl` if no other
  // invalidation of the user came between `ticket` and this call. For a
  // writer that took `ticket` before its write and computed `value` from the
  // state its write left: a write it could not see invalidates after the
  // ticket, so either the value is dropped here or that write removes it.
  // The default stores nothing.
  virtual void InvalidateUserAndPut(std::string_view user_id, const Ticket& ticket,
                                    std::string_view key, std::string_view value,
                                    std::chrono::seconds ttl) {
    (void)ticket, (void)key, (void)value, (void)ttl;
    InvalidateUser(user_id);
  }
  virtual void Flush() = 0;
  virtual CacheStats Stats() = 0;
  virtual bool healthy() = 0;
  virtual std::string_view name() const = 0;  // "memory" or "redis"
};

}  // namespace analytics::cache
