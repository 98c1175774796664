#include "jobs/job.h"
#include "storage/daily_repository.h"

namespace analytics::jobs {

// Each day is replaced in its own transaction: a run killed half-way leaves
// whole days behind (never a partial one) and a rerun recomputes the rest.
Result<JobResult> RunDailyAggregation(const JobEnv& env, const JobArgs& args, const JobLog& log) {
  Day yesterday = DayOf(env.clock.Now()) - std::chrono::days{1};
  Day from = yesterday, to = yesterday;
  if (args.date && (args.from || args.to)) {
    return InvalidArgument("--date", "give --date or --from/--to, not both");
  }
  if (args.date) from = to = *args.date;
  if (args.from || args.to) {
    if (!args.from || !args.to) return InvalidArgument("--from", "--from and --to go together");
    from = *args.from;
    to = *args.to;
  }
  if (from > to) return InvalidArgument("--from", "--from must not be after --to");
  if ((to - from).count() > stats::kMaxRangeDays) {
    return InvalidArgument("--to", "a range of at most 10 years");
  }
  JobResult result;
  for (Day day = from; day <= to; day += std::chrono::days{1}) {
    std::int64_t rows = 0;
    auto done = env.db.InTransaction([&](storage::Transaction& tx) -> Result<void> {
      auto written = storage::DailyRepository(tx, env.db.dialect()).AggregateDay(day, env.clock.Now());
      if (!written.ok()) return written.error();
      rows = *written;
      return Ok();
    });
    if (!done.ok()) return done.error();
    result.rows += rows;
    log("day_aggregated", FormatDay(day) + " rows=" + std::to_string(rows));
  }
  result.summary = std::to_string(result.rows) + " rows for " +
                   std::to_string((to - from).count() + 1) + " day(s) " + FormatDay(from) +
                   ".." + FormatDay(to);
  return result;
}

}  // namespace analytics::jobs
