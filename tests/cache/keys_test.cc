#include "cache/keys.h"

#include <gtest/gtest.h>

namespace analytics::cache {
namespace {

TEST(Keys, FollowTheSpecScheme) {
  EXPECT_EQ(OverviewKey("user123"), "analytics:overview:user123");
  EXPECT_EQ(StatKey("completion_rate", "user123"), "analytics:completion_rate:user123");
  EXPECT_EQ(GenerationKey("user123"), "analytics:gen:user123");
}

TEST(Keys, IsStatNameAcceptsExactlyTheFiveStats) {
  for (std::string_view name : kStatNames) EXPECT_TRUE(IsStatName(name)) << name;

  EXPECT_FALSE(IsStatName("overview"));
  EXPECT_FALSE(IsStatName(""));
  EXPECT_FALSE(IsStatName("Completion_rate"));
  EXPECT_FALSE(IsStatName("completion_rate "));
}

}  // namespace
}  // namespace analytics::cache
