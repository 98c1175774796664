#include "api/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace analytics::api {

RateLimiter::RateLimiter(const config::RateLimitOptions& options) : options_(options) {}

RateDecision RateLimiter::Take(std::string_view key, std::chrono::steady_clock::time_point now) {
  if (!options_.enabled) return {};
  Shard& shard = shards_[std::hash<std::string_view>{}(key) % kShards];
  std::lock_guard lock(shard.mutex);
  auto it = shard.buckets.find(std::string(key));
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= kSweepAbove) Sweep(shard, now);
    it = shard.buckets.emplace(std::string(key), Bucket{options_.burst, now}).first;
  }
  Bucket& b = it->second;
  double elapsed = std::chrono::duration<double>(now - b.updated).count();
  b.tokens = std::min(options_.burst, b.tokens + std::max(0.0, elapsed) * options_.requests_per_second);
  b.updated = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return {};
  }
  double wait = (1.0 - b.tokens) / options_.requests_per_second;
  return RateDecision{false, std::chrono::seconds(std::max<long>(1, std::lround(std::ceil(wait))))};
}

void RateLimiter::Sweep(Shard& shard, std::chrono::steady_clock::time_point now) {
  // A bucket that would be full again by now carries no state worth keeping.
  double refill_seconds = options_.burst / options_.requests_per_second;
  std::erase_if(shard.buckets, [&](const auto& entry) {
    return std::chrono::duration<double>(now - entry.second.updated).count() >= refill_seconds;
  });
  shard.last_sweep = now;
}

}  // namespace analytics::api
