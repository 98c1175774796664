#include "jobs/job.h"
#include "storage/daily_repository.h"

namespace analytics::jobs {

// SPEC §6: rows older than retention_years move in one transaction, so a
// killed run moves all or nothing.
Result<JobResult> RunArchive(const JobEnv& env, const JobArgs&, const JobLog&) {
  std::chrono::year_month_day today{DayOf(env.clock.Now())};
  auto cutoff_ymd = today - std::chrono::years{env.config.archive.retention_years};
  if (!cutoff_ymd.ok()) cutoff_ymd = cutoff_ymd.year() / cutoff_ymd.month() / std::chrono::last;
  Day cutoff{cutoff_ymd};
  std::int64_t moved = 0;
  auto done = InJobTransaction(env.db, [&](storage::Transaction& tx) -> Result<void> {
    auto n = storage::DailyRepository(tx, env.db.dialect()).ArchiveBefore(cutoff);
    if (!n.ok()) return n.error();
    moved = *n;
    return Ok();
  });
  if (!done.ok()) return done.error();
  return JobResult{moved, std::to_string(moved) + " rows dated before " + FormatDay(cutoff) +
                              " moved to daily_analytics_archive"};
}

}  // namespace analytics::jobs
