// job status states (what `analytics job status` exits 1 on) and the
// scheduler's once-per-occurrence claims.
#include "jobs/status.h"

#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "jobs/jobs_fixture.h"
#include "jobs/scheduler.h"
#include "storage/job_repository.h"

namespace analytics::test {
namespace {

class JobStatusTest : public JobsTest {};

using std::chrono::hours;
using std::chrono::minutes;

jobs::JobStatus StatusOf(jobs::JobRunner& runner, const std::string& job) {
  auto statuses = jobs::Status(runner, job);
  EXPECT_TRUE(statuses.ok());
  EXPECT_EQ(statuses->size(), 1u);
  return statuses->front();
}

void InsertRun(storage::Database& db, const std::string& job, const std::string& status,
               Time started, std::int64_t pid) {
  ASSERT_TRUE(db.InTransaction([&](storage::Transaction& tx) -> Result<void> {
                  storage::JobRepository repo(tx);
                  auto id = repo.Start(job, "", started, jobs::JobRunner::HostName(), pid);
                  if (!id.ok()) return id.error();
                  if (status == "running") return Ok();
                  return repo.Finish(*id, status, 0, status == "failed" ? "boom" : "", started);
                }).ok());
}

// A pid that belonged to a process that has exited.
std::int64_t DeadPid() {
  pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  return child;
}

TEST_P(JobStatusTest, StatusStatesDriveTheExitCode) {
  Time now = clock_.Now();  // 12:00; daily_aggregation runs at 00:30

  EXPECT_EQ(StatusOf(*runner_, "daily_aggregation").state, jobs::JobState::kNeverRun);
  EXPECT_FALSE(StatusOf(*runner_, "daily_aggregation").needs_attention());

  InsertRun(*db_, "daily_aggregation", "succeeded", now - hours(11), 0);
  EXPECT_EQ(StatusOf(*runner_, "daily_aggregation").state, jobs::JobState::kOk);

  InsertRun(*db_, "daily_aggregation", "failed", now - hours(10), 0);
  auto failed = StatusOf(*runner_, "daily_aggregation");
  EXPECT_EQ(failed.state, jobs::JobState::kFailed);
  EXPECT_TRUE(failed.needs_attention());

  InsertRun(*db_, "daily_aggregation", "running", now - hours(9), DeadPid());
  EXPECT_EQ(StatusOf(*runner_, "daily_aggregation").state, jobs::JobState::kOrphaned);

  // The last run succeeded, but yesterday's 00:30 run… is today's; move the
  // clock two days on without a run: overdue.
  InsertRun(*db_, "daily_aggregation", "succeeded", now - hours(8), 0);
  EXPECT_EQ(StatusOf(*runner_, "daily_aggregation").state, jobs::JobState::kOk);
  clock_.Advance(hours(48));
  auto overdue = StatusOf(*runner_, "daily_aggregation");
  EXPECT_EQ(overdue.state, jobs::JobState::kOverdue);
  EXPECT_TRUE(overdue.needs_attention());
}

TEST_P(JobStatusTest, OrphanedRunsAreMarkedFailedByTheNextRun) {
  InsertRun(*db_, "refresh_views", "running", clock_.Now() - hours(1), DeadPid());

  auto report = runner_->Run("refresh_views", {});

  ASSERT_TRUE(report.ok());
  auto runs = runner_->Recent("refresh_views", 10);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ(runs->back().status, "failed");
  EXPECT_NE(runs->back().error.find("orphaned"), std::string::npos) << runs->back().error;
  EXPECT_TRUE(runs->back().finished_at.has_value());
}

TEST_P(JobStatusTest, TwoSchedulersRunEachOccurrenceOnce) {
  config_.jobs.schedules = {{"refresh_views", "* * * * *"}};
  jobs::JobRunner second(jobs::JobEnv{*db_, *cache_, *stats_, clock_, config_});
  jobs::JobRunner first(jobs::JobEnv{*db_, *cache_, *stats_, clock_, config_});
  jobs::SchedulerOptions options;
  options.poll = std::chrono::milliseconds(5);
  jobs::Scheduler a(first, options), b(second, options);
  a.Start();
  b.Start();

  constexpr int kOccurrences = 3;
  for (int i = 0; i < kOccurrences; ++i) {
    clock_.Advance(minutes(1));
    // Wait until this occurrence has run (bounded).
    for (int wait = 0; wait < 500; ++wait) {
      auto runs = first.Recent("refresh_views", 100);
      ASSERT_TRUE(runs.ok());
      if (static_cast<int>(runs->size()) >= i + 1 && runs->front().status != "running") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  a.Stop();
  b.Stop();

  auto runs = first.Recent("refresh_views", 100);
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(static_cast<int>(runs->size()), kOccurrences);
  for (const auto& r : *runs) EXPECT_EQ(r.status, "succeeded");
}

INSTANTIATE_TEST_SUITE_P(AllBackends, JobStatusTest, ::testing::ValuesIn(ConfiguredBackends()),
                         [](const auto& info) { return BackendName(info.param); });

}  // namespace
}  // namespace analytics::test
