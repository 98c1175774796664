// SQL for the jobs' set-based work on daily_analytics (SPEC §3, §6). Not
// thread-safe; lives inside one transaction.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "storage/database.h"

namespace analytics::storage {

class DailyRepository {
 public:
  DailyRepository(Transaction& tx, const Dialect& dialect) : tx_(tx), dialect_(dialect) {}

  // Replaces day `day`'s daily_analytics rows with ones computed from the
  // tasks, in one INSERT … SELECT; returns how many rows it wrote.
  Result<std::int64_t> AggregateDay(Day day, Time computed_at);
  // Replaces the rows of every day in [from, to] with one statement:
  // per-user, per-day events summed cumulatively with window functions, so
  // the work is one pass over the tasks, not one per day. Returns rows written.
  Result<std::int64_t> AggregateRange(Day from, Day to, Time computed_at);
  // Moves daily_analytics rows dated before `cutoff` into
  // daily_analytics_archive; returns how many moved.
  Result<std::int64_t> ArchiveBefore(Day cutoff);
  // The active users: those with a task updated since `since` (cache_warming
  // warms the most active; /metrics shows how many there are).
  struct ActiveUsers {
    std::int64_t total = 0;  // all of them
    // At most `limit` of them with their updates, most updates first.
    std::vector<std::pair<std::string, std::int64_t>> most_active;
  };
  Result<ActiveUsers> FindActiveUsers(Time since, int limit);

 private:
  Transaction& tx_;
  const Dialect& dialect_;
};

}  // namespace analytics::storage
