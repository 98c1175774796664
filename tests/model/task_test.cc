// model/task.h: the priority weights and their SQL form.
#include "model/task.h"

#include <gtest/gtest.h>

namespace analytics::model {
namespace {

TEST(Weight, FollowsSpecFromLowToUrgent) {
  EXPECT_EQ(Weight(Priority::kLow), 1);
  EXPECT_EQ(Weight(Priority::kMedium), 2);
  EXPECT_EQ(Weight(Priority::kHigh), 3);
  EXPECT_EQ(Weight(Priority::kUrgent), 4);
}

// The text the stats views and repositories always ran: a change here
// changes their SQL (and the prepared statements' text).
TEST(WeightSql, IsTheCaseExpressionTheQueriesAlwaysRan) {
  EXPECT_EQ(WeightSql(),
            "CASE priority WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 ELSE 4 END");
  EXPECT_EQ(WeightSql("t.priority"),
            "CASE t.priority WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 ELSE 4 "
            "END");
}

}  // namespace
}  // namespace analytics::model
