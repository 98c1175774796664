// The only file that names every cache implementation; only app/ calls it.
#include "cache/open_cache.h"

#include "cache/memory_cache.h"
#include "cache/redis/redis_cache.h"

namespace analytics::cache {

Result<std::unique_ptr<Cache>> OpenCache(const config::CacheOptions& options, const Clock& clock) {
  if (options.url == "memory") {
    return std::unique_ptr<Cache>(std::make_unique<MemoryCache>(options, clock));
  }
  if (options.url.starts_with("redis://")) {
    // No connection yet: an unreachable Redis makes a degraded cache, not a
    // failed start-up (SPEC §5).
    Result<RedisOptions> redis = ParseRedisUrl(options.url);
    if (!redis.ok()) return redis.error();
    return std::unique_ptr<Cache>(std::make_unique<RedisCache>(*redis));
  }
  return InvalidArgument(
      "cache.url",
      "cache.url must be \"memory\" or redis://host:port/N, got \"" + options.url + "\"");
}

}  // namespace analytics::cache
