// The jobs' series on /metrics: one per job and status from start-up (0 until
// it runs), counts and last successes read from job_runs, and active users.
#include "jobs/job_metrics.h"

#include <map>

#include "jobs/jobs_fixture.h"

namespace analytics::test {
namespace {

using storage::JobRepository;

// "name{label=value,...}" -> value.
std::map<std::string, double> ByKey(const std::vector<metrics::Sample>& samples) {
  std::map<std::string, double> values;
  for (const auto& s : samples) {
    std::string key = s.name + "{";
    for (const auto& [label, value] : s.labels) key += label + "=" + value + ",";
    EXPECT_TRUE(values.emplace(key + "}", s.value).second) << "twice: " << key;
  }
  return values;
}

TEST(JobRunSamples, EveryJobHasEverySeriesAtZeroBeforeItRuns) {
  auto values = ByKey(jobs::JobRunSamples({}));

  ASSERT_FALSE(jobs::Catalog().empty());
  EXPECT_EQ(values.size(), jobs::Catalog().size() * 4);  // three statuses and a last success
  for (const auto& job : jobs::Catalog()) {
    for (const char* status : {"running", "succeeded", "failed"}) {
      std::string key = "analytics_job_runs_total{job=" + job.name + ",status=" + status + ",}";
      ASSERT_TRUE(values.count(key)) << key;
      EXPECT_EQ(values[key], 0);
    }
    std::string key = "analytics_job_last_success_timestamp_seconds{job=" + job.name + ",}";
    ASSERT_TRUE(values.count(key)) << key;
    EXPECT_EQ(values[key], 0);
  }
}

TEST(JobRunSamples, CountsFillTheirSeriesAndUnknownJobsAreKept) {
  Time finished = *ParseTime("2025-06-15T00:31:00Z");
  std::vector<JobRepository::JobCounts> counts = {
      {"daily_aggregation", "succeeded", 3, finished},
      {"daily_aggregation", "failed", 1, finished},
      {"backup", "succeeded", 2, finished},
  };

  auto values = ByKey(jobs::JobRunSamples(counts));

  double seconds = std::chrono::duration<double>(finished.time_since_epoch()).count();
  EXPECT_EQ(values["analytics_job_runs_total{job=daily_aggregation,status=succeeded,}"], 3);
  EXPECT_EQ(values["analytics_job_runs_total{job=daily_aggregation,status=failed,}"], 1);
  EXPECT_EQ(values["analytics_job_runs_total{job=daily_aggregation,status=running,}"], 0);
  EXPECT_EQ(values["analytics_job_last_success_timestamp_seconds{job=daily_aggregation,}"],
            seconds);
  EXPECT_EQ(values["analytics_job_runs_total{job=backup,status=succeeded,}"], 2);
  EXPECT_EQ(values["analytics_job_last_success_timestamp_seconds{job=backup,}"], seconds);
  EXPECT_EQ(values["analytics_job_last_success_timestamp_seconds{job=archive,}"], 0);
}

class JobMetricsTest : public JobsTest {};

TEST_P(JobMetricsTest, ReadsRunsLastSuccessesAndActiveUsers) {
  for (const char* u : {"ann", "bob", "cat"}) ASSERT_TRUE(users_->Create(u).ok());
  for (const char* u : {"ann", "bob"}) {
    ASSERT_TRUE(tasks_->Create(Admin(), u, {"x", {}, {}, {}, {}, {}}).ok());
  }
  auto run = runner_->Run("refresh_views", {});
  ASSERT_TRUE(run.ok() && run->succeeded);

  auto samples = jobs::ReadDatabaseSamples(*db_, clock_.Now());

  ASSERT_TRUE(samples.ok()) << samples.error().message;
  auto values = ByKey(*samples);
  EXPECT_EQ(values["analytics_job_runs_total{job=refresh_views,status=succeeded,}"], 1);
  EXPECT_EQ(values["analytics_job_runs_total{job=archive,status=succeeded,}"], 0);
  EXPECT_EQ(values["analytics_job_last_success_timestamp_seconds{job=refresh_views,}"],
            std::chrono::duration<double>(clock_.Now().time_since_epoch()).count());
  EXPECT_EQ(values["analytics_active_users{}"], 2);
  clock_.Advance(std::chrono::hours(25));
  auto later = jobs::ReadDatabaseSamples(*db_, clock_.Now());
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(ByKey(*later)["analytics_active_users{}"], 0) << "active means in the last 24 hours";
}

// batch_size: each batch's users are warmed at once; every user is warmed
// whatever the batch size, the most active first.
TEST_P(JobMetricsTest, CacheWarmingWarmsEveryUserInBatches) {
  config_.cache_warming.batch_size = 2;
  for (const char* u : {"ann", "bob", "cat"}) {
    ASSERT_TRUE(users_->Create(u).ok());
    ASSERT_TRUE(tasks_->Create(Admin(), u, {"x", {}, {}, {}, {}, {}}).ok());
  }

  auto report = runner_->Run("cache_warming", {});

  ASSERT_TRUE(report.ok());
  ASSERT_TRUE(report->succeeded) << report->error;
  EXPECT_EQ(report->result.rows, 18);  // overview + five stats, for three users
  for (const char* u : {"ann", "bob", "cat"}) {
    auto overview = stats_->Overview(u);
    ASSERT_TRUE(overview.ok());
    EXPECT_TRUE(overview->cache_hit) << u;
  }
}

INSTANTIATE_TEST_SUITE_P(AllBackends, JobMetricsTest, ::testing::ValuesIn(ConfiguredBackends()),
                         [](const auto& info) { return BackendName(info.param); });

}  // namespace
}  // namespace analytics::test
