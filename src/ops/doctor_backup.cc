// Doctor's backup rows: with backup.method pgbackrest, one row per archive
// check (archive_mode, archive_command, wal_archiving; docs/backup.md), since
// without working WAL archiving there is no point-in-time restore and no
// consistent pgBackRest backup.
#include "backup/pgbackrest.h"
#include "ops/doctor.h"

namespace analytics::ops {

std::vector<Check> CheckPgBackRest(const config::Config& config) {
  if (config.backup.method != "pgbackrest") return {};
  Result<std::vector<backup::ArchiveCheck>> found = backup::PgBackRestArchiveChecks(config);
  if (!found.ok()) {
    return {Check{"pgbackrest:archiving", CheckStatus::kFail, "unknown",
                  "archive_mode on, archive_command runs pgbackrest archive-push",
                  found.error().message}};
  }
  std::vector<Check> checks;
  for (const backup::ArchiveCheck& c : *found) {
    std::string note;
    if (!c.ok)
      note = c.name + " is " + (c.value.empty() ? "(empty)" : c.value) + ": want " + c.want;
    checks.push_back(Check{"pgbackrest:" + c.name, c.ok ? CheckStatus::kOk : CheckStatus::kFail,
                           c.value, c.want, note});
  }
  return checks;
}

}  // namespace analytics::ops
