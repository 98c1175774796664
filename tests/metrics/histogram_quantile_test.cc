// HistogramQuantile as Prometheus' histogram_quantile, and the request totals
// the signal sampler takes deltas of.
#include "metrics/histogram_quantile.h"

#include <gtest/gtest.h>

#include <limits>

#include "metrics/metrics.h"

namespace analytics::metrics {
namespace {

const double kInf = std::numeric_limits<double>::infinity();

TEST(HistogramQuantileTest, InterpolatesWithinTheBucketHoldingTheRank) {
  const std::vector<double> bounds = {0.1, 0.5, 1, kInf};
  // 10 in (0, 0.1], 30 in (0.1, 0.5], 60 in (0.5, 1], none above.
  const std::vector<double> counts = {10, 40, 100, 100};
  EXPECT_DOUBLE_EQ(*HistogramQuantile(0.05, bounds, counts), 0.05);
  EXPECT_DOUBLE_EQ(*HistogramQuantile(0.25, bounds, counts), 0.1 + 0.4 * 15 / 30);
  EXPECT_DOUBLE_EQ(*HistogramQuantile(0.7, bounds, counts), 0.5 + 0.5 * 30 / 60);
  EXPECT_DOUBLE_EQ(*HistogramQuantile(1, bounds, counts), 1);
}

TEST(HistogramQuantileTest, InfBucketAnswersTheHighestFiniteBound) {
  EXPECT_DOUBLE_EQ(*HistogramQuantile(0.99, {0.1, 1, kInf}, {0, 0, 5}), 1);
}

TEST(HistogramQuantileTest, NothingObservedOrBadInputIsNoAnswer) {
  EXPECT_FALSE(HistogramQuantile(0.5, {0.1, kInf}, {0, 0}));
  EXPECT_FALSE(HistogramQuantile(1.5, {0.1, kInf}, {1, 1}));
  EXPECT_FALSE(HistogramQuantile(0.5, {0.1, kInf}, {1}));
  EXPECT_FALSE(HistogramQuantile(0.5, {}, {}));
}

TEST(RequestTotalsTest, SumsEveryRouteAndCountsServerErrors) {
  Metrics m;
  m.ObserveRequest("/a", "GET", 200, std::chrono::milliseconds(3));
  m.ObserveRequest("/b", "POST", 503, std::chrono::milliseconds(30));
  m.ObserveRequest("/b", "POST", 404, std::chrono::seconds(20));
  const RequestTotals t = m.SnapshotRequests();
  EXPECT_EQ(t.requests, 3);
  EXPECT_EQ(t.server_errors, 1);
  ASSERT_EQ(t.upper_bounds.size(), t.cumulative_counts.size());
  EXPECT_EQ(t.upper_bounds.back(), kInf);
  EXPECT_EQ(t.cumulative_counts.back(), 3);
  EXPECT_EQ(t.cumulative_counts[t.cumulative_counts.size() - 2], 2);  // 20 s is past 10 s
  EXPECT_DOUBLE_EQ(*HistogramQuantile(0.5, t.upper_bounds, t.cumulative_counts),
                   0.025 + 0.025 * 0.5);
}

}  // namespace
}  // namespace analytics::metrics
