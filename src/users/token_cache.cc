#include "users/token_cache.h"

#include <algorithm>
#include <functional>
#include <mutex>
#include <unordered_map>

namespace analytics::users {
namespace {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace

class TokenCache::Shard {
 public:
  explicit Shard(std::size_t capacity) : capacity_(capacity) {}

  struct Entry {
    std::string user_id;
    Generation cleared;  // TokenCache::cleared_ when it was inserted
    Time inserted_at;
  };

  mutable std::mutex mu;
  // REQUIRES: mu held, for entries and every member function.
  std::unordered_map<std::string, Entry, StringHash, std::equal_to<>> entries;

  void Put(std::string_view token_hash, Entry entry) {
    auto found = entries.find(token_hash);
    if (found != entries.end()) {
      found->second = std::move(entry);
      return;
    }
    // An eighth of a full shard goes, in the map's own order, which is no
    // order of use: no LRU list to keep per hit, and an evicted entry only
    // costs one database read. Clearing the whole shard instead kept it half
    // empty on average: with 100,000 users about 3 % of reads went to the
    // database (bench/README.md).
    if (entries.size() >= capacity_) {
      std::size_t evict = std::max<std::size_t>(capacity_ / 8, 1);
      for (auto it = entries.begin(); it != entries.end() && evict > 0; --evict) {
        it = entries.erase(it);
      }
    }
    entries.emplace(std::string(token_hash), std::move(entry));
  }

 private:
  const std::size_t capacity_;
};

TokenCache::TokenCache(const Clock& clock, const TokenCacheOptions& options)
    : clock_(clock), max_age_(options.max_age) {
  const std::size_t max_entries = std::max<std::size_t>(options.max_entries, 1);
  const std::size_t count = std::clamp<std::size_t>(options.shards, 1, max_entries);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t capacity = max_entries / count + (i < max_entries % count ? 1 : 0);
    shards_.push_back(std::make_unique<Shard>(capacity));
  }
}

TokenCache::~TokenCache() = default;

TokenCache::Shard& TokenCache::ShardFor(std::string_view token_hash) const {
  return *shards_[std::hash<std::string_view>{}(token_hash) % shards_.size()];
}

std::optional<std::string> TokenCache::Find(std::string_view token_hash) {
  const Time now = clock_.Now();
  Shard& shard = ShardFor(token_hash);
  std::lock_guard lock(shard.mu);
  auto found = shard.entries.find(token_hash);
  if (found == shard.entries.end()) return std::nullopt;
  const Shard::Entry& entry = found->second;
  // The cleared check covers an InvalidateAll that has not reached this
  // shard yet.
  if (entry.cleared != cleared_.load() || now - entry.inserted_at >= max_age_ ||
      now < entry.inserted_at) {
    shard.entries.erase(found);
    return std::nullopt;
  }
  return entry.user_id;
}

void TokenCache::Insert(std::string_view token_hash, std::string_view user_id,
                        Generation generation) {
  Shard::Entry entry{std::string(user_id), cleared_.load(), clock_.Now()};
  Shard& shard = ShardFor(token_hash);
  std::lock_guard lock(shard.mu);
  // Under the shard's lock: an invalidation either moved the generation
  // before this check, or visits this shard after the insert and removes it.
  if (generation != generation_.load()) return;
  shard.Put(token_hash, std::move(entry));
}

void TokenCache::InvalidateAll() {
  cleared_.fetch_add(1);
  generation_.fetch_add(1);
  for (auto& shard : shards_) {
    std::lock_guard lock(shard->mu);
    shard->entries.clear();
  }
}

void TokenCache::InvalidateUser(std::string_view user_id) {
  // First the generation, then the shards: an Insert whose database read
  // began before this call (so may have seen the old token) is refused, or
  // lands in a shard before this loop visits it.
  generation_.fetch_add(1);
  for (auto& shard : shards_) {
    std::lock_guard lock(shard->mu);
    std::erase_if(shard->entries,
                  [&](const auto& entry) { return entry.second.user_id == user_id; });
  }
}

std::size_t TokenCache::size() const {
  std::size_t total = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mu);
    total += shard->entries.size();
  }
  return total;
}

}  // namespace analytics::users
