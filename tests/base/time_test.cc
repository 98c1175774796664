#include "base/time.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>

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

namespace analytics {
namespace {

TEST(ParseTime, RefusesInstantsWhoseUtcValueIsOutsideYears1To9999) {
  for (const char* text :
       {"9999-12-31T23:59:59-01:00", "9999-12-31T23:00:00-01:00", "0000-01-01T00:00:00+01:00",
        "0001-01-01T00:30:00+01:00", "0000-06-01T00:00:00Z", "0000-12-31T23:59:59.999999Z"}) {
    EXPECT_FALSE(ParseTime(text).has_value()) << text;
  }
}

TEST(ParseTime, AcceptsBothEdgesAndJudgesOnlyTheUtcValue) {
  EXPECT_EQ(ParseTime("0001-01-01T00:00:00Z"), kFirstTime);
  EXPECT_EQ(ParseTime("9999-12-31T23:59:59.999999Z"), kLastTime);
  EXPECT_EQ(ParseTime("9999-12-31T22:59:59.999999-01:00"), kLastTime);
  // A local date in year 0 whose UTC value is in year 1.
  EXPECT_EQ(ParseTime("0000-12-31T23:30:00-00:30"), kFirstTime);
  EXPECT_EQ(FormatTime(kLastTime), "9999-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatTime(kFirstTime), "0001-01-01T00:00:00Z");
}

TEST(ParseDay, RefusesYearZero) {
  EXPECT_FALSE(ParseDay("0000-01-01").has_value());
  EXPECT_EQ(ParseDay("0001-01-01"), kFirstDay);
  EXPECT_EQ(ParseDay("9999-12-31"), kLastDay);
}

// Property: every instant in range, written with any offset and any number of
// fraction digits up to 6, parses to itself, and formats to a text that
// parses back to the same instant; every instant out of range is refused.
TEST(ParseTime, RandomInstantsOffsetsAndPrecisionsRoundTrip) {
  std::mt19937_64 rng(20261205);
  const std::int64_t first = kFirstTime.time_since_epoch().count();
  const std::int64_t last = kLastTime.time_since_epoch().count();
  std::uniform_int_distribution<std::int64_t> anywhere(first, last);
  // A third of the samples fall within two days of either edge.
  std::uniform_int_distribution<std::int64_t> near(-172'800'000'000LL, 172'800'000'000LL);
  std::uniform_int_distribution<int> pick(0, 2);
  std::uniform_int_distribution<int> offset_minutes(-(23 * 60 + 59), 23 * 60 + 59);
  std::uniform_int_distribution<int> digits(0, 6);
  int in_range = 0;
  int out_of_range = 0;
  for (int i = 0; i < 20000; ++i) {
    const int precision = digits(rng);
    const int where = pick(rng);
    std::int64_t us = where == 0 ? anywhere(rng) : (where == 1 ? first : last) + near(rng);
    std::int64_t unit = 1;
    for (int d = precision; d < 6; ++d) unit *= 10;
    us -= ((us % unit) + unit) % unit;  // only as many digits as are written
    const Time t{microseconds{us}};
    const int offset = offset_minutes(rng);
    // The local wall time for `offset`, written with `precision` fraction digits.
    const Time local = t + std::chrono::minutes{offset};
    const Day day = DayOf(local);
    const std::chrono::year_month_day ymd{day};
    const int year = static_cast<int>(ymd.year());
    if (year < 0 || year > 9999) continue;  // not writable in four digits
    const std::chrono::hh_mm_ss<microseconds> tod{local - day};
    char text[64];
    int n = std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d", year,
                          unsigned(ymd.month()), unsigned(ymd.day()), int(tod.hours().count()),
                          int(tod.minutes().count()), int(tod.seconds().count()));
    if (precision > 0) {
      n += std::snprintf(text + n, sizeof text - n, ".%06lld",
                         static_cast<long long>(tod.subseconds().count()));
      n -= 6 - precision;
    }
    const int a = offset < 0 ? -offset : offset;
    std::snprintf(text + n, sizeof text - n, "%c%02d:%02d", offset < 0 ? '-' : '+', a / 60, a % 60);

    const std::optional<Time> parsed = ParseTime(text);
    if (!InRange(t)) {
      EXPECT_FALSE(parsed.has_value()) << text;
      ++out_of_range;
      continue;
    }
    ++in_range;
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_EQ(*parsed, t) << text;
    EXPECT_EQ(ParseTime(FormatTime(t)), t) << FormatTime(t);
    EXPECT_EQ(ParseTime(FormatStorageTime(t)), t) << FormatStorageTime(t);
  }
  EXPECT_GT(in_range, 10000);
  EXPECT_GT(out_of_range, 2000);
}

}  // namespace
}  // namespace analytics
