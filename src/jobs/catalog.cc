// Every job in one table (SPEC §6). Schedules come from config
// (jobs.schedules), whose defaults are the runbook's.
#include "jobs/job.h"

namespace analytics::jobs {

const std::vector<JobDefinition>& Catalog() {
  static const std::vector<JobDefinition> kJobs = {
      {"daily_aggregation", "compute daily_analytics rows for a day (default yesterday) or range",
       RunDailyAggregation, true, false, nullptr},
      {"cache_warming", "warm the cache for the most active recent users", RunCacheWarming, false,
       true, nullptr},
      {"refresh_views", "refresh the four stats views", RunRefreshViews, false, false, nullptr},
      {"archive", "move daily_analytics rows older than archive.retention_years to the archive",
       RunArchive, false, false, nullptr},
      {"maintenance", "VACUUM and ANALYZE (and REINDEX bloated indexes on PostgreSQL)",
       RunMaintenance, false, false, nullptr},
      {"backup", "full backup (backup.method: dump or pgbackrest), then prune past retention",
       RunBackup, false, false, nullptr},
      {"backup_incremental", "pgBackRest incremental backup (backup.method: pgbackrest)",
       RunBackupIncremental, false, false, NeedsPgBackRest},
      {"restore_drill", "verify the newest backup restores (fails the job, and alerts, if not)",
       RunRestoreDrill, false, false, nullptr},
  };
  return kJobs;
}

const JobDefinition* FindJob(const std::string& name) {
  for (const JobDefinition& job : Catalog()) {
    if (job.name == name) return &job;
  }
  return nullptr;
}

std::string WhyNotApplicable(const JobDefinition& job, const config::Config& config) {
  return job.not_applicable == nullptr ? "" : job.not_applicable(config);
}

Result<void> InJobTransaction(storage::Database& db, const storage::Work& work) {
  return db.InTransaction([&](storage::Transaction& tx) -> Result<void> {
    std::string lift = db.dialect().LiftStatementTimeout();
    if (!lift.empty()) {
      auto lifted = tx.Execute(lift);
      if (!lifted.ok()) return lifted.error();
    }
    return work(tx);
  });
}

std::string JobArgs::Describe() const {
  std::string out;
  auto add = [&](const std::string& part) {
    if (!out.empty()) out += ' ';
    out += part;
  };
  if (date) add("--date " + FormatDay(*date));
  if (from) add("--from " + FormatDay(*from));
  if (to) add("--to " + FormatDay(*to));
  if (top_users) add("--top-users " + std::to_string(*top_users));
  return out;
}

}  // namespace analytics::jobs
