// The signal sampler against a real App and server on each backend, time
// from a FakeClock (no sleeps): counts of the requests the test made come out
// exactly, percentiles within their histogram bucket, and the samples are
// stored, downsampled and dropped as docs/signals.md says.
#include "ops/signal_sampler.h"

#include <gtest/gtest.h>

#include <thread>

#include "storage/job_repository.h"
#include "storage/signal_repository.h"
#include "support/backends.h"
#include "support/http_client.h"
#include "support/test_app.h"

namespace analytics::ops {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

const Time kStart = ParseTime("2024-03-01T12:00:00Z").value();

class SignalSamplerTest : public ::testing::TestWithParam<test::Backend> {
 protected:
  SignalSamplerTest()
      : app_(test::BackendAvailable(GetParam()) ? GetParam() : test::Backend::kSqliteMemory, {},
             &clock_) {}

  void SetUp() override { ANALYTICS_REQUIRE_BACKEND(GetParam()); }

  SignalSampler& sampler() { return app_.app().signal_sampler(); }

  // The server records a request after writing its answer: wait (bounded)
  // until it has recorded `n` in all.
  void AwaitRecorded(double n) {
    const auto deadline = std::chrono::steady_clock::now() + seconds(10);
    while (app_.app().metrics().SnapshotRequests().requests < n &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    ASSERT_EQ(app_.app().metrics().SnapshotRequests().requests, n);
  }

  SignalValues Sample(seconds after) {
    clock_.Advance(after);
    Result<SignalValues> values = sampler().SampleOnce(clock_.Now());
    EXPECT_TRUE(values.ok()) << values.error().message;
    return values.ok() ? *values : SignalValues{};
  }

  std::int64_t StoredRows(int step_s) {
    auto n = storage::ReadValue(app_.app().db(), [&](storage::Transaction& tx) -> Result<int64_t> {
      auto rows =
          tx.Query("SELECT COUNT(*) FROM signal_samples WHERE step_s = $1", {std::int64_t{step_s}});
      if (!rows.ok()) return rows.error();
      return rows->front().Int(0);
    });
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : -1;
  }

  FakeClock clock_{kStart};
  test::TestApp app_;
};

TEST_P(SignalSamplerTest, RequestCountsAndRatesAreExact) {
  const std::string token = app_.CreateUser("s1");
  analytics::testing::Connection conn(app_.port());
  const testing::HeaderList auth = {test::TestApp::Auth(token)};
  for (int i = 0; i < 12; ++i) ASSERT_EQ(conn.Get("/api/v1/users/s1/tasks", auth).status, 200);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(conn.Get("/api/v1/users/s2/tasks", auth).status, 403);
  AwaitRecorded(15);

  SignalValues v = Sample(seconds(15));
  EXPECT_DOUBLE_EQ(v["request_rate"], 15.0 / 15);
  EXPECT_DOUBLE_EQ(v["error_rate"], 0);  // 4xx are not server errors
  EXPECT_EQ(v["health"], 1);
  EXPECT_EQ(v["db_up"], 1);
  EXPECT_TRUE(v.count("p50_response_time"));
  EXPECT_GE(v["db_connections"], 1);
  EXPECT_GT(v["memory_rss"], 1e6);
  EXPECT_GT(v["memory_usage"], 0);
  EXPECT_LT(v["memory_usage"], 100);
  EXPECT_GT(v["disk_usage"], 0);
  EXPECT_LE(v["disk_usage"], 100);
  EXPECT_GE(v["cpu_usage"], 0);
  EXPECT_EQ(v["job_failures"], 0);

  // The next interval has no requests: rate and error rate 0, no percentiles.
  SignalValues idle = Sample(seconds(15));
  EXPECT_EQ(idle["request_rate"], 0);
  EXPECT_EQ(idle["error_rate"], 0);
  EXPECT_FALSE(idle.count("p95_response_time"));
  EXPECT_FALSE(idle.count("cache_hit_rate"));
}

TEST_P(SignalSamplerTest, ErrorRateAndPercentilesComeFromTheIntervalsObservations) {
  metrics::Metrics& m = app_.app().metrics();
  // 100 answers in this interval: 50 at 3 ms, 45 at 30 ms, 5 at 700 ms; 4 of them 503s.
  for (int i = 0; i < 50; ++i) m.ObserveRequest("/r", "GET", 200, milliseconds(3));
  for (int i = 0; i < 41; ++i) m.ObserveRequest("/r", "GET", 200, milliseconds(30));
  for (int i = 0; i < 4; ++i) m.ObserveRequest("/r", "GET", 503, milliseconds(30));
  for (int i = 0; i < 5; ++i) m.ObserveRequest("/r", "GET", 200, milliseconds(700));
  SignalValues v = Sample(seconds(10));
  EXPECT_DOUBLE_EQ(v["request_rate"], 10);
  EXPECT_DOUBLE_EQ(v["error_rate"], 4);
  // Each within the bucket that holds the true value.
  EXPECT_GT(v["p50_response_time"], 0.0025);
  EXPECT_LE(v["p50_response_time"], 0.005);
  EXPECT_GT(v["p95_response_time"], 0.025);
  EXPECT_LE(v["p95_response_time"], 0.05);
  EXPECT_GT(v["p99_response_time"], 0.5);
  EXPECT_LE(v["p99_response_time"], 1.0);

  // Only the new interval's observations count: 10 slow ones.
  for (int i = 0; i < 10; ++i) m.ObserveRequest("/r", "GET", 500, milliseconds(3000));
  SignalValues next = Sample(seconds(10));
  EXPECT_DOUBLE_EQ(next["request_rate"], 1);
  EXPECT_DOUBLE_EQ(next["error_rate"], 100);
  EXPECT_GT(next["p50_response_time"], 2.5);
  EXPECT_LE(next["p50_response_time"], 5);
}

TEST_P(SignalSamplerTest, CacheHitRateAndJobFailuresOfTheInterval) {
  const std::string token = app_.CreateUser("c1");
  analytics::testing::Connection conn(app_.port());
  const testing::HeaderList auth = {test::TestApp::Auth(token)};
  Sample(seconds(15));  // a baseline after the user's creation
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(conn.Get("/api/v1/users/c1/analytics/overview", auth).status, 200);
  }
  // A job run that failed in this interval, and one that failed long before.
  storage::Database& db = app_.app().db();
  auto recorded = db.InTransaction([&](storage::Transaction& tx) -> Result<void> {
    storage::JobRepository jobs(tx);
    for (Time finished : {clock_.Now() + seconds(5), clock_.Now() - hours(5)}) {
      auto id = jobs.Start("archive", "", finished - seconds(1), "h", 1);
      if (!id.ok()) return id.error();
      ANALYTICS_RETURN_IF_ERROR(jobs.Finish(*id, "failed", 0, "boom", finished));
    }
    return Ok();
  });
  ASSERT_TRUE(recorded.ok()) << recorded.error().message;
  AwaitRecorded(4);

  SignalValues v = Sample(seconds(15));
  EXPECT_DOUBLE_EQ(v["cache_hit_rate"], 75);  // one miss, then three hits
  EXPECT_EQ(v["job_failures"], 1);
  EXPECT_GE(v["cache_evicted_keys"], 0);
}

TEST_P(SignalSamplerTest, StoresNotifiesDownsamplesAndForgets) {
  std::vector<std::pair<Time, SignalValues>> heard;
  sampler().AddListener([&](Time at, const SignalValues& v) { heard.emplace_back(at, v); });

  SignalValues first = Sample(seconds(15));
  ASSERT_EQ(heard.size(), 1u);
  EXPECT_EQ(heard[0].first, clock_.Now());
  EXPECT_EQ(heard[0].second, first);
  auto latest = app_.app().signals().Latest(clock_.Now() - seconds(30));
  ASSERT_TRUE(latest.ok()) << latest.error().message;
  EXPECT_EQ(latest->size(), first.size());
  EXPECT_DOUBLE_EQ(latest->at("db_up").value, 1);
  const std::int64_t per_sample = StoredRows(0);
  EXPECT_EQ(per_sample, static_cast<std::int64_t>(first.size()));

  // Two days on: the first sample is folded into a 5-minute row.
  Sample(hours(48));
  EXPECT_EQ(StoredRows(300), per_sample);
  EXPECT_GE(StoredRows(0), 1);
  // Past the retention (14 days): the folded row goes too.
  Sample(hours(24 * 15));
  EXPECT_EQ(StoredRows(300), 0);
  EXPECT_EQ(heard.size(), 3u);
}

TEST_P(SignalSamplerTest, TheThreadStopsPromptly) {
  SignalSampler& s = sampler();
  s.Start();
  const auto started = std::chrono::steady_clock::now();
  s.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(5));
}

INSTANTIATE_TEST_SUITE_P(AllBackends, SignalSamplerTest,
                         ::testing::ValuesIn(analytics::test::ConfiguredBackends()),
                         analytics::test::BackendParamName);

}  // namespace
}  // namespace analytics::ops
