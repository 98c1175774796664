// `analytics job run | status | schedule` (SPEC §6, §7) on the embedded database.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "e2e/child_process.h"

namespace analytics::e2e {
namespace {

using Json = nlohmann::json;

class CliJob : public E2eTest {};

TEST_F(CliJob, ScheduleListsTheScheduledJobsWithANextRun) {
  RunResult table = Run({"job", "schedule"});
  RunResult json = Run({"--json", "job", "schedule"});

  EXPECT_EQ(table.code(), 0) << table.Describe();
  ASSERT_EQ(json.code(), 0) << json.Describe();
  Json list = Json::parse(json.out, nullptr, false);
  ASSERT_TRUE(list.is_array()) << json.Describe();
  std::map<std::string, std::string> next_run;
  for (const auto& entry : list) {
    // null for a job that does not apply (backup_incremental with method dump).
    const Json& next = entry["next_run"];
    next_run[entry.value("job", "")] = next.is_string() ? next.get<std::string>() : "";
  }
  for (const char* job : {"daily_aggregation", "cache_warming", "refresh_views", "archive",
                          "maintenance", "backup", "restore_drill"}) {
    EXPECT_TRUE(Contains(table.out, job));
    ASSERT_TRUE(next_run.count(job)) << job << " missing in " << json.out;
    EXPECT_FALSE(next_run[job].empty()) << job;
  }
}

TEST_F(CliJob, RunRecordsARunThatStatusShows) {
  RunResult run = Run({"--json", "job", "run", "daily_aggregation", "--date", "2024-03-01"});
  RunResult status = Run({"--json", "job", "status", "daily_aggregation"});

  ASSERT_EQ(run.code(), 0) << run.Describe();
  Json report = Json::parse(run.out, nullptr, false);
  ASSERT_TRUE(report.is_object()) << run.Describe();
  EXPECT_EQ(report.value("job", ""), "daily_aggregation");
  EXPECT_EQ(report.value("status", ""), "succeeded");
  EXPECT_TRUE(std::filesystem::is_regular_file(Path("var/log/jobs/daily_aggregation.log")));
  EXPECT_EQ(status.code(), 0) << status.Describe();
  Json list = Json::parse(status.out, nullptr, false);
  ASSERT_TRUE(list.is_array() && list.size() == 1) << status.Describe();
  EXPECT_EQ(list[0].value("last_run_status", ""), "succeeded");
}

TEST_F(CliJob, UnknownJobIsAUsageErrorNamingIt) {
  RunResult run = Run({"job", "run", "frobnicate"});
  RunResult status = Run({"job", "status", "frobnicate"});

  EXPECT_EQ(run.code(), 2) << run.Describe();
  EXPECT_TRUE(Contains(run.err, "frobnicate"));
  EXPECT_EQ(status.code(), 2) << status.Describe();
  EXPECT_TRUE(Contains(status.err, "frobnicate"));
}

TEST_F(CliJob, BadDateFlagsAreUsageErrors) {
  RunResult bad_date = Run({"job", "run", "daily_aggregation", "--date", "03/01/2024"});
  RunResult both = Run({"job", "run", "daily_aggregation", "--date", "2024-03-01", "--from",
                        "2024-03-01", "--to", "2024-03-02"});
  RunResult half_range = Run({"job", "run", "daily_aggregation", "--from", "2024-03-01"});

  EXPECT_EQ(bad_date.code(), 2) << bad_date.Describe();
  EXPECT_TRUE(Contains(bad_date.err, "--date"));
  EXPECT_EQ(both.code(), 2) << both.Describe();
  EXPECT_EQ(half_range.code(), 2) << half_range.Describe();
  EXPECT_FALSE(std::filesystem::exists(Path("var/analytics.db")))
      << "flags are checked before anything is opened";
}

}  // namespace
}  // namespace analytics::e2e
