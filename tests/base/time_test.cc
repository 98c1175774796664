#include "base/time.h"

#include <gtest/gtest.h>

namespace analytics {
namespace {

using std::chrono::microseconds;

Time At(std::string_view text) {
  auto t = ParseTime(text);
  EXPECT_TRUE(t.has_value()) << text;
  return t.value_or(Time{});
}

TEST(FormatTime, WholeSecondsHaveNoFraction) {
  EXPECT_EQ(FormatTime(At("2024-01-15T10:00:00Z")), "2024-01-15T10:00:00Z");
  EXPECT_EQ(FormatTime(Time{}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatTime(At("9999-12-31T23:59:59Z")), "9999-12-31T23:59:59Z");
}

TEST(FormatTime, FractionLosesTrailingZeros) {
  EXPECT_EQ(FormatTime(At("2024-02-29T23:59:59.25Z")), "2024-02-29T23:59:59.25Z");
  EXPECT_EQ(FormatTime(At("2024-02-29T23:59:59.000001Z")), "2024-02-29T23:59:59.000001Z");
  EXPECT_EQ(FormatTime(At("2024-02-29T23:59:59.123456Z")), "2024-02-29T23:59:59.123456Z");
  EXPECT_EQ(FormatTime(At("2024-02-29T23:59:59.1Z")), "2024-02-29T23:59:59.1Z");
}

TEST(FormatTime, OffsetsAreNormalizedToUtc) {
  EXPECT_EQ(FormatTime(At("2024-01-01T01:30:00+02:00")), "2023-12-31T23:30:00Z");
}

TEST(FormatTime, BeforeTheEpochAndBeyondFourDigitYears) {
  EXPECT_EQ(FormatTime(At("1969-12-31T23:59:59.5Z")), "1969-12-31T23:59:59.5Z");
  Time far = Time{std::chrono::sys_days{std::chrono::year{12345} / 1 / 2}} + microseconds{1};
  EXPECT_EQ(FormatTime(far), "12345-01-02T00:00:00.000001Z");
}

TEST(FormatTime, RoundTripsThroughParse) {
  for (std::int64_t us : {0LL, 1LL, 999999LL, 1700000000123456LL, -1LL, 253402300799999999LL}) {
    Time t{microseconds{us}};
    EXPECT_EQ(ParseTime(FormatTime(t)), t) << us;
    EXPECT_EQ(ParseTime(FormatStorageTime(t)), t) << us;
  }
}

TEST(FormatStorageTime, IsFixedWidthAndSortsAsText) {
  EXPECT_EQ(FormatStorageTime(At("2024-01-15T10:00:00Z")), "2024-01-15T10:00:00.000000Z");
  EXPECT_EQ(FormatStorageTime(At("2024-01-15T10:00:00.25Z")), "2024-01-15T10:00:00.250000Z");
  EXPECT_LT(FormatStorageTime(At("2024-01-15T10:00:00.9Z")),
            FormatStorageTime(At("2024-01-15T10:00:01Z")));
}

TEST(AppendTime, AppendsToWhatIsThere) {
  std::string out = "at ";
  AppendTime(out, At("2024-01-15T10:00:00.5Z"));
  AppendStorageTime(out, At("2024-01-15T10:00:00Z"));
  EXPECT_EQ(out, "at 2024-01-15T10:00:00.5Z2024-01-15T10:00:00.000000Z");
}

TEST(FormatDay, PadsEveryPart) {
  EXPECT_EQ(FormatDay(std::chrono::sys_days{std::chrono::year{7} / 3 / 4}), "0007-03-04");
  EXPECT_EQ(FormatDay(*ParseDay("2024-12-31")), "2024-12-31");
  EXPECT_EQ(FormatDay(DayOf(At("2024-01-15T23:59:59.999999Z"))), "2024-01-15");
}

}  // namespace
}  // namespace analytics
