#include "cache/open_cache.h"

#include <gtest/gtest.h>

namespace analytics::cache {
namespace {

TEST(OpenCache, MemoryUrlGivesMemoryCache) {
  SystemClock clock;
  config::CacheOptions options;
  options.url = "memory";

  Result<std::unique_ptr<Cache>> cache = OpenCache(options, clock);

  ASSERT_TRUE(cache.ok()) << cache.error().message;
  EXPECT_EQ((*cache)->name(), "memory");
  EXPECT_TRUE((*cache)->healthy());
}

TEST(OpenCache, UnknownSchemeNamesTheKey) {
  SystemClock clock;
  for (std::string url : {"", "memcached://x", "Memory", "redis:/x"}) {
    config::CacheOptions options;
    options.url = url;

    Result<std::unique_ptr<Cache>> cache = OpenCache(options, clock);

    ASSERT_FALSE(cache.ok()) << url;
    EXPECT_EQ(cache.error().code, ErrorCode::kInvalidArgument) << url;
    EXPECT_EQ(cache.error().field, "cache.url") << url;
  }
}

}  // namespace
}  // namespace analytics::cache
