// How RedisCache reaches Redis and how it behaves when Redis is slow or gone:
// parsed from cache.url (redis://[[user]:password@]host[:port][/db][?k=v&…]).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.h"

namespace analytics::cache {

struct RedisOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;                                      // the /N of the URL
  std::string username;                            // Redis 6 ACL user; empty = "default"
  std::string password;                            // empty = no AUTH
  std::size_t pool_size = 4;                       // ?pool_size=
  std::chrono::milliseconds connect_timeout{100};  // ?connect_timeout_ms=
  std::chrono::milliseconds command_timeout{200};  // ?timeout_ms=
  std::chrono::milliseconds backoff_initial{100};  // ?backoff_initial_ms=
  std::chrono::milliseconds backoff_max{5000};     // ?backoff_max_ms=
  // TTL of the generation and epoch keys; refreshed on every bump.
  std::chrono::seconds meta_ttl{86400};
  // Users whose failed invalidation is remembered; past this, "flush all" is.
  std::size_t max_pending_invalidations = 10'000;
  // How long Stats() reuses INFO's numbers.
  std::chrono::seconds stats_refresh{5};
};

// Parses `url`. Query keys: pool_size (1..64), timeout_ms, connect_timeout_ms,
// backoff_initial_ms, backoff_max_ms (each 1..60000), password.
// Errors: kInvalidArgument with field "cache.url", naming what is wrong (the
// password is never part of the message).
Result<RedisOptions> ParseRedisUrl(std::string_view url);

}  // namespace analytics::cache
