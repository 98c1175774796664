// The doctor's checks against real backends: the database and its
// connections, Redis (and a dead one), the jobs' last runs, disks.
#include "ops/doctor.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "ops/ops_fixture.h"
#include "storage/job_repository.h"

namespace analytics::test {
namespace {

using ops::Check;
using ops::CheckStatus;

const Check* Find(const std::vector<Check>& checks, const std::string& name) {
  auto it =
      std::find_if(checks.begin(), checks.end(), [&](const Check& c) { return c.name == name; });
  return it == checks.end() ? nullptr : &*it;
}

class Doctor : public OpsTest {};

TEST_P(Doctor, DatabaseAnswersAndConnectionsAreUnderTheLimit) {
  auto checks = ops::CheckDatabase(db_.get(), "");

  const Check* reach = Find(checks, "database");
  const Check* connections = Find(checks, "db_connections");
  ASSERT_NE(reach, nullptr);
  ASSERT_NE(connections, nullptr);
  EXPECT_EQ(reach->status, CheckStatus::kOk) << reach->note;
  EXPECT_EQ(connections->status, CheckStatus::kOk) << connections->note;
  if (postgres()) {
    EXPECT_NE(reach->value.find("postgresql"), std::string::npos) << reach->value;
    EXPECT_NE(connections->value.find("%"), std::string::npos) << connections->value;
  } else {
    EXPECT_NE(connections->note.find("SQLite"), std::string::npos) << connections->note;
  }
}

TEST_P(Doctor, UnopenedDatabaseFailsNamingWhy) {
  auto checks = ops::CheckDatabase(nullptr, "connection refused");

  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].status, CheckStatus::kFail);
  EXPECT_EQ(checks[0].note, "connection refused");
  EXPECT_EQ(ops::CheckJobs(nullptr, false)[0].status, CheckStatus::kSkip);
}

TEST_P(Doctor, RedisIsReachableAndUnderItsMemoryLimit) {
  auto checks = ops::CheckCache(config_, "http://127.0.0.1:1");
  if (!postgres()) {
    // The in-process cache lives in the server, asked on its /metrics (e2e
    // tests the answer): with no server there, its size is unknown, a warning.
    ASSERT_EQ(checks.size(), 2u);
    EXPECT_EQ(checks[0].status, CheckStatus::kOk) << checks[0].note;
    EXPECT_EQ(checks[1].status, CheckStatus::kWarn);
    EXPECT_NE(checks[1].note.find("did not answer"), std::string::npos) << checks[1].note;
    return;
  }

  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].status, CheckStatus::kOk) << checks[0].note;
  EXPECT_EQ(checks[1].status, CheckStatus::kOk) << checks[1].note;
  EXPECT_NE(checks[1].value.find("%"), std::string::npos) << checks[1].value;
}

TEST_P(Doctor, RedisOnADeadPortFailsTheCacheCheck) {
  config::Config config = config_;
  config.cache.url = "redis://127.0.0.1:1/0";
  auto checks = ops::CheckCache(config, "http://127.0.0.1:1");

  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].name, "cache");
  EXPECT_EQ(checks[0].status, CheckStatus::kFail);
  EXPECT_NE(checks[0].value.find("127.0.0.1:1"), std::string::npos) << checks[0].value;
  EXPECT_EQ(checks[1].status, CheckStatus::kSkip);
}

TEST_P(Doctor, FailedLastRunFailsThatJobOnly) {
  Exec(
      "INSERT INTO job_runs (job, started_at, finished_at, status, error, host, pid) "
      "VALUES ('refresh_views', $1, $1, 'failed', 'views are locked', 'h', 1)",
      {At("2025-06-15T11:00:00Z")});
  Exec(
      "INSERT INTO job_runs (job, started_at, finished_at, status, host, pid) "
      "VALUES ('daily_aggregation', $1, $1, 'succeeded', 'h', 1)",
      {At("2025-06-15T00:30:00Z")});

  auto checks = ops::CheckJobs(runner_.get(), true);

  const Check* failed = Find(checks, "job:refresh_views");
  const Check* ok = Find(checks, "job:daily_aggregation");
  ASSERT_NE(failed, nullptr);
  ASSERT_NE(ok, nullptr);
  EXPECT_EQ(failed->status, CheckStatus::kFail);
  EXPECT_EQ(failed->note, "views are locked");
  EXPECT_EQ(ok->status, CheckStatus::kOk) << ok->value;
}

TEST_P(Doctor, OverdueJobFails) {
  // Succeeded two days ago; its daily 00:30 run of today is past the grace.
  Exec(
      "INSERT INTO job_runs (job, started_at, finished_at, status, host, pid) "
      "VALUES ('daily_aggregation', $1, $1, 'succeeded', 'h', 1)",
      {At("2025-06-13T00:30:00Z")});

  auto checks = ops::CheckJobs(runner_.get(), true);

  const Check* job = Find(checks, "job:daily_aggregation");
  ASSERT_NE(job, nullptr);
  EXPECT_EQ(job->status, CheckStatus::kFail);
  EXPECT_EQ(job->value.rfind("overdue", 0), 0u) << job->value;
}

TEST_P(Doctor, DisksAreMeasuredWhereTheFoldersWillBe) {
  auto checks = ops::CheckDisks(config_);

  ASSERT_EQ(checks.size(), 4u);
  EXPECT_EQ(checks[0].name, "disk:data");
  EXPECT_EQ(checks[0].status, postgres() ? CheckStatus::kSkip : CheckStatus::kOk);
  for (std::size_t i = 1; i < checks.size(); ++i) {
    EXPECT_NE(checks[i].status, CheckStatus::kWarn) << checks[i].name << ": " << checks[i].note;
    EXPECT_NE(checks[i].value.find("%"), std::string::npos) << checks[i].value;
  }
}

INSTANTIATE_TEST_SUITE_P(AllBackends, Doctor, ::testing::ValuesIn(ConfiguredBackends()),
                         BackendParamName);

}  // namespace
}  // namespace analytics::test
