// The backup jobs (docs/backup.md "Jobs, upload and retention"): backup
// (full, then prune), backup_incremental (pgBackRest only) and restore_drill
// (verifies the newest backup; a failed verification fails the run, and so
// fires the job_failed alert).
#include "backup/backup.h"
#include "backup/pgbackrest.h"
#include "backup/retention.h"
#include "jobs/job.h"

namespace analytics::jobs {
namespace {

bool UsesPgBackRest(const config::Config& config) { return config.backup.method == "pgbackrest"; }

backup::Env BackupEnv(const JobEnv& env) {
  return backup::Env{env.db, env.config, env.clock, &env.cache};
}

std::string Pruned(const backup::PruneReport& report) {
  std::string out = "pruned " + std::to_string(report.plan.remove.size());
  if (!report.pgbackrest_expired.empty()) {
    out += ", pgbackrest expired " + std::to_string(report.pgbackrest_expired.size());
  }
  return out;
}

Result<JobResult> PgBackRestBackup(const JobEnv& env, const std::string& type, const JobLog& log) {
  log("pgbackrest_backup_started", type);
  auto made = backup::PgBackRestCreate(env.config, type);
  if (!made.ok()) return made.error();
  log("pgbackrest_backup_finished", made->label);
  JobResult result;
  result.rows = static_cast<std::int64_t>(made->repo_bytes);
  result.summary = "pgbackrest " + made->type + " backup " + made->label + ", " +
                   std::to_string(made->repo_bytes) + " bytes in the repository";
  return result;
}

}  // namespace

std::string NeedsPgBackRest(const config::Config& config) {
  if (UsesPgBackRest(config)) return "";
  return "needs backup.method: pgbackrest (backup.method is " + config.backup.method +
         "; a logical dump has no incrementals)";
}

// rows: the backup's size in bytes.
Result<JobResult> RunBackup(const JobEnv& env, const JobArgs&, const JobLog& log) {
  JobResult result;
  if (UsesPgBackRest(env.config)) {
    auto made = PgBackRestBackup(env, "full", log);
    if (!made.ok()) return made.error();
    result = *made;
  } else {
    auto made = backup::Create(BackupEnv(env), log);
    if (!made.ok()) return made.error();
    result.rows = static_cast<std::int64_t>(made->bytes);
    result.summary = "backup " + made->manifest.id + ": " +
                     std::to_string(made->manifest.tables.size()) + " tables, " +
                     std::to_string(made->bytes) + " bytes" +
                     (made->manifest.upload ? ", uploaded" : "");
  }
  // Retention runs after a backup that succeeded, so what it keeps includes it.
  auto pruned = backup::Prune(env.config, env.clock.Now(), false);
  if (!pruned.ok()) return Error{pruned.error().code, "prune: " + pruned.error().message, {}};
  for (const backup::PruneEntry& removed : pruned->plan.remove) {
    log("backup_pruned", removed.id + ": " + removed.reason);
  }
  result.summary += "; " + Pruned(*pruned);
  return result;
}

Result<JobResult> RunBackupIncremental(const JobEnv& env, const JobArgs&, const JobLog& log) {
  // JobRunner refuses the job when it does not apply; a direct call too.
  if (std::string why = NeedsPgBackRest(env.config); !why.empty()) {
    return Error{ErrorCode::kUnprocessable, "backup_incremental " + why, {}};
  }
  return PgBackRestBackup(env, "incr", log);
}

// rows: the tables compared (dump); 0 for pgBackRest, whose verify covers the
// whole repository.
Result<JobResult> RunRestoreDrill(const JobEnv& env, const JobArgs&, const JobLog& log) {
  JobResult result;
  if (UsesPgBackRest(env.config)) {
    auto verified = backup::PgBackRestVerify(env.config);
    if (!verified.ok()) return verified.error();
    result.summary = "pgbackrest verify: " + *verified;
    return result;
  }
  auto backups = backup::List(env.config.backup.dir);
  if (!backups.ok()) return backups.error();
  if (backups->empty()) {
    return Error{ErrorCode::kUnprocessable,
                 "no backup to verify in " + env.config.backup.dir + " (run the backup job)",
                 {}};
  }
  const backup::BackupInfo& newest = backups->front();
  log("restore_drill_started", newest.manifest.id);
  auto verification = backup::Verify(BackupEnv(env), newest, log);
  if (!verification.ok()) return verification.error();
  if (!verification->ok) {
    return Error{ErrorCode::kUnprocessable,
                 "backup " + newest.manifest.id + " failed verification: " + verification->detail,
                 {}};
  }
  result.rows = static_cast<std::int64_t>(newest.manifest.tables.size());
  result.summary = "backup " + newest.manifest.id + " verified: " + verification->detail;
  return result;
}

}  // namespace analytics::jobs
