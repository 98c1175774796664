// SQL for the time-based stats: trends from tasks, daily_analytics rows.
// Not thread-safe; lives inside one transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "model/stats.h"
#include "storage/database.h"

namespace analytics::storage {

// Per-day counts over a user's non-deleted, non-cancelled tasks (SPEC §3's
// daily population) in [from, to), plus the totals before `from`.
struct DayCounts {
  std::int64_t created_before = 0;    // created before `from`
  std::int64_t completed_before = 0;  // done and completed before `from`
  std::map<Day, std::int64_t> created;
  std::map<Day, std::int64_t> completed;
};

class StatsRepository {
 public:
  StatsRepository(Transaction& tx, const Dialect& dialect) : tx_(tx), dialect_(dialect) {}

  Result<DayCounts> CountByDay(const std::string& user_id, Day from, Day to);
  // daily_analytics and daily_analytics_archive rows for days in [from, to), by date.
  Result<std::vector<model::DailyStats>> DailyRows(const std::string& user_id, Day from, Day to);

 private:
  Transaction& tx_;
  const Dialect& dialect_;
};

}  // namespace analytics::storage
