// The in-process map from token hash to user id that spares
// UserService::Authenticate a database read per request. It knows nothing of
// revocation across instances: RevocationWatch tells it when to forget.
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

namespace analytics::users {

struct TokenCacheOptions {
  std::size_t max_entries = 100'000;  // split evenly across shards
  std::size_t shards = 16;            // one mutex each
  std::chrono::seconds max_age{300};  // an entry older than this is a miss
  // UserService: how long entries stay trusted while the rotation log cannot
  // be read (RevocationWatch::kOutageGrace).
  std::chrono::milliseconds outage_grace{std::chrono::seconds(30)};
};

// Token hash -> user id, sharded and bounded: an insert into a full shard
// first evicts an eighth of its entries. Every invalidation moves the
// generation on, so an Insert whose database read began before an
// invalidation is dropped even if it lands after it.
// Thread-safe. `clock` must outlive the cache.
class TokenCache {
 public:
  using Generation = std::uint64_t;

  TokenCache(const Clock& clock, const TokenCacheOptions& options = {});
  ~TokenCache();
  TokenCache(const TokenCache&) = delete;
  TokenCache& operator=(const TokenCache&) = delete;

  // To be taken before the database read whose answer is Insert-ed.
  Generation generation() const { return generation_.load(); }
  // The user id cached for `token_hash`: inserted in the current generation,
  // less than max_age ago. A stale entry found is removed.
  std::optional<std::string> Find(std::string_view token_hash);
  // Dropped when `generation` is no longer current.
  void Insert(std::string_view token_hash, std::string_view user_id, Generation generation);
  // Moves the generation on and drops every entry.
  void InvalidateAll();
  // Moves the generation on and drops `user_id`'s entries (a token rotation):
  // other users' entries stay. O(entries).
  void InvalidateUser(std::string_view user_id);
  std::size_t size() const;

 private:
  class Shard;

  Shard& ShardFor(std::string_view token_hash) const;

  const Clock& clock_;
  const std::chrono::microseconds max_age_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<Generation> generation_{0};  // moved on by every invalidation
  std::atomic<Generation> cleared_{0};     // moved on by InvalidateAll only
};

}  // namespace analytics::users
