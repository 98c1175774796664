// ops::FindAnomalies on a real database, every backend: each kind of anomaly
// planted in otherwise clean data is found and named; clean data gives none.
#include "ops/anomalies.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/daily_repository.h"
#include "storage/repository_fixture.h"

namespace analytics::ops {
namespace {

using model::Priority;
using model::TaskStatus;
using storage::Transaction;
using storage::test::At;
using storage::test::DayAt;
using storage::test::NewTask;

constexpr const char* kDay = "2024-03-10";

class AnomaliesTest : public storage::test::RepositoryTest {
 protected:
  void SetUp() override {
    RepositoryTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    // u1 and u2 are active on the day; u1 also has an open task due later.
    CreateUser("u1");
    CreateUser("u2");
    model::Task due =
        NewTask("u1", "due", TaskStatus::kTodo, Priority::kHigh, "2024-03-10T08:00:00Z");
    due.due_at = At("2024-03-15T12:00:00Z");
    AddTask(due);
    model::Task done =
        NewTask("u1", "done", TaskStatus::kDone, Priority::kLow, "2024-03-09T08:00:00Z");
    done.completed_at = At("2024-03-10T09:00:00Z");
    AddTask(done);
    AddTask(NewTask("u2", "u2 task", TaskStatus::kInProgress, Priority::kUrgent,
                    "2024-03-10T10:00:00Z"));
    InTx([&](Transaction& tx) -> Result<void> {
      auto written = storage::DailyRepository(tx, db_->dialect())
                         .AggregateDay(DayAt(kDay), At("2024-03-11T00:30:00Z"));
      if (!written.ok()) return written.error();
      EXPECT_EQ(*written, 2);
      return Ok();
    });
  }

  AnomalyReport Find() {
    auto report = FindAnomalies(*db_, DayAt(kDay));
    EXPECT_TRUE(report.ok()) << report.error().message;
    return report.ok() ? *report : AnomalyReport{};
  }

  void Sql(const std::string& sql) {
    Result<void> done = Write(*db_, sql);
    ASSERT_TRUE(done.ok()) << done.error().message;
  }

  static std::vector<std::string> Kinds(const AnomalyReport& report) {
    std::vector<std::string> kinds;
    for (const Anomaly& a : report.findings) kinds.push_back(a.kind + ":" + a.user_id);
    return kinds;
  }
};

TEST_P(AnomaliesTest, CleanDataHasNone) {
  AnomalyReport report = Find();

  EXPECT_TRUE(report.findings.empty()) << ::testing::PrintToString(Kinds(report));
  EXPECT_FALSE(report.truncated);
}

TEST_P(AnomaliesTest, CompletionRateOutsideZeroToHundredIsNamed) {
  Sql("UPDATE daily_analytics SET completion_rate = 130 WHERE user_id = 'u1'");
  Sql("UPDATE daily_analytics SET productivity_score = -1 WHERE user_id = 'u2'");

  AnomalyReport report = Find();

  EXPECT_EQ(Kinds(report), (std::vector<std::string>{"completion_rate_out_of_range:u1",
                                                     "productivity_score_out_of_range:u2"}));
  ASSERT_FALSE(report.findings.empty());
  EXPECT_EQ(report.findings[0].detail, "completion_rate 130 on 2024-03-10 is outside [0, 100]");
}

TEST_P(AnomaliesTest, ActivityWithoutDailyRowsIsNamed) {
  Sql("DELETE FROM daily_analytics");

  AnomalyReport report = Find();

  EXPECT_EQ(Kinds(report),
            (std::vector<std::string>{"missing_daily_analytics:u1", "missing_daily_analytics:u2"}));
  ASSERT_FALSE(report.findings.empty());
  EXPECT_NE(report.findings[0].detail.find("2 task event(s) on 2024-03-10"), std::string::npos)
      << report.findings[0].detail;
}

TEST_P(AnomaliesTest, RunningAggregatesThatDisagreeWithARecountAreNamed) {
  Sql("UPDATE user_aggregates SET done = done + 1, weight_total = 0 WHERE user_id = 'u2'");

  AnomalyReport report = Find();

  EXPECT_EQ(Kinds(report),
            (std::vector<std::string>{"aggregate_mismatch:u2", "aggregate_mismatch:u2"}));
  ASSERT_EQ(report.findings.size(), 2u);
  EXPECT_EQ(report.findings[0].detail, "user_aggregates.done is 1, a recount of tasks gives 0");
  EXPECT_EQ(report.findings[1].detail,
            "user_aggregates.weight_total is 0, a recount of tasks gives 4");
}

TEST_P(AnomaliesTest, MissingAggregatesRowIsNamed) {
  Sql("DELETE FROM user_aggregates WHERE user_id = 'u2'");

  AnomalyReport report = Find();

  EXPECT_EQ(Kinds(report).size(), 3u) << ::testing::PrintToString(Kinds(report));
  for (const Anomaly& a : report.findings) {
    EXPECT_EQ(a.kind, "aggregate_mismatch");
    EXPECT_EQ(a.user_id, "u2");
  }
}

TEST_P(AnomaliesTest, OpenDueDaysThatDisagreeWithOpenTasksAreNamed) {
  Sql("UPDATE open_due_days SET n = n + 2 WHERE user_id = 'u1'");
  InTx([&](Transaction& tx) -> Result<void> {
    auto added = tx.Execute("INSERT INTO open_due_days (user_id, due_day, n) VALUES ('u2', " +
                                db_->dialect().DateFromText("$1") + ", 1)",
                            {std::string("2024-04-01")});
    if (!added.ok()) return added.error();
    return Ok();
  });

  AnomalyReport report = Find();

  EXPECT_EQ(Kinds(report),
            (std::vector<std::string>{"open_due_days_mismatch:u1", "open_due_days_mismatch:u2"}));
  ASSERT_EQ(report.findings.size(), 2u);
  EXPECT_EQ(report.findings[0].detail,
            "open_due_days for due day 2024-03-15 is 3, a recount of open tasks gives 1");
  EXPECT_EQ(report.findings[1].detail,
            "open_due_days for due day 2024-04-01 is 1, a recount of open tasks gives 0");
}

TEST_P(AnomaliesTest, AUserWhoStopsAfterABusyWeekIsNamed) {
  CreateUser("busy");
  CreateUser("steady");
  for (int day = 3; day <= 9; ++day) {
    for (int i = 0; i < 3; ++i) {
      const std::string at =
          "2024-03-0" + std::to_string(day) + "T1" + std::to_string(i) + ":00:00Z";
      AddTask(NewTask("busy", "t", TaskStatus::kTodo, Priority::kLow, at.c_str()));
      // steady: two a day, under the threshold of three.
      if (i < 2) AddTask(NewTask("steady", "t", TaskStatus::kTodo, Priority::kLow, at.c_str()));
    }
  }

  AnomalyReport report = Find();

  EXPECT_EQ(Kinds(report), (std::vector<std::string>{"activity_drop:busy"}));
  ASSERT_EQ(report.findings.size(), 1u);
  EXPECT_EQ(report.findings[0].detail,
            "21 task event(s) over the 7 days before 2024-03-10, none on it");
}

INSTANTIATE_TEST_SUITE_P(AllBackends, AnomaliesTest,
                         ::testing::ValuesIn(analytics::test::ConfiguredBackends()),
                         analytics::test::BackendParamName);

}  // namespace
}  // namespace analytics::ops
