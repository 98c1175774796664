// Retention (backup.retention_days; docs/backup.md "Jobs, upload and
// retention"): which logical backups `backup prune` and the backup job
// remove, as a pure plan, and carrying it out.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "backup/backup.h"
#include "base/result.h"
#include "base/time.h"
#include "config/config.h"

namespace analytics::backup {

// A ".partial-*" folder under backup.dir: a backup being written, or left by
// one that was killed (or by a removal that was); or a ".scratch-*" folder
// of a verify or restore, live or killed.
struct PartialFolder {
  std::string path;
  std::string name;  // ".partial-…"
  Time modified;     // the newest mtime of the folder and its files
  std::uint64_t bytes = 0;
};

// A partial folder untouched this long belongs to no live `backup create`.
inline constexpr auto kStalePartialAge = std::chrono::hours(24);
// Prefix of a backup folder being removed (renamed first, so a removal cut
// short never leaves a backup that List shows but that lacks files). It
// starts with kPartialPrefix, so List never shows it.
inline constexpr std::string_view kRemovingPrefix = ".partial-removing-";
// Prefix of the folder a verify or restore works in (scratch.cc).
inline constexpr std::string_view kScratchPrefix = ".scratch-";

struct PruneEntry {
  std::string id;  // the backup's id, or the partial folder's name
  std::string path;
  Time at;  // the backup's start, or the partial folder's last change
  std::uint64_t bytes = 0;
  std::string reason;  // why it goes, or why it stays
};

struct PrunePlan {
  std::vector<PruneEntry> remove;
  std::vector<PruneEntry> keep;  // complete backups only
};

// What to remove from `backups` (List's, newest first) and `partials`:
// backups that started more than `retention_days` days before `now`, except
// the newest verified backup (verification ok) — and, when none is
// verified, the newest backup, so pruning never leaves nothing to restore;
// partial and scratch folders untouched for kStalePartialAge, and any
// removal left half-done (kRemovingPrefix). Pure.
PrunePlan PlanPrune(const std::vector<BackupInfo>& backups,
                    const std::vector<PartialFolder>& partials, Time now, int retention_days);

// The ".partial-*" and ".scratch-*" folders in `dir` (a missing dir has none). Errors:
// kUnavailable when `dir` cannot be read.
Result<std::vector<PartialFolder>> ListPartials(const std::string& dir);

struct PruneReport {
  PrunePlan plan;
  bool dry_run = false;
  std::vector<std::string> pgbackrest_expired;  // labels (backup.method pgbackrest)
  std::string pgbackrest_note;                  // e.g. why expire was not run
};

// Plans the prune of backup.dir as of `now` and, unless `dry_run`, removes
// what the plan says (a backup is first renamed to kRemovingPrefix + id, then
// deleted); with backup.method pgbackrest also runs PgBackRestExpire (not in
// a dry run). Errors: kUnavailable (backup.dir unreadable, a removal failed,
// pgbackrest failed) naming what.
Result<PruneReport> Prune(const config::Config& config, Time now, bool dry_run);

}  // namespace analytics::backup
