#include "jobs/job.h"
#include "storage/daily_repository.h"

namespace analytics::jobs {

namespace {
// A range is computed a quarter at a time: one pass over the tasks per
// chunk, and each chunk replaced in its own transaction, so a run killed
// half-way leaves whole chunks behind (never part of one) and a rerun
// recomputes the rest identically.
constexpr int kChunkDays = 92;
}  // namespace

Result<std::pair<Day, Day>> DaysOf(const JobArgs& args, Day today) {
  Day yesterday = today - std::chrono::days{1};
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
  return std::pair{from, to};
}

Result<JobResult> RunDailyAggregation(const JobEnv& env, const JobArgs& args, const JobLog& log) {
  auto days = DaysOf(args, DayOf(env.clock.Now()));
  if (!days.ok()) return days.error();
  const auto [from, to] = *days;
  JobResult result;
  for (Day first = from; first <= to; first += std::chrono::days{kChunkDays}) {
    Day last = std::min(to, first + std::chrono::days{kChunkDays - 1});
    std::int64_t rows = 0;
    auto done = InJobTransaction(env.db, [&](storage::Transaction& tx) -> Result<void> {
      storage::DailyRepository repo(tx, env.db.dialect());
      auto written = first == last ? repo.AggregateDay(first, env.clock.Now())
                                   : repo.AggregateRange(first, last, env.clock.Now());
      if (!written.ok()) return written.error();
      rows = *written;
      return Ok();
    });
    if (!done.ok()) return done.error();
    result.rows += rows;
    log("days_aggregated",
        FormatDay(first) + ".." + FormatDay(last) + " rows=" + std::to_string(rows));
  }
  result.summary = std::to_string(result.rows) + " rows for " +
                   std::to_string((to - from).count() + 1) + " day(s) " + FormatDay(from) + ".." +
                   FormatDay(to);
  return result;
}

}  // namespace analytics::jobs
