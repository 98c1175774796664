// Prune: carries out PlanPrune on backup.dir, and pgbackrest expire. Apart
// from retention.cc so that the pure plan links without List.
#include <filesystem>
#include <system_error>

#include "backup/pgbackrest.h"
#include "backup/retention.h"

namespace analytics::backup {
namespace fs = std::filesystem;
namespace {

Result<void> RemoveFolder(const std::string& path, const std::string& removing_path) {
  std::error_code ec;
  if (!removing_path.empty()) {
    fs::rename(path, removing_path, ec);
    if (ec) return Unavailable("cannot rename " + path + " for removal: " + ec.message());
  }
  const std::string& target = removing_path.empty() ? path : removing_path;
  fs::remove_all(target, ec);
  if (ec) return Unavailable("cannot remove " + target + ": " + ec.message());
  return Ok();
}

}  // namespace

Result<PruneReport> Prune(const config::Config& config, Time now, bool dry_run) {
  const std::string& dir = config.backup.dir;
  auto backups = List(dir);
  if (!backups.ok()) return backups.error();
  auto partials = ListPartials(dir);
  if (!partials.ok()) return partials.error();
  PruneReport report;
  report.dry_run = dry_run;
  report.plan = PlanPrune(*backups, *partials, now, config.backup.retention_days);
  if (!dry_run) {
    for (const PruneEntry& entry : report.plan.remove) {
      // Partial and scratch folders are named by their folder (".…"),
      // complete backups by their id.
      const bool complete = !entry.id.starts_with(".");
      const std::string removing =
          complete ? (fs::path(dir) / (std::string(kRemovingPrefix) + entry.id)).string() : "";
      ANALYTICS_RETURN_IF_ERROR(RemoveFolder(entry.path, removing));
    }
  }
  if (config.backup.method == "pgbackrest") {
    if (dry_run) {
      report.pgbackrest_note = "pgbackrest expire is not run in a dry run";
    } else {
      auto expired = PgBackRestExpire(config);
      if (!expired.ok()) return expired.error();
      report.pgbackrest_expired = *expired;
    }
  }
  return report;
}

}  // namespace analytics::backup
