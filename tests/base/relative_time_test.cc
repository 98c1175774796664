#include "base/relative_time.h"

#include <gtest/gtest.h>

namespace analytics {
namespace {

Time At(const char* text) { return ParseTime(text).value(); }

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
  EXPECT_EQ(ParseSince("yesterday", now), *ParseTime("2024-01-14T00:00:00Z"));
  EXPECT_FALSE(ParseSince("ago", now));
}

}  // namespace
TEST(RelativeTime, SinceRelativeAndAbsoluteForms) {
  const Time now = At("2024-01-15T10:30:00Z");
  EXPECT_EQ(ParseSinceOrError("24 hours ago", now, "--since").value(), At("2024-01-14T10:30:00Z"));
  EXPECT_EQ(ParseSinceOrError("1 hour ago", now, "--since").value(), At("2024-01-15T09:30:00Z"));
  EXPECT_EQ(ParseSinceOrError("90 minutes ago", now, "--since").value(),
            At("2024-01-15T09:00:00Z"));
  EXPECT_EQ(ParseSinceOrError("2h", now, "--since").value(), At("2024-01-15T08:30:00Z"));
  EXPECT_EQ(ParseSinceOrError("7 days ago", now, "--since").value(), At("2024-01-08T10:30:00Z"));
  EXPECT_EQ(ParseSinceOrError("1 week ago", now, "--since").value(), At("2024-01-08T10:30:00Z"));
  EXPECT_EQ(ParseSinceOrError("yesterday", now, "--since").value(), At("2024-01-14T00:00:00Z"));
  EXPECT_EQ(ParseSinceOrError("today", now, "--since").value(), At("2024-01-15T00:00:00Z"));
  EXPECT_EQ(ParseSinceOrError("2024-01-01T12:00:00Z", now, "--since").value(),
            At("2024-01-01T12:00:00Z"));
  EXPECT_EQ(ParseSinceOrError("2024-01-01", now, "--since").value(), At("2024-01-01T00:00:00Z"));
}

TEST(RelativeTime, SinceBadInputNamesTheFlag) {
  const Time now = At("2024-01-15T10:30:00Z");
  for (const char* bad : {"", "soon", "24 fortnights ago", "-3 hours ago", "h ago"}) {
    auto since = ParseSinceOrError(bad, now, "--since");
    ASSERT_FALSE(since.ok()) << bad;
    EXPECT_EQ(since.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(since.error().field, "--since");
  }
}

}  // namespace analytics
