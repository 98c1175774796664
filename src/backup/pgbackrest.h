// pgBackRest (backup.method pgbackrest; docs/backup.md): full, differential
// and incremental physical backups of the PostgreSQL cluster with WAL
// archiving, and point-in-time restore. Runs the `pgbackrest` binary with
// backup.pgbackrest_stanza and backup.pgbackrest_config.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/time.h"
#include "config/config.h"

namespace analytics::backup {

// One backup in the pgBackRest repository (`pgbackrest info --output=json`).
struct PgBackRestBackup {
  std::string label;  // "20261205-030000F", "…_20261205-090000I"
  std::string type;   // "full", "diff", "incr"
  Time started_at;
  Time finished_at;
  std::uint64_t bytes = 0;       // database size
  std::uint64_t repo_bytes = 0;  // stored in the repository
  std::string prior;             // the label this one depends on ("" for a full)
};

// Newest first. Errors: kUnavailable when pgbackrest cannot be run or fails.
Result<std::vector<PgBackRestBackup>> PgBackRestList(const config::Config& config);
// The backups of `stanza` in the text of `pgbackrest info --output=json`,
// newest first (PgBackRestList's parser). Errors: kUnavailable naming what is
// unreadable or of an unexpected type; never throws.
Result<std::vector<PgBackRestBackup>> PgBackRestParseInfo(const std::string& text,
                                                          const std::string& stanza);
// `type`: "full", "diff" or "incr" (kInvalidArgument naming "--type" otherwise).
// Returns the backup made.
Result<PgBackRestBackup> PgBackRestCreate(const config::Config& config, const std::string& type);
// `pgbackrest verify` over the repository (backup files and archived WAL):
// ok with a one-line summary, or kUnprocessable naming what failed.
Result<std::string> PgBackRestVerify(const config::Config& config);
// Point-in-time restore of the whole cluster to `target` (WAL replayed up to
// it, then promoted). The cluster must be stopped: kConflict when
// the database still answers. Returns what the operator does next (start
// PostgreSQL). `dry_run`: only checks and says what would be done.
Result<std::string> PgBackRestRestore(const config::Config& config, Time target, bool dry_run);
// Expires backups past backup.retention_days (pgbackrest expire), never the
// newest full nor one a kept backup depends on. Returns the labels removed.
Result<std::vector<std::string>> PgBackRestExpire(const config::Config& config);
// The same with "now" from `clock` (tests).
Result<std::vector<std::string>> PgBackRestExpire(const config::Config& config, const Clock& clock);
// How many full backups (the newest ones) retention keeps at `now`: every
// full finished within `retention_days`, plus the newest one finished before
// that window (it and its WAL are what a restore to the window's first
// moment needs), and never fewer than one while there is a full. A kept full
// keeps its differentials and incrementals.
int PgBackRestFullsToKeep(const std::vector<PgBackRestBackup>& backups, Time now,
                          int retention_days);

// What doctor checks when backup.method is pgbackrest: archive_mode,
// archive_command (names pgbackrest and the stanza), and pg_stat_archiver
// (no failure since the last archived WAL).
struct ArchiveCheck {
  std::string name;  // "archive_mode", "archive_command", "wal_archiving"
  bool ok = false;
  std::string value;  // what was found
  std::string want;   // what is needed
};
Result<std::vector<ArchiveCheck>> PgBackRestArchiveChecks(const config::Config& config);
// Whether `archive_command` runs pgbackrest archive-push %p for `stanza`
// (`--stanza=S` or `--stanza S` as a whole word: "analytics2" is not
// "analytics") and, when `config_path` is not empty, with that --config.
bool ArchiveCommandMatches(const std::string& archive_command, const std::string& stanza,
                           const std::string& config_path);

}  // namespace analytics::backup
