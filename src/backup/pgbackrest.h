// pgBackRest (backup.method pgbackrest; docs/backup.md): full, differential
// and incremental physical backups of the PostgreSQL cluster with WAL
// archiving, and point-in-time restore. Runs the `pgbackrest` binary with
// backup.pgbackrest_stanza and backup.pgbackrest_config.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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
// `type`: "full", "diff" or "incr" (kInvalidArgument naming "--type" otherwise).
Result<PgBackRestBackup> PgBackRestCreate(const config::Config& config, const std::string& type);

}  // namespace analytics::backup
