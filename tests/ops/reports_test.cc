// The reports' database side on both backends: the signal store's hit rate,
// user growth, job runs, activity and fired alerts, each in its window.
#include "ops/reports.h"

#include <gtest/gtest.h>

#include "ops/ops_fixture.h"

namespace analytics::test {
namespace {

class Reports : public OpsTest {
 protected:
  void Sample(const char* name, const char* at, double value, std::int64_t step = 0,
              const char* source = "h:1") {
    Exec("INSERT INTO signal_samples (name, at, step_s, source, value) VALUES ($1, $2, $3, $4, $5)",
         {std::string(name), At(at), step, std::string(source), value});
  }
  void User(const char* id, const char* at) {
    Exec("INSERT INTO users (id, created_at, token_hash, token_rotated_at) VALUES ($1, $2, $3, $2)",
         {std::string(id), At(at), "hash-" + std::string(id)});
  }
};

TEST_P(Reports, HitRateIsTheTimeWeightedMeanOfTheWindowsSamples) {
  Sample("cache_hit_rate", "2025-06-14T10:00:00Z", 90);
  Sample("cache_hit_rate", "2025-06-14T10:00:15Z", 60);
  Sample("cache_hit_rate", "2025-06-14T10:00:15Z", 30, 0, "h:2");  // another instance
  Sample("cache_hit_rate", "2025-06-13T00:00:00Z", 50, 300);       // downsampled: 300 s
  Sample("cache_hit_rate", "2025-06-10T00:00:00Z", 0);             // outside the window
  Sample("error_rate", "2025-06-14T10:00:00Z", 99);                // another signal

  auto rate = ops::CacheHitRate(*db_, At("2025-06-12T00:00:00Z"), At("2025-06-15T00:00:00Z"),
                                std::chrono::seconds(15));
  auto none = ops::CacheHitRate(*db_, At("2025-06-15T00:00:00Z"), At("2025-06-16T00:00:00Z"),
                                std::chrono::seconds(15));

  ASSERT_TRUE(rate.ok()) << rate.error().message;
  EXPECT_EQ(rate->samples, 4);
  ASSERT_TRUE(rate->percent.has_value());
  EXPECT_NEAR(*rate->percent, (15 * (90 + 60 + 30) + 300 * 50) / (15.0 * 3 + 300), 1e-9);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->percent.has_value());
}

TEST_P(Reports, NewUsersPerDayAndTheDaysActivity) {
  User("a", "2025-06-13T08:00:00Z");
  User("b", "2025-06-14T00:00:00Z");
  User("c", "2025-06-14T23:59:59Z");
  User("d", "2025-06-15T00:00:00Z");
  Exec(
      "INSERT INTO tasks (user_id, title, status, priority, created_at, updated_at, completed_at) "
      "VALUES ('b', 't', 'done', 'low', $1, $1, $2), ('b', 't', 'todo', 'low', $1, $1, NULL), "
      "('c', 't', 'done', 'low', $2, $2, $2)",
      {At("2025-06-13T12:00:00Z"), At("2025-06-14T12:00:00Z")});

  auto growth = ops::NewUsersPerDay(*db_, At("2025-06-13T00:00:00Z"), At("2025-06-15T00:00:00Z"));
  auto activity =
      ops::ActivityBetween(*db_, At("2025-06-14T00:00:00Z"), At("2025-06-15T00:00:00Z"));

  ASSERT_TRUE(growth.ok()) << growth.error().message;
  ASSERT_EQ(growth->size(), 2u);
  EXPECT_EQ(FormatDay((*growth)[0].day), "2025-06-13");
  EXPECT_EQ((*growth)[0].count, 1);
  EXPECT_EQ(FormatDay((*growth)[1].day), "2025-06-14");
  EXPECT_EQ((*growth)[1].count, 2);
  ASSERT_TRUE(activity.ok()) << activity.error().message;
  EXPECT_EQ(activity->new_users, 2);
  EXPECT_EQ(activity->new_tasks, 1);
  EXPECT_EQ(activity->completed_tasks, 2);
}

TEST_P(Reports, JobRunsAndFiredAlertsOfTheDay) {
  const char* run =
      "INSERT INTO job_runs (job, started_at, status, host, pid) VALUES ($1, $2, $3, 'h', 1)";
  Exec(run, {std::string("daily_aggregation"), At("2025-06-14T00:30:00Z"), std::string("failed")});
  Exec(run,
       {std::string("daily_aggregation"), At("2025-06-14T01:00:00Z"), std::string("succeeded")});
  Exec(run, {std::string("cache_warming"), At("2025-06-14T06:00:00Z"), std::string("succeeded")});
  Exec(run, {std::string("cache_warming"), At("2025-06-13T06:00:00Z"), std::string("failed")});
  const char* event =
      "INSERT INTO alert_events (rule, severity, state, value, at) VALUES ($1, $2, $3, $4, $5)";
  Exec(event, {std::string("High Error Rate"), std::string("P0"), std::string("pending"), 12.0,
               At("2025-06-14T10:00:00Z")});
  Exec(event, {std::string("High Error Rate"), std::string("P0"), std::string("firing"), 12.5,
               At("2025-06-14T10:05:00Z")});
  Exec(event, {std::string("High Error Rate"), std::string("P0"), std::string("resolved"), 1.0,
               At("2025-06-14T11:00:00Z")});
  Exec(event, {std::string("Disk Space Low"), std::string("P2"), std::string("firing"), 85.0,
               At("2025-06-15T01:00:00Z")});

  const Time from = At("2025-06-14T00:00:00Z"), to = At("2025-06-15T00:00:00Z");
  auto jobs = ops::JobRunsBetween(*db_, from, to);
  auto alerts = ops::AlertsFiredBetween(*db_, from, to);

  ASSERT_TRUE(jobs.ok()) << jobs.error().message;
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_EQ((*jobs)[0].job, "cache_warming");
  EXPECT_EQ((*jobs)[0].succeeded, 1);
  EXPECT_EQ((*jobs)[0].failed, 0);
  EXPECT_EQ((*jobs)[1].job, "daily_aggregation");
  EXPECT_EQ((*jobs)[1].succeeded, 1);
  EXPECT_EQ((*jobs)[1].failed, 1);
  ASSERT_TRUE(alerts.ok()) << alerts.error().message;
  ASSERT_EQ(alerts->size(), 1u);
  EXPECT_EQ((*alerts)[0].rule, "High Error Rate");
  EXPECT_EQ((*alerts)[0].severity, "P0");
  EXPECT_EQ((*alerts)[0].at, At("2025-06-14T10:05:00Z"));
  EXPECT_EQ((*alerts)[0].value.value_or(0), 12.5);
}

TEST_P(Reports, SlowQueriesComeFromPgStatStatementsOrSayWhyNot) {
  ops::SlowQueries slow = ops::SlowestQueries(*db_, 5);

  if (!postgres()) {
    EXPECT_TRUE(slow.rows.empty());
    EXPECT_NE(slow.hint.find("SQLite"), std::string::npos) << slow.hint;
    return;
  }
  // The test server may or may not preload the extension: either rows, or a hint.
  EXPECT_TRUE(!slow.rows.empty() || slow.hint.find("pg_stat_statements") != std::string::npos)
      << slow.hint;
}

INSTANTIATE_TEST_SUITE_P(AllBackends, Reports, ::testing::ValuesIn(ConfiguredBackends()),
                         BackendParamName);

}  // namespace
}  // namespace analytics::test
