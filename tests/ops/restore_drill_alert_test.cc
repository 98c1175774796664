// A restore drill that fails fires the job_failed alert ("Background Job
// Failed", Create ticket: an incident), through the server's own wiring:
// job run → job_runs → signal sample (job_failures) → alert engine. And the
// backup jobs are in GET /api/v1/admin/jobs by way of the catalog.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "backup/backup.h"
#include "storage/alert_repository.h"
#include "support/backends.h"
#include "support/http_client.h"
#include "support/temp_dir.h"
#include "support/test_app.h"

namespace analytics::ops {
namespace {

using std::chrono::seconds;

const Time kStart = ParseTime("2026-12-06T05:00:00Z").value();

std::string WriteRules(const test::TempDir& dir) {
  const std::string path = dir.File("rules.yml");
  std::ofstream(path) << "- name: Background Job Failed\n"
                         "  condition: job_failed\n"
                         "  action: Create ticket\n"
                         "  severity: P2\n";
  return path;
}

class RestoreDrillAlertTest : public ::testing::TestWithParam<test::Backend> {
 protected:
  RestoreDrillAlertTest()
      : rules_(WriteRules(dir_)),
        app_(
            test::BackendAvailable(GetParam()) ? GetParam() : test::Backend::kSqliteMemory,
            [this](config::Config& c) {
              c.alerts.rules_file = rules_;
              c.backup.dir = dir_.File("backups");
            },
            &clock_) {}

  void SetUp() override { ANALYTICS_REQUIRE_BACKEND(GetParam()); }

  void Sample(seconds after) {
    clock_.Advance(after);
    auto values = app_.app().signal_sampler().SampleOnce(clock_.Now());
    ASSERT_TRUE(values.ok()) << values.error().message;
  }
  std::string State() {
    auto states = storage::ReadValue(app_.app().db(), [](storage::Transaction& tx) {
      return storage::AlertRepository(tx).States();
    });
    if (!states.ok()) return "error";
    for (const storage::AlertStateRow& row : *states) {
      if (row.rule == "Background Job Failed") return row.state;
    }
    return "none";
  }

  test::TempDir dir_;
  std::string rules_;
  FakeClock clock_{kStart};
  test::TestApp app_;
};

TEST_P(RestoreDrillAlertTest, AFailedDrillFiresJobFailed) {
  ASSERT_TRUE(app_.app().StartAlerting().ok());
  app_.CreateUser("drill-user");
  auto made = app_.app().jobs().Run("backup", {});
  ASSERT_TRUE(made.ok() && made->succeeded) << (made.ok() ? made->error : made.error().message);
  auto passed = app_.app().jobs().Run("restore_drill", {});
  ASSERT_TRUE(passed.ok() && passed->succeeded)
      << (passed.ok() ? passed->error : passed.error().message);
  Sample(seconds(15));
  const std::string quiet = State();
  // The backup's data file loses its last byte: verification must fail.
  auto list = backup::List(dir_.File("backups"));
  ASSERT_TRUE(list.ok() && !list->empty());
  const std::string data = list->front().path + "/" + list->front().manifest.files.at(0).name;
  std::filesystem::resize_file(data, std::filesystem::file_size(data) - 1);

  clock_.Advance(seconds(1));
  auto failed = app_.app().jobs().Run("restore_drill", {});
  Sample(seconds(15));

  EXPECT_NE(quiet, "firing");
  ASSERT_TRUE(failed.ok()) << failed.error().message;
  EXPECT_FALSE(failed->succeeded);
  EXPECT_NE(failed->error.find("failed verification"), std::string::npos) << failed->error;
  EXPECT_EQ(State(), "firing");
  auto incidents = app_.app().incidents().List(false, 100);
  ASSERT_TRUE(incidents.ok());
  ASSERT_EQ(incidents->size(), 1u);
}

TEST_P(RestoreDrillAlertTest, TheBackupJobsAreInTheAdminJobsApi) {
  testing::HttpResult got =
      testing::Get(app_.port(), "/api/v1/admin/jobs",
                   {{"Authorization", std::string("Bearer ") + test::kAdminToken}});

  ASSERT_EQ(got.status, 200) << got.body;
  std::map<std::string, nlohmann::json> jobs;
  const nlohmann::json body = nlohmann::json::parse(got.body);
  for (const auto& job : body["jobs"]) jobs[job["job"].get<std::string>()] = job;
  ASSERT_EQ(jobs.count("backup"), 1u) << got.body;
  ASSERT_EQ(jobs.count("restore_drill"), 1u) << got.body;
  ASSERT_EQ(jobs.count("backup_incremental"), 1u) << got.body;
  EXPECT_EQ(jobs["backup"]["schedule"], "0 3 * * *");
  EXPECT_EQ(jobs["backup"]["next_run"], "2026-12-07T03:00:00Z");
  EXPECT_EQ(jobs["restore_drill"]["schedule"], "0 5 * * 0");
  EXPECT_EQ(jobs["backup_incremental"]["state"], "not_applicable");
  EXPECT_TRUE(jobs["backup_incremental"]["next_run"].is_null());
  EXPECT_NE(jobs["backup_incremental"]["not_applicable"].get<std::string>().find(
                "needs backup.method: pgbackrest"),
            std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, RestoreDrillAlertTest,
                         ::testing::ValuesIn(analytics::test::ConfiguredBackends()),
                         analytics::test::BackendParamName);

}  // namespace
}  // namespace analytics::ops
