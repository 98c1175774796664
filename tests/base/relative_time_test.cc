#include "base/relative_time.h"

#include <gtest/gtest.h>

namespace analytics {
namespace {

TEST(RelativeTime, DurationsInShortAndLongForms) {
  EXPECT_EQ(ParseDuration("2h"), std::chrono::hours(2));
  EXPECT_EQ(ParseDuration("30m"), std::chrono::minutes(30));
  EXPECT_EQ(ParseDuration("90s"), std::chrono::seconds(90));
  EXPECT_EQ(ParseDuration("1 day"), std::chrono::hours(24));
  EXPECT_EQ(ParseDuration("2 weeks"), std::chrono::hours(24 * 14));
  EXPECT_FALSE(ParseDuration("0h"));
  EXPECT_FALSE(ParseDuration("-1h"));
  EXPECT_FALSE(ParseDuration("2 fortnights"));
  EXPECT_FALSE(ParseDuration("h"));
  EXPECT_FALSE(ParseDuration("99999999999999 weeks"));
}

TEST(RelativeTime, SinceAgoNowOrAnInstant) {
  const Time now = *ParseTime("2024-01-15T10:00:00Z");

  EXPECT_EQ(ParseSince("24 hours ago", now), *ParseTime("2024-01-14T10:00:00Z"));
  EXPECT_EQ(ParseSince("1 hour ago", now), *ParseTime("2024-01-15T09:00:00Z"));
  EXPECT_EQ(ParseSince("now", now), now);
  EXPECT_EQ(ParseSince("2024-01-01T00:00:00Z", now), *ParseTime("2024-01-01T00:00:00Z"));
  EXPECT_FALSE(ParseSince("yesterday", now));
  EXPECT_FALSE(ParseSince("ago", now));
}

}  // namespace
}  // namespace analytics
