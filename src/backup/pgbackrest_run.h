// Running the `pgbackrest` binary (internal to src/backup/pgbackrest*.cc).
//
// Who runs it: pgBackRest must run as the PostgreSQL cluster owner. The server
// itself runs `pgbackrest archive-push` from archive_command as that user, and
// every command writes repository files (mode 0640, owned by whoever ran it);
// a backup run as root leaves root-owned files that archive-push can no longer
// write beside (checked with 2.45: archiving then fails with error 103 and
// pg_stat_archiver counts failures). So when analytics runs as root (a CLI run
// by an operator, our tests), the child switches to the user `postgres` (the
// cluster owner of Debian's packages; PostgreSQL refuses to run as root)
// before exec; otherwise it runs as the current user, which must then be the
// cluster owner (docs/backup.md).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "config/config.h"
#include "storage/database.h"

namespace analytics::backup::pgbackrest {

// The user pgBackRest runs as when analytics runs as root.
inline constexpr const char* kClusterOwner = "postgres";

struct Output {
  int exit_code = 0;       // pgBackRest's exit code is its error number (38: PostgreSQL runs)
  std::string out;         // stdout
  std::string error_line;  // the first "ERROR: …" line of stderr, else its last line
};

// Runs `pgbackrest [--config=<backup.pgbackrest_config>]
// --stanza=<backup.pgbackrest_stanza> <args…>` with an argv (no shell), stdin
// /dev/null, without the service's secrets in its environment, and waits for
// it. Errors: kUnavailable when it cannot be started (not installed, no
// `postgres` user as root). A non-zero exit is an Output, not an error.
Result<Output> Run(const config::BackupOptions& options, const std::vector<std::string>& args);

// Run, and the stdout of an exit 0; else kUnavailable
// "pgbackrest <what> failed (exit N): <error line>".
Result<std::string> RunOk(const config::BackupOptions& options,
                          const std::vector<std::string>& args, const std::string& what);

// `line` with anything like a password ("password=…", "user:pass@") cut out,
// and at most 300 bytes.
std::string Scrub(std::string line);

// One connection to the configured PostgreSQL (the archiver's state, "is
// it still running?"). Errors: kInvalidArgument naming backup.method when
// database.url is not PostgreSQL; the open's own errors.
Result<std::unique_ptr<storage::Database>> OpenOneConnection(const config::Config& config);

}  // namespace analytics::backup::pgbackrest
