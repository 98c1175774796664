#include "cache/memory_cache.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <iterator>
#include <list>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace analytics::cache {
namespace {

// Rough per-entry bookkeeping (list node, hash node, index slot) for used_bytes.
constexpr std::size_t kEntryOverheadBytes = 128;
// Each shard remembers at least this many users' generations, however small it is.
constexpr std::size_t kMinGenerationsPerShard = 64;

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

std::optional<std::uint64_t> ParseGeneration(std::string_view text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

std::string_view UserIdOfKey(std::string_view key) {
  const std::size_t colon = key.rfind(':');
  return colon == std::string_view::npos ? key : key.substr(colon + 1);
}

// Why generations are correct with a bounded map.
//
// A user's current generation is max(generations[user], floor) (just `floor`
// when the user has no entry). Every number comes from the cache-wide counter,
// which only increases, and is taken under the shard's lock, so within a shard
// numbers are handed out in increasing order.
//   - InvalidateUser sets generations[user] = ++counter: larger than anything
//     handed out before, so the user's current generation changes.
//   - Flush sets floor = ++counter in every shard and forgets the map: every
//     user's current generation changes.
//   - When the map is full, the entry with the smallest generation (the front
//     of `generation_order`) is forgotten and floor is raised to it. That
//     user's current generation is unchanged (it was max(g, floor) and is now
//     max(floor, g)); users still in the map have larger numbers and are
//     unaffected; users not in the map may see their generation rise, which
//     only drops a Put in flight (a miss later), never lets a stale one in.
// So a user's current generation never decreases and changes on every
// invalidation: a ticket taken before an invalidation can never match again.
// Put compares the ticket and inserts under the shard's lock, and
// InvalidateUser moves the generation on before it removes keys under that
// same lock, so a stale value is either refused or removed by the sweep.
class MemoryCache::Shard {
 public:
  Shard(std::size_t max_entries, std::size_t max_generations)
      : max_entries_(max_entries), max_generations_(max_generations) {}

  std::mutex mu;

  // The rest REQUIRES: mu held.

  std::optional<std::string> Find(std::string_view key, Time now) {
    auto found = by_key_.find(key);
    if (found == by_key_.end()) return std::nullopt;
    auto node = found->second;
    if (node->expires_at <= now) {
      Remove(node);
      return std::nullopt;
    }
    lru_.splice(lru_.begin(), lru_, node);
    return node->value;
  }

  // Returns how many entries were evicted to make room (0 or 1).
  std::size_t Insert(std::string_view key, std::string_view value, Time expires_at) {
    auto found = by_key_.find(key);
    if (found != by_key_.end()) {
      auto node = found->second;
      used_bytes_ -= node->value.size();
      node->value.assign(value);
      used_bytes_ += node->value.size();
      node->expires_at = expires_at;
      lru_.splice(lru_.begin(), lru_, node);
      return 0;
    }
    std::size_t evicted = 0;
    if (lru_.size() >= max_entries_) {
      Remove(std::prev(lru_.end()));
      evicted = 1;
    }
    lru_.push_front(Entry{std::string(key), std::string(value), expires_at});
    auto node = lru_.begin();
    by_key_.emplace(node->key, node);
    const std::string_view user_id = UserIdOfKey(node->key);
    auto user = keys_by_user_.find(user_id);
    if (user == keys_by_user_.end()) {
      user = keys_by_user_.emplace(std::string(user_id), std::vector<std::string_view>{}).first;
    }
    user->second.push_back(node->key);
    used_bytes_ += EntryBytes(*node);
    return evicted;
  }

  void RemoveUser(std::string_view user_id) {
    auto user = keys_by_user_.find(user_id);
    if (user == keys_by_user_.end()) return;
    const std::vector<std::string_view> keys = std::move(user->second);
    keys_by_user_.erase(user);
    // `keys` point into the entries, so find every node before erasing any.
    std::vector<std::list<Entry>::iterator> nodes;
    nodes.reserve(keys.size());
    for (std::string_view key : keys) nodes.push_back(by_key_.at(key));
    for (auto node : nodes) EraseNode(node);
  }

  std::uint64_t Generation(std::string_view user_id) const {
    auto found = generations_.find(user_id);
    if (found == generations_.end()) return floor_;
    return std::max(found->second.generation, floor_);
  }

  // REQUIRES: `generation` is larger than every number this shard has seen.
  void SetGeneration(std::string_view user_id, std::uint64_t generation) {
    auto found = generations_.find(user_id);
    if (found != generations_.end()) {
      found->second.generation = generation;
      generation_order_.splice(generation_order_.end(), generation_order_, found->second.order);
      return;
    }
    if (generations_.size() >= max_generations_) {
      auto oldest = generations_.find(generation_order_.front());
      floor_ = std::max(floor_, oldest->second.generation);
      generations_.erase(oldest);
      generation_order_.pop_front();
    }
    generation_order_.emplace_back(user_id);
    generations_.emplace(std::string(user_id),
                         UserGeneration{generation, std::prev(generation_order_.end())});
  }

  void Clear(std::uint64_t floor) {
    by_key_.clear();
    keys_by_user_.clear();
    lru_.clear();
    generations_.clear();
    generation_order_.clear();
    used_bytes_ = 0;
    floor_ = floor;
  }

  std::size_t entries() const { return lru_.size(); }
  std::size_t used_bytes() const { return used_bytes_; }

 private:
  struct Entry {
    std::string key;
    std::string value;
    Time expires_at;
  };
  struct UserGeneration {
    std::uint64_t generation;
    std::list<std::string>::iterator order;
  };

  static std::size_t EntryBytes(const Entry& entry) {
    return entry.key.size() + entry.value.size() + kEntryOverheadBytes;
  }

  // Removes the node and its place in the user index.
  void Remove(std::list<Entry>::iterator node) {
    auto user = keys_by_user_.find(UserIdOfKey(node->key));
    if (user != keys_by_user_.end()) {
      auto& keys = user->second;
      keys.erase(std::find(keys.begin(), keys.end(), std::string_view(node->key)));
      if (keys.empty()) keys_by_user_.erase(user);
    }
    EraseNode(node);
  }

  // Removes the node only; the caller has dealt with the user index.
  void EraseNode(std::list<Entry>::iterator node) {
    used_bytes_ -= EntryBytes(*node);
    by_key_.erase(std::string_view(node->key));
    lru_.erase(node);
  }

  const std::size_t max_entries_;
  const std::size_t max_generations_;
  std::list<Entry> lru_;  // most recently used first
  // Keys are views of the entries' own key strings (list nodes never move).
  std::unordered_map<std::string_view, std::list<Entry>::iterator> by_key_;
  StringMap<std::vector<std::string_view>> keys_by_user_;
  StringMap<UserGeneration> generations_;
  std::list<std::string> generation_order_;  // smallest generation first
  std::uint64_t floor_ = 0;
  std::size_t used_bytes_ = 0;
};

MemoryCache::MemoryCache(const config::CacheOptions& options, const Clock& clock,
                         std::size_t shards)
    : clock_(clock) {
  const std::size_t max_entries = std::max<std::size_t>(options.memory_max_entries, 1);
  const std::size_t count = std::clamp<std::size_t>(shards, 1, max_entries);
  for (std::size_t i = 0; i < count; ++i) {
    // Spread the bound exactly: the first `max % count` shards take one more.
    const std::size_t capacity = max_entries / count + (i < max_entries % count ? 1 : 0);
    shards_.push_back(
        std::make_unique<Shard>(capacity, std::max(capacity, kMinGenerationsPerShard)));
  }
}

MemoryCache::~MemoryCache() = default;

MemoryCache::Shard& MemoryCache::ShardFor(std::string_view user_id) {
  return *shards_[std::hash<std::string_view>{}(user_id) % shards_.size()];
}

std::optional<std::string> MemoryCache::Get(std::string_view key) {
  const Time now = clock_.Now();
  Shard& shard = ShardFor(UserIdOfKey(key));
  std::optional<std::string> value;
  {
    std::lock_guard lock(shard.mu);
    value = shard.Find(key, now);
  }
  (value ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed);
  return value;
}

void MemoryCache::GetAsync(std::string_view key,
                           std::function<void(std::optional<std::string>)> done) {
  const Time now = clock_.Now();
  Shard& shard = ShardFor(UserIdOfKey(key));
  std::optional<std::string> value;
  {
    std::lock_guard lock(shard.mu);
    value = shard.Find(key, now);
  }
  if (value) hits_.fetch_add(1, std::memory_order_relaxed);
  done(std::move(value));
}

Ticket MemoryCache::BeginCompute(std::string_view user_id) {
  Shard& shard = ShardFor(user_id);
  std::lock_guard lock(shard.mu);
  return Ticket{std::string(user_id), std::to_string(shard.Generation(user_id))};
}

void MemoryCache::Put(std::string_view key, std::string_view value, std::chrono::seconds ttl,
                      const Ticket& ticket) {
  if (ttl <= std::chrono::seconds::zero()) return;
  const std::optional<std::uint64_t> generation = ParseGeneration(ticket.generation);
  if (!generation) return;
  const Time expires_at = clock_.Now() + ttl;
  Shard& shard = ShardFor(UserIdOfKey(key));
  Shard& ticket_shard = ShardFor(ticket.user_id);
  std::size_t evicted = 0;
  if (&shard == &ticket_shard) {
    std::lock_guard lock(shard.mu);
    if (shard.Generation(ticket.user_id) != *generation) return;
    evicted = shard.Insert(key, value, expires_at);
  } else {
    // A key filed under another user than the ticket's (not the usual case).
    std::scoped_lock lock(shard.mu, ticket_shard.mu);
    if (ticket_shard.Generation(ticket.user_id) != *generation) return;
    evicted = shard.Insert(key, value, expires_at);
  }
  if (evicted > 0) evictions_.fetch_add(evicted, std::memory_order_relaxed);
}

void MemoryCache::InvalidateUser(std::string_view user_id) {
  Shard& shard = ShardFor(user_id);
  std::lock_guard lock(shard.mu);
  shard.SetGeneration(user_id, generation_counter_.fetch_add(1) + 1);
  shard.RemoveUser(user_id);
}

void MemoryCache::InvalidateUserAndPut(std::string_view user_id, const Ticket& ticket,
                                       std::string_view key, std::string_view value,
                                       std::chrono::seconds ttl) {
  const std::optional<std::uint64_t> generation = ParseGeneration(ticket.generation);
  Shard& shard = ShardFor(user_id);
  Shard& key_shard = ShardFor(UserIdOfKey(key));
  const bool store = ttl > std::chrono::seconds::zero() && ticket.user_id == user_id;
  std::size_t evicted = 0;
  auto apply = [&] {
    const bool current = generation && shard.Generation(user_id) == *generation;
    shard.SetGeneration(user_id, generation_counter_.fetch_add(1) + 1);
    shard.RemoveUser(user_id);
    if (store && current) evicted = key_shard.Insert(key, value, clock_.Now() + ttl);
  };
  if (&shard == &key_shard) {
    std::lock_guard lock(shard.mu);
    apply();
  } else {
    std::scoped_lock lock(shard.mu, key_shard.mu);
    apply();
  }
  if (evicted > 0) evictions_.fetch_add(evicted, std::memory_order_relaxed);
}

void MemoryCache::Flush() {
  for (auto& shard : shards_) {
    std::lock_guard lock(shard->mu);
    shard->Clear(generation_counter_.fetch_add(1) + 1);
  }
}

CacheStats MemoryCache::Stats() {
  CacheStats stats;
  stats.hits = hits_.load(std::memory_order_relaxed);
  stats.misses = misses_.load(std::memory_order_relaxed);
  stats.evictions = evictions_.load(std::memory_order_relaxed);
  for (auto& shard : shards_) {
    std::lock_guard lock(shard->mu);
    stats.entries += shard->entries();
    stats.used_bytes += shard->used_bytes();
  }
  stats.healthy = true;
  return stats;
}

}  // namespace analytics::cache
