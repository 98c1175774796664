// Picks the cache implementation by cache.url: "memory" (in-process LRU) or redis://.
#pragma once

#include <memory>

#include "base/clock.h"
#include "base/result.h"
#include "cache/cache.h"
#include "config/config.h"

namespace analytics::cache {

// Errors: kInvalidArgument naming cache.url for an unknown scheme.
// `clock` must outlive the cache.
Result<std::unique_ptr<Cache>> OpenCache(const config::CacheOptions& options, const Clock& clock);

}  // namespace analytics::cache
