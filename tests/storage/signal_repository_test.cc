// SignalRepository on every backend: append, range (bucketing and the
// per-kind combination over time and across sources), latest, downsampling
// and retention. Times are fixed instants (no clock, no sleeps).
#include "storage/signal_repository.h"

#include <gtest/gtest.h>

#include "repository_fixture.h"

namespace analytics::storage {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using test::At;

class SignalRepositoryTest : public test::RepositoryTest {
 protected:
  void Append(Time at, const std::string& source, std::map<std::string, double> values) {
    InTx([&](Transaction& tx) { return SignalRepository(tx).Append(at, source, values); });
  }

  std::vector<SignalSeries> Range(std::vector<std::string> names, Time from, Time to,
                                  seconds step) {
    std::vector<SignalSeries> out;
    InRead([&](Transaction& tx) -> Result<void> {
      auto range = SignalRepository(tx).Range(names, from, to, step);
      if (!range.ok()) return range.error();
      out = std::move(*range);
      return Ok();
    });
    return out;
  }

  std::int64_t RowsWithStep(int step_s) {
    return Select(*db_, "SELECT COUNT(*) FROM signal_samples WHERE step_s = $1",
                  {std::int64_t{step_s}})
        .at(0)
        .Int(0);
  }
};

TEST_P(SignalRepositoryTest, AppendReplacesTheSameSampleAndRangeBucketsPerKind) {
  const Time t0 = At("2024-03-01T12:00:00Z");
  // Two instances, two samples each within one minute.
  Append(t0, "a",
         {{"request_rate", 10}, {"p95_response_time", 0.2}, {"health", 1}, {"job_failures", 1}});
  Append(t0 + seconds(15), "a",
         {{"request_rate", 20}, {"p95_response_time", 0.4}, {"health", 1}, {"job_failures", 2}});
  Append(t0 + seconds(5), "b",
         {{"request_rate", 5}, {"p95_response_time", 1.0}, {"health", 0}, {"job_failures", 1}});
  // The same (name, at, source) again: replaced, not added.
  Append(t0 + seconds(5), "b", {{"request_rate", 7}});
  EXPECT_EQ(Count("signal_samples"), 12);
  Append(t0, "a", {{"cache_hit_rate", 90}});
  Append(t0 + seconds(15), "a", {{"cache_hit_rate", 80}});
  Append(t0 + seconds(5), "b", {{"cache_hit_rate", 40}});

  auto series = Range({"request_rate", "p95_response_time", "health", "job_failures", "cpu_usage",
                       "cache_hit_rate"},
                      t0, t0 + minutes(2), seconds(60));
  ASSERT_EQ(series.size(), 6u);
  ASSERT_EQ(series[0].points.size(), 1u);
  EXPECT_EQ(series[0].points[0].at, t0);
  EXPECT_DOUBLE_EQ(series[0].points[0].value, 15 + 7);  // mean over time, summed over sources
  EXPECT_DOUBLE_EQ(series[1].points.at(0).value, 1.0);  // the worst instance's mean
  EXPECT_DOUBLE_EQ(series[2].points.at(0).value, 0);    // any instance down is down
  EXPECT_DOUBLE_EQ(series[3].points.at(0).value, 3);    // summed over time, max over sources
  EXPECT_TRUE(series[4].points.empty());
  EXPECT_DOUBLE_EQ(series[5].points.at(0).value, 40);  // a score: the lowest instance's mean
}

TEST_P(SignalRepositoryTest, RangeIsHalfOpenAndAlignedToFrom) {
  const Time t0 = At("2024-03-01T12:00:00Z");
  for (int i = 0; i < 8; ++i) Append(t0 + seconds(15 * i), "a", {{"cpu_usage", double(i)}});
  auto series = Range({"cpu_usage"}, t0 + seconds(15), t0 + seconds(105), seconds(30));
  ASSERT_EQ(series.at(0).points.size(), 3u);
  EXPECT_EQ(series[0].points[0].at, t0 + seconds(15));
  EXPECT_DOUBLE_EQ(series[0].points[0].value, 1.5);
  EXPECT_EQ(series[0].points[2].at, t0 + seconds(75));
  EXPECT_DOUBLE_EQ(series[0].points[2].value, 5.5);  // 7 at t0+105 s is past `to`
}

TEST_P(SignalRepositoryTest, LatestTakesEachSourcesNewestAndIgnoresStaleSources) {
  const Time t0 = At("2024-03-01T12:00:00Z");
  Append(t0 - minutes(10), "gone", {{"request_rate", 100}, {"db_up", 0}});
  Append(t0, "a", {{"request_rate", 1}, {"db_up", 1}});
  Append(t0 + seconds(15), "a", {{"request_rate", 2}, {"db_up", 1}});
  Append(t0 + seconds(10), "b", {{"request_rate", 3}, {"db_up", 1}, {"disk_usage", 50}});
  std::map<std::string, SignalPoint> latest;
  InRead([&](Transaction& tx) -> Result<void> {
    auto got = SignalRepository(tx).Latest(t0 - minutes(1));
    if (!got.ok()) return got.error();
    latest = *got;
    return Ok();
  });
  ASSERT_EQ(latest.size(), 3u);
  EXPECT_DOUBLE_EQ(latest["request_rate"].value, 5);
  EXPECT_EQ(latest["request_rate"].at, t0 + seconds(15));
  EXPECT_DOUBLE_EQ(latest["db_up"].value, 1);
  EXPECT_DOUBLE_EQ(latest["disk_usage"].value, 50);
}

TEST_P(SignalRepositoryTest, DownsampleFoldsWholeFiveMinuteBucketsOlderThanTheCutoff) {
  const Time t0 = At("2024-03-01T00:00:00Z");
  // 15-second samples over 12 minutes: buckets 00:00, 00:05, and part of 00:10.
  for (int i = 0; i < 48; ++i) {
    Append(t0 + seconds(15 * i), "a",
           {{"cpu_usage", double(i % 20)}, {"job_failures", 1}, {"health", i == 3 ? 0.0 : 1.0}});
  }
  std::int64_t folded = 0;
  // A cutoff inside the third bucket folds only the first two.
  InTx([&](Transaction& tx) -> Result<void> {
    auto n = SignalRepository(tx).Downsample(t0 + minutes(12));
    if (!n.ok()) return n.error();
    folded = *n;
    return Ok();
  });
  EXPECT_EQ(folded, 40 * 3);
  EXPECT_EQ(RowsWithStep(300), 2 * 3);
  EXPECT_EQ(RowsWithStep(0), 8 * 3);
  // Again: nothing more to fold.
  InTx([&](Transaction& tx) -> Result<void> {
    auto n = SignalRepository(tx).Downsample(t0 + minutes(12));
    if (!n.ok()) return n.error();
    EXPECT_EQ(*n, 0);
    return Ok();
  });

  auto series = Range({"cpu_usage", "job_failures", "health"}, t0, t0 + minutes(15), seconds(300));
  ASSERT_EQ(series.at(0).points.size(), 3u);
  EXPECT_DOUBLE_EQ(series[0].points[0].value, 9.5);  // mean of 0..19
  EXPECT_DOUBLE_EQ(series[1].points[0].value, 20);   // 20 samples of 1
  EXPECT_DOUBLE_EQ(series[1].points[2].value, 8);    // raw rows of the third bucket
  EXPECT_DOUBLE_EQ(series[2].points[0].value, 0);    // one failed check marks the bucket
  EXPECT_DOUBLE_EQ(series[2].points[1].value, 1);
}

TEST_P(SignalRepositoryTest, DeleteBeforeDropsRawAndDownsampledRows) {
  const Time t0 = At("2024-03-01T00:00:00Z");
  for (int day = 0; day < 20; ++day) {
    Append(t0 + hours(24 * day), "a", {{"disk_usage", double(day)}});
  }
  InTx([&](Transaction& tx) -> Result<void> {
    auto folded = SignalRepository(tx).Downsample(t0 + hours(24 * 19));
    if (!folded.ok()) return folded.error();
    auto deleted = SignalRepository(tx).DeleteBefore(t0 + hours(24 * 6));
    if (!deleted.ok()) return deleted.error();
    EXPECT_EQ(*deleted, 6);
    return Ok();
  });
  EXPECT_EQ(Count("signal_samples"), 14);
  auto series = Range({"disk_usage"}, t0, t0 + hours(24 * 30), seconds(86400));
  ASSERT_EQ(series.at(0).points.size(), 14u);
  EXPECT_DOUBLE_EQ(series[0].points.front().value, 6);
}

TEST(SignalNamesTest, KnowsEveryNameAndItsKind) {
  EXPECT_EQ(SignalNames().size(), 15u);
  EXPECT_TRUE(IsSignalName("p99_response_time"));
  EXPECT_FALSE(IsSignalName("p98_response_time"));
  EXPECT_EQ(KindOf("health"), SignalKind::kUp);
  EXPECT_EQ(KindOf("request_rate"), SignalKind::kRate);
  EXPECT_EQ(KindOf("cache_evicted_keys"), SignalKind::kCount);
  EXPECT_EQ(KindOf("memory_usage"), SignalKind::kLevel);
  EXPECT_EQ(KindOf("cache_hit_rate"), SignalKind::kScore);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, SignalRepositoryTest,
                         ::testing::ValuesIn(analytics::test::ConfiguredBackends()),
                         analytics::test::BackendParamName);

}  // namespace
}  // namespace analytics::storage
