// SQL for `analytics anomalies` (runbook "Daily Analytics Verification"):
// each query returns the rows that break an invariant the write paths and the
// daily_aggregation job keep. Not thread-safe; lives inside one transaction.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "storage/database.h"

namespace analytics::storage {

// One row that breaks an invariant: whose, and the numbers that disagree.
struct AnomalyRow {
  std::string user_id;
  std::string what;     // the column or day concerned
  double found = 0;     // what is stored
  double expected = 0;  // what it should be (a recount, a bound)
};

class AnomalyRepository {
 public:
  AnomalyRepository(Transaction& tx, const Dialect& dialect) : tx_(tx), dialect_(dialect) {}

  // daily_analytics rows of `day` whose `column` (completion_rate,
  // productivity_score) is outside [0, 100]; `what` is the column.
  Result<std::vector<AnomalyRow>> RateOutOfRange(Day day, const std::string& column, int limit);
  // Users with task activity on `day` (a non-deleted, non-cancelled task
  // created, or one completed, that day: the daily_aggregation population)
  // but no daily_analytics (or archive) row for it. `found` = events that day.
  Result<std::vector<AnomalyRow>> MissingDailyRows(Day day, int limit);
  // user_aggregates counters that differ from a recount of the user's
  // non-deleted tasks (a missing aggregates row counts as zeros); one row per
  // counter, `what` naming it.
  Result<std::vector<AnomalyRow>> AggregateMismatches(int limit);
  // open_due_days counts that differ from a recount of open tasks by due day;
  // `what` is the day.
  Result<std::vector<AnomalyRow>> OpenDueMismatches(int limit);
  // Users with at least `min_prior` task events (created or completed,
  // non-deleted) over the 7 days before `day` and none on `day`; `found` 0,
  // `expected` the prior events.
  Result<std::vector<AnomalyRow>> ActivityDrops(Day day, std::int64_t min_prior, int limit);

 private:
  Transaction& tx_;
  const Dialect& dialect_;
};

// Recomputes what the task write paths keep derived from tasks: every
// user_aggregates counter (and its version, bumped), open_due_days, and
// overdue_before, from the rows of tasks as they are. For rows of tasks
// replaced outside the write paths (`backup restore --table`); runs in the
// caller's transaction, so the replaced rows and their aggregates commit
// together.
Result<void> RebuildTaskAggregates(Transaction& tx, const Dialect& dialect);

}  // namespace analytics::storage
