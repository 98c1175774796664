#include "base/cron.h"

#include <gtest/gtest.h>

namespace analytics {
namespace {

Time At(const char* text) { return *ParseTime(text); }

TEST(CronSchedule, DailyAtHalfPastMidnight) {
  auto cron = CronSchedule::Parse("30 0 * * *");
  ASSERT_TRUE(cron.ok());

  EXPECT_EQ(FormatTime(*cron->Next(At("2024-01-15T00:10:00Z"))), "2024-01-15T00:30:00Z");
  EXPECT_EQ(FormatTime(*cron->Next(At("2024-01-15T00:30:00Z"))), "2024-01-16T00:30:00Z");
  EXPECT_EQ(FormatTime(*cron->Previous(At("2024-01-15T00:29:59Z"))), "2024-01-14T00:30:00Z");
  EXPECT_EQ(FormatTime(*cron->Previous(At("2024-01-15T00:30:00Z"))), "2024-01-15T00:30:00Z");
}

TEST(CronSchedule, StepsListsAndRanges) {
  auto every_six_hours = CronSchedule::Parse("0 */6 * * *");
  ASSERT_TRUE(every_six_hours.ok());
  EXPECT_EQ(FormatTime(*every_six_hours->Next(At("2024-01-15T06:00:00Z"))), "2024-01-15T12:00:00Z");
  EXPECT_EQ(FormatTime(*every_six_hours->Next(At("2024-01-15T23:59:00Z"))), "2024-01-16T00:00:00Z");

  auto weekdays = CronSchedule::Parse("15 9,17 * * 1-5");
  ASSERT_TRUE(weekdays.ok());
  // 2024-01-19 is a Friday: after 17:15 comes Monday 09:15.
  EXPECT_EQ(FormatTime(*weekdays->Next(At("2024-01-19T17:15:00Z"))), "2024-01-22T09:15:00Z");
}

TEST(CronSchedule, NthWeekdayIsTheFirstSundayOfTheMonth) {
  auto cron = CronSchedule::Parse("0 2 * * 0#1");
  ASSERT_TRUE(cron.ok());

  // First Sundays: 2024-01-07, 2024-02-04, 2024-03-03.
  EXPECT_EQ(FormatTime(*cron->Next(At("2024-01-01T00:00:00Z"))), "2024-01-07T02:00:00Z");
  EXPECT_EQ(FormatTime(*cron->Next(At("2024-01-07T02:00:00Z"))), "2024-02-04T02:00:00Z");
  EXPECT_EQ(FormatTime(*cron->Next(At("2024-02-04T03:00:00Z"))), "2024-03-03T02:00:00Z");
}

TEST(CronSchedule, BothDayFieldsMatchEitherAsInVixieCron) {
  auto cron = CronSchedule::Parse("0 0 1 * 1");  // the 1st, and every Monday
  ASSERT_TRUE(cron.ok());
  // 2024-01-01 is a Monday and the 1st; next Monday 2024-01-08.
  EXPECT_EQ(FormatTime(*cron->Next(At("2024-01-01T00:00:00Z"))), "2024-01-08T00:00:00Z");
  EXPECT_EQ(FormatTime(*cron->Next(At("2024-01-29T00:00:00Z"))), "2024-02-01T00:00:00Z");
}

TEST(CronSchedule, SundayIsZeroOrSeven) {
  auto zero = CronSchedule::Parse("0 2 * * 0");
  auto seven = CronSchedule::Parse("0 2 * * 7");
  ASSERT_TRUE(zero.ok());
  ASSERT_TRUE(seven.ok());
  Time t = At("2024-01-10T00:00:00Z");
  EXPECT_EQ(*zero->Next(t), *seven->Next(t));
  EXPECT_EQ(FormatTime(*zero->Next(t)), "2024-01-14T02:00:00Z");
}

TEST(CronSchedule, ImpossibleDateHasNoNextRun) {
  auto cron = CronSchedule::Parse("0 0 31 2 *");
  ASSERT_TRUE(cron.ok());
  EXPECT_FALSE(cron->Next(At("2024-01-01T00:00:00Z")).has_value());
}

TEST(CronSchedule, RejectsBadExpressionsNamingTheField) {
  for (const char* bad :
       {"", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *",
        "* * * * 8", "*/0 * * * *", "a * * * *", "5-1 * * * *", "* * * * 0#6", "* * * * 9#1"}) {
    auto cron = CronSchedule::Parse(bad);
    EXPECT_FALSE(cron.ok()) << "'" << bad << "'";
    if (!cron.ok()) {
      EXPECT_EQ(cron.error().code, ErrorCode::kInvalidArgument);
    }
  }
  auto hour = CronSchedule::Parse("0 25 * * *");
  ASSERT_FALSE(hour.ok());
  EXPECT_NE(hour.error().message.find("hour"), std::string::npos) << hour.error().message;
}

}  // namespace
}  // namespace analytics
