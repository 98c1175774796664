// Placeholder until the pgBackRest part of issue 14 lands: every call says so.
#include "backup/pgbackrest.h"

namespace analytics::backup {
namespace {

Error NotBuilt() { return Unavailable("pgbackrest support is not built yet"); }

}  // namespace

Result<std::vector<PgBackRestBackup>> PgBackRestList(const config::Config&) { return NotBuilt(); }
Result<PgBackRestBackup> PgBackRestCreate(const config::Config&, const std::string&) {
  return NotBuilt();
}
Result<std::string> PgBackRestVerify(const config::Config&) { return NotBuilt(); }
Result<std::string> PgBackRestRestore(const config::Config&, Time, bool) { return NotBuilt(); }
Result<std::vector<std::string>> PgBackRestExpire(const config::Config&) { return NotBuilt(); }
Result<std::vector<ArchiveCheck>> PgBackRestArchiveChecks(const config::Config&) {
  return NotBuilt();
}

}  // namespace analytics::backup
