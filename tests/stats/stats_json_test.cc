// The cached bodies' head, which the fast path reads as_of from.
#include <gtest/gtest.h>

#include "model/stat_names.h"
#include "stats/stats_service.h"

namespace analytics::stats {
namespace {

model::Overview SomeOverview(std::string user_id) {
  model::Overview overview;
  overview.user_id = std::move(user_id);
  overview.as_of = *ParseTime("2024-01-15T10:00:00.123Z");
  overview.task_totals.total = 3;
  return overview;
}

TEST(AsOfOfBody, ReadsTheTimeEveryBodyWrites) {
  const model::Overview overview = SomeOverview("alice");

  EXPECT_EQ(AsOfOfBody(OverviewJson(overview)), overview.as_of);
  for (std::string_view stat : model::kStatNames) {
    EXPECT_EQ(AsOfOfBody(StatJson(overview, stat)), overview.as_of) << stat;
  }
}

TEST(AsOfOfBody, SkipsAnEscapedUserId) {
  const model::Overview overview = SomeOverview("a\"b\\c");

  EXPECT_EQ(AsOfOfBody(OverviewJson(overview)), overview.as_of);
}

TEST(AsOfOfBody, OtherTextHasNone) {
  EXPECT_EQ(AsOfOfBody(""), std::nullopt);
  EXPECT_EQ(AsOfOfBody("{\"user_id\":\"u\""), std::nullopt);
  EXPECT_EQ(AsOfOfBody("{\"user_id\":\"u\\"), std::nullopt);
  EXPECT_EQ(AsOfOfBody("{\"as_of\":\"2024-01-15T10:00:00Z\"}"), std::nullopt);
  EXPECT_EQ(AsOfOfBody("{\"user_id\":\"u\",\"as_of\":\"yesterday\"}"), std::nullopt);
}

TEST(StatNames, AreTheFiveOfSpecSection3InOverviewOrder) {
  EXPECT_EQ(model::StatNameList(),
            "task_totals, completion_rate, priority_distribution, status_distribution, "
            "productivity_score");
  EXPECT_TRUE(model::IsStatName("completion_rate"));
  EXPECT_FALSE(model::IsStatName("overview"));
}

}  // namespace
}  // namespace analytics::stats
