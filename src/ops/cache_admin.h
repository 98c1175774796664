// `analytics cache stats | invalidate | flush | warm` (runbook "Cache
// Management"). Redis is read directly (INFO memory, INFO stats, a SCAN of
// our analytics:* keys). The in-process cache lives inside each `analytics
// serve`, so for it the numbers come from the server's /metrics and the
// changes are asked of the server's admin API with auth.admin_token.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/result.h"
#include "config/config.h"

namespace analytics::ops {

struct CacheReport {
  std::string backend;                       // "redis" or "memory"
  std::string where;                         // host:port/db, or the server's URL
  std::optional<std::uint64_t> keys;         // our keys (analytics:*)
  std::optional<std::uint64_t> all_keys;     // Redis DBSIZE (other programs' keys too)
  std::optional<std::uint64_t> used_memory;  // bytes (Redis used_memory)
  std::optional<std::uint64_t> max_memory;   // bytes (Redis maxmemory; 0 = no limit)
  std::optional<std::uint64_t> hits, misses, evictions, expired;
  std::optional<double> hit_rate;  // percent of lookups that hit; absent with no lookups
};

// Errors: kUnavailable naming Redis or the server when it does not answer;
// kInvalidArgument (cache.url) for a bad URL.
Result<CacheReport> ReadCacheReport(const config::Config& config);

// Sends an admin request to the server (the in-process cache's owner) and
// returns its JSON body. Errors: kUnavailable when no admin token is
// configured, the server does not answer, or it answers other than 2xx
// (naming the status and its detail).
Result<std::string> AskServer(const config::Config& config, const std::string& method,
                              const std::string& path, const std::string& body);

}  // namespace analytics::ops
