// The in-process cache (SPEC §5, cache.url "memory"): a sharded LRU with
// per-entry TTLs, per-user invalidation and generation tickets.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "cache/cache.h"
#include "config/config.h"

namespace analytics::cache {

// An LRU bounded by options.memory_max_entries (split evenly across shards),
// with expiry read from `clock`. Expired entries are misses and are removed
// when seen. A key's user id is the part after its last ':'; all keys of one
// user live in one shard. Never fails; healthy() is always true.
// Thread-safe. `clock` must outlive the cache.
class MemoryCache final : public Cache {
 public:
  static constexpr std::size_t kDefaultShards = 16;

  // `shards` is clamped to [1, max_entries]; tests pass 1 for a strict LRU order.
  MemoryCache(const config::CacheOptions& options, const Clock& clock,
              std::size_t shards = kDefaultShards);
  ~MemoryCache() override;
  MemoryCache(const MemoryCache&) = delete;
  MemoryCache& operator=(const MemoryCache&) = delete;

  std::optional<std::string> Get(std::string_view key) override;
  // Answers at once, on the caller's thread.
  void GetAsync(std::string_view key,
                std::function<void(std::optional<std::string>)> done) override;
  Ticket BeginCompute(std::string_view user_id) override;
  // Also dropped when ttl <= 0 (nothing is ever stored without an expiry).
  void Put(std::string_view key, std::string_view value, std::chrono::seconds ttl,
           const Ticket& ticket) override;
  void InvalidateUser(std::string_view user_id) override;
  void InvalidateUserAndPut(std::string_view user_id, const Ticket& ticket, std::string_view key,
                            std::string_view value, std::chrono::seconds ttl) override;
  // Drops every entry and invalidates every ticket taken before it.
  void Flush() override;
  CacheStats Stats() override;
  bool healthy() override { return true; }
  std::string_view name() const override { return "memory"; }

 private:
  class Shard;

  Shard& ShardFor(std::string_view user_id);

  const Clock& clock_;
  std::vector<std::unique_ptr<Shard>> shards_;
  // The source of every generation number; only ever increases.
  std::atomic<std::uint64_t> generation_counter_{0};
  std::atomic<std::uint64_t> hits_{0};
  std::atomic<std::uint64_t> misses_{0};
  std::atomic<std::uint64_t> evictions_{0};
};

// The user id part of a key: everything after the last ':' (the whole key if none).
std::string_view UserIdOfKey(std::string_view key);

}  // namespace analytics::cache
