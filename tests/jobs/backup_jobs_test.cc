// The backup jobs (docs/backup.md "Jobs, upload and retention") on both
// backends: backup makes a listed backup and prunes past retention,
// restore_drill verifies the newest one (and fails on a tampered one), and
// backup_incremental does not apply to backup.method dump.
#include <algorithm>
#include <fstream>
#include <map>

#include "backup/backup.h"
#include "jobs/jobs_fixture.h"
#include "jobs/scheduler.h"
#include "jobs/status.h"
#include "storage/job_repository.h"

namespace analytics::test {
namespace {

using std::chrono::days;
using std::chrono::hours;

class BackupJobsTest : public JobsTest {
 protected:
  void SetUp() override {
    config_.backup.dir = dir_.File("backups");
    JobsTest::SetUp();
  }

  std::vector<backup::BackupInfo> Backups() {
    auto list = backup::List(config_.backup.dir);
    EXPECT_TRUE(list.ok()) << list.error().message;
    return list.ok() ? *list : std::vector<backup::BackupInfo>{};
  }

  jobs::RunReport RunJob(const std::string& name) {
    auto report = runner_->Run(name, {});
    EXPECT_TRUE(report.ok()) << report.error().message;
    return report.ok() ? *report : jobs::RunReport{};
  }
};

TEST_P(BackupJobsTest, BackupMakesAListedBackupAndPrunesPastRetention) {
  ASSERT_TRUE(users_->Create("u1").ok());
  Time now = clock_.Now();
  clock_.Set(now - days(40));

  jobs::RunReport old = RunJob("backup");
  clock_.Set(now);
  jobs::RunReport fresh = RunJob("backup");

  ASSERT_TRUE(old.succeeded) << old.error;
  ASSERT_TRUE(fresh.succeeded) << fresh.error;
  std::vector<backup::BackupInfo> backups = Backups();
  ASSERT_EQ(backups.size(), 1u) << "the 40-day-old backup is pruned";
  const std::string id = backups[0].manifest.id;
  EXPECT_EQ(id, "analytics-20250615T120000Z");
  EXPECT_EQ(fresh.result.summary.rfind("backup " + id + ": ", 0), 0u) << fresh.result.summary;
  EXPECT_NE(fresh.result.summary.find("pruned 1"), std::string::npos) << fresh.result.summary;
  EXPECT_EQ(fresh.result.rows, static_cast<std::int64_t>(backups[0].bytes));
  EXPECT_NE(old.result.summary.find("pruned 0"), std::string::npos) << old.result.summary;
}

TEST_P(BackupJobsTest, RestoreDrillVerifiesTheNewestAndFailsOnATamperedOne) {
  jobs::RunReport nothing = RunJob("restore_drill");
  ASSERT_TRUE(users_->Create("u1").ok());
  RunJob("backup");

  jobs::RunReport good = RunJob("restore_drill");
  backup::BackupInfo newest = Backups().at(0);
  const std::string data = newest.path + "/" + newest.manifest.files.at(0).name;
  {
    std::fstream file(data, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(static_cast<std::streamoff>(newest.manifest.files[0].bytes / 2));
    char byte = 0;
    file.read(&byte, 1);
    file.seekp(static_cast<std::streamoff>(newest.manifest.files[0].bytes / 2));
    byte = static_cast<char>(byte ^ 0x01);
    file.write(&byte, 1);
  }
  jobs::RunReport tampered = RunJob("restore_drill");

  EXPECT_FALSE(nothing.succeeded);
  EXPECT_NE(nothing.error.find("no backup to verify"), std::string::npos) << nothing.error;
  ASSERT_TRUE(good.succeeded) << good.error;
  EXPECT_EQ(good.result.summary.rfind("backup " + newest.manifest.id + " verified", 0), 0u)
      << good.result.summary;
  EXPECT_EQ(good.result.rows, static_cast<std::int64_t>(newest.manifest.tables.size()));
  EXPECT_FALSE(tampered.succeeded);
  EXPECT_NE(tampered.error.find("backup " + newest.manifest.id + " failed verification"),
            std::string::npos)
      << tampered.error;
  auto status = jobs::Status(*runner_, "restore_drill");
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->at(0).state, jobs::JobState::kFailed);
}

TEST_P(BackupJobsTest, IncrementalDoesNotApplyToDumpBackups) {
  // A failed run from when backup.method was pgbackrest, and days without one.
  ASSERT_TRUE(db_->InTransaction([&](storage::Transaction& tx) -> Result<void> {
                   storage::JobRepository repo(tx);
                   auto id = repo.Start("backup_incremental", "", clock_.Now() - days(3), "h", 1);
                   if (!id.ok()) return id.error();
                   return repo.Finish(*id, "failed", 0, "boom", clock_.Now() - days(3));
                 })
                  .ok());

  auto refused = runner_->Run("backup_incremental", {});
  auto runs = runner_->Recent("backup_incremental", 10);
  auto status = jobs::Status(*runner_, "");
  jobs::Scheduler scheduler(*runner_);
  auto next = scheduler.NextRuns(clock_.Now());

  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnprocessable);
  EXPECT_NE(refused.error().message.find("needs backup.method: pgbackrest"), std::string::npos)
      << refused.error().message;
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(runs->size(), 1u) << "a refused run records nothing";
  ASSERT_TRUE(status.ok());
  std::map<std::string, jobs::JobStatus> by_name;
  for (const auto& s : *status) by_name[s.job] = s;
  ASSERT_EQ(by_name.count("backup_incremental"), 1u);
  const jobs::JobStatus& incr = by_name["backup_incremental"];
  EXPECT_EQ(incr.state, jobs::JobState::kNotApplicable);
  EXPECT_EQ(jobs::ToString(incr.state), "not_applicable");
  EXPECT_FALSE(incr.needs_attention());
  EXPECT_FALSE(incr.next_run.has_value());
  EXPECT_NE(incr.not_applicable.find("backup.method is dump"), std::string::npos);
  EXPECT_EQ(by_name.count("backup"), 1u);
  EXPECT_EQ(by_name.count("restore_drill"), 1u);
  std::vector<std::string> scheduled;
  for (const auto& [job, at] : next) scheduled.push_back(job);
  EXPECT_NE(std::find(scheduled.begin(), scheduled.end(), "backup"), scheduled.end());
  EXPECT_NE(std::find(scheduled.begin(), scheduled.end(), "restore_drill"), scheduled.end());
  EXPECT_EQ(std::find(scheduled.begin(), scheduled.end(), "backup_incremental"), scheduled.end());
}

TEST(BackupJobs, IncrementalAppliesToPgBackRest) {
  config::Config config;
  const jobs::JobDefinition* incr = jobs::FindJob("backup_incremental");
  ASSERT_NE(incr, nullptr);

  std::string with_dump = jobs::WhyNotApplicable(*incr, config);
  config.backup.method = "pgbackrest";
  std::string with_pgbackrest = jobs::WhyNotApplicable(*incr, config);

  EXPECT_EQ(with_dump,
            "needs backup.method: pgbackrest (backup.method is dump; a logical dump has no "
            "incrementals)");
  EXPECT_EQ(with_pgbackrest, "");
  EXPECT_EQ(jobs::WhyNotApplicable(*jobs::FindJob("backup"), config), "");
  EXPECT_EQ(jobs::WhyNotApplicable(*jobs::FindJob("restore_drill"), config), "");
}

INSTANTIATE_TEST_SUITE_P(AllBackends, BackupJobsTest, ::testing::ValuesIn(ConfiguredBackends()),
                         BackendParamName);

}  // namespace
}  // namespace analytics::test
