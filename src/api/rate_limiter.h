// Per-key token buckets (SPEC §4 rate limiting): `rate` tokens a second up to
// `burst`. Keys are bearer tokens, or client addresses for anonymous calls.
#pragma once

#include <array>
#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "config/config.h"

namespace analytics::api {

struct RateDecision {
  bool allowed = true;
  std::chrono::seconds retry_after{0};  // when not allowed: until one token is back
};

// Thread-safe. Memory is bounded: idle, full buckets are dropped.
class RateLimiter {
 public:
  explicit RateLimiter(const config::RateLimitOptions& options);
  RateDecision Take(std::string_view key, std::chrono::steady_clock::time_point now);

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point updated;
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Bucket> buckets;
    std::chrono::steady_clock::time_point last_sweep;
  };
  static constexpr std::size_t kShards = 16;
  static constexpr std::size_t kSweepAbove = 10'000;  // buckets per shard before a sweep

  void Sweep(Shard& shard, std::chrono::steady_clock::time_point now);

  config::RateLimitOptions options_;
  std::array<Shard, kShards> shards_;
};

}  // namespace analytics::api
