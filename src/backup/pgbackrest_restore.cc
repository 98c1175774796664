// Point-in-time restore of the whole cluster with pgBackRest.
//
// The order of the checks is the order of what could go wrong: a running
// PostgreSQL (we must never write under a live server: kConflict, and
// pgBackRest also refuses with its error 38 while postmaster.pid is there),
// a target in the future or before every backup (kInvalidArgument /
// kUnprocessable, nothing touched), then the restore itself. `--delta`
// rewrites only the files that differ from the chosen backup; the cluster
// then replays archived WAL (restore_command = pgbackrest archive-get, which
// pgBackRest writes into postgresql.auto.conf) up to the target and promotes.
#include <chrono>

#include "backup/pgbackrest.h"
#include "backup/pgbackrest_run.h"

namespace analytics::backup {
namespace {

constexpr int kPgRunningError = 38;  // pgBackRest: "unable to restore while PostgreSQL is running"

Error Unprocessable(std::string message) {
  return Error{ErrorCode::kUnprocessable, std::move(message), {}};
}

// "2026-12-04 10:15:00.000000+00": recovery_target_time as PostgreSQL reads it.
std::string TargetText(Time target) {
  std::string text = FormatStorageTime(target);  // 2026-12-04T10:15:00.000000Z
  text[10] = ' ';
  text.pop_back();
  return text + "+00";
}

// kConflict while the configured database still answers.
Result<void> RequireStopped(const config::Config& config) {
  Result<std::unique_ptr<storage::Database>> db = pgbackrest::OpenOneConnection(config);
  if (!db.ok() && db.error().code == ErrorCode::kInvalidArgument) return db.error();
  if (db.ok() && (*db)->Ping().ok()) {
    return Conflict("PostgreSQL (" + (*db)->description() +
                    ") still answers: stop it before a point-in-time restore (the whole cluster "
                    "is replaced)");
  }
  if (!db.ok() && db.error().code != ErrorCode::kUnavailable) return db.error();
  return Ok();
}

// The newest backup finished at or before `target`: the one whose WAL replay
// reaches it soonest.
Result<PgBackRestBackup> BackupBefore(const std::vector<PgBackRestBackup>& backups, Time target) {
  for (const PgBackRestBackup& b : backups) {  // newest first
    if (b.finished_at <= target) return b;
  }
  if (backups.empty()) return Unprocessable("no pgBackRest backup to restore from");
  return Unprocessable("no pgBackRest backup finished before " + FormatTime(target) +
                       "; the oldest finished at " + FormatTime(backups.back().finished_at));
}

}  // namespace

Result<std::string> PgBackRestRestore(const config::Config& config, Time target, bool dry_run) {
  const Time now = SystemClock().Now();
  if (target > now) {
    return InvalidArgument("--to",
                           FormatTime(target) + " is in the future (now " + FormatTime(now) + ")");
  }
  Result<void> stopped = RequireStopped(config);
  if (!stopped.ok()) return stopped.error();
  Result<std::vector<PgBackRestBackup>> backups = PgBackRestList(config);
  if (!backups.ok()) return backups.error();
  Result<PgBackRestBackup> from = BackupBefore(*backups, target);
  if (!from.ok()) return from.error();

  // --set: the backup chosen above. --target-timeline=latest: follow the
  // newest timeline in the archive (after an earlier restore, the history
  // the database actually lived), whatever the PostgreSQL version's default.
  const std::vector<std::string> args{"restore",
                                      "--delta",
                                      "--set=" + from->label,
                                      "--type=time",
                                      "--target=" + TargetText(target),
                                      "--target-action=promote",
                                      "--target-timeline=latest"};
  std::string command = "pgbackrest --stanza=" + config.backup.pgbackrest_stanza;
  for (const std::string& a : args) command += " " + a;
  if (dry_run) {
    return "dry run: would restore backup " + from->label + " and replay WAL to " +
           FormatTime(target) + " (" + command + "); nothing changed";
  }
  Result<pgbackrest::Output> ran = pgbackrest::Run(config.backup, args);
  if (!ran.ok()) return ran.error();
  if (ran->exit_code == kPgRunningError) {
    return Conflict("pgbackrest refuses to restore while PostgreSQL is running: " +
                    ran->error_line);
  }
  if (ran->exit_code != 0) {
    return Unavailable("pgbackrest restore failed (exit " + std::to_string(ran->exit_code) +
                       "): " + ran->error_line);
  }
  return "restored backup " + from->label + "; next: start PostgreSQL: it replays the archived " +
         "WAL up to " + FormatTime(target) + ", then promotes to a new timeline and accepts writes";
}

}  // namespace analytics::backup
