#include "api/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace analytics::api {

RateLimiter::RateLimiter(bool enabled, double per_second, double burst)
    : enabled_(enabled), per_second_(per_second), burst_(burst) {}

RateDecision RateLimiter::Take(std::string_view key, std::chrono::steady_clock::time_point now,
                               double cost) {
  return Draw(key, now, std::min(std::max(cost, 1.0), burst_));
}

RateDecision RateLimiter::Check(std::string_view key, std::chrono::steady_clock::time_point now) {
  return Draw(key, now, 0);
}

// Refills `key`'s bucket to `now`, then takes `cost` tokens if it holds them
// (cost 0: only whether it holds one).
RateDecision RateLimiter::Draw(std::string_view key, std::chrono::steady_clock::time_point now,
                               double cost) {
  if (!enabled_) return {};
  Shard& shard = shards_[std::hash<std::string_view>{}(key) % kShards];
  std::lock_guard lock(shard.mutex);
  auto it = shard.buckets.find(std::string(key));
  if (it == shard.buckets.end()) {
    if (cost == 0) return {};  // a bucket never drawn on is full
    if (shard.buckets.size() >= kSweepAbove) Sweep(shard, now);
    it = shard.buckets.emplace(std::string(key), Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  double elapsed = std::chrono::duration<double>(now - b.updated).count();
  b.tokens = std::min(burst_, b.tokens + std::max(0.0, elapsed) * per_second_);
  b.updated = now;
  const double needed = std::max(cost, 1.0);
  if (b.tokens >= needed) {
    b.tokens -= cost;
    return {};
  }
  double wait = (needed - b.tokens) / per_second_;
  return RateDecision{false, std::chrono::seconds(std::max<long>(1, std::lround(std::ceil(wait))))};
}

void RateLimiter::Sweep(Shard& shard, std::chrono::steady_clock::time_point now) {
  // A bucket that would be full again by now carries no state worth keeping.
  double refill_seconds = burst_ / per_second_;
  std::erase_if(shard.buckets, [&](const auto& entry) {
    return std::chrono::duration<double>(now - entry.second.updated).count() >= refill_seconds;
  });
  shard.last_sweep = now;
}

}  // namespace analytics::api
