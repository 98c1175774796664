// Per-key token buckets (SPEC §4 rate limiting): `per_second` tokens a second
// up to `burst`. Keys name who pays: a principal ("u:<user id>", "admin") or
// a client address ("a:<address>"), never a token.
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
  RateLimiter(bool enabled, double per_second, double burst);
  // The request limit of `options` (requests_per_second, burst).
  explicit RateLimiter(const config::RateLimitOptions& options)
      : RateLimiter(options.enabled, options.requests_per_second, options.burst) {}

  // Draws `cost` tokens from `key`'s bucket, or none when it holds fewer. A
  // cost above the burst is charged as the burst, so that any request can
  // pass from a full bucket.
  RateDecision Take(std::string_view key, std::chrono::steady_clock::time_point now,
                    double cost = 1);
  // Whether `key`'s bucket holds a whole token now; draws nothing.
  RateDecision Check(std::string_view key, std::chrono::steady_clock::time_point now);

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
  RateDecision Draw(std::string_view key, std::chrono::steady_clock::time_point now, double cost);

  const bool enabled_;
  const double per_second_;
  const double burst_;
  std::array<Shard, kShards> shards_;
};

}  // namespace analytics::api
