#include "backup/retention.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <system_error>

namespace analytics::backup {
namespace fs = std::filesystem;

namespace {

PruneEntry EntryOf(const BackupInfo& info, std::string reason) {
  PruneEntry entry;
  entry.id = info.manifest.id;
  entry.path = info.path;
  entry.at = info.manifest.started_at;
  entry.bytes = info.bytes;
  entry.reason = std::move(reason);
  return entry;
}

bool Verified(const BackupInfo& info) {
  return info.verification.has_value() && info.verification->ok;
}

// The backup that is never removed: the newest verified one, or the newest
// of all when none is verified (an unverified backup beats none).
std::optional<std::string> Protected(const std::vector<BackupInfo>& backups) {
  const BackupInfo* newest = nullptr;
  const BackupInfo* newest_verified = nullptr;
  for (const BackupInfo& info : backups) {
    if (newest == nullptr || info.manifest.started_at > newest->manifest.started_at) {
      newest = &info;
    }
    if (Verified(info) && (newest_verified == nullptr ||
                           info.manifest.started_at > newest_verified->manifest.started_at)) {
      newest_verified = &info;
    }
  }
  if (newest_verified != nullptr) return newest_verified->manifest.id;
  if (newest != nullptr) return newest->manifest.id;
  return std::nullopt;
}

Time NewestChange(const fs::path& folder, std::uint64_t& bytes) {
  std::error_code ec;
  auto to_time = [](fs::file_time_type t) {
    auto system = std::chrono::file_clock::to_sys(t);
    return Time{std::chrono::duration_cast<std::chrono::microseconds>(system.time_since_epoch())};
  };
  Time newest = to_time(fs::last_write_time(folder, ec));
  for (fs::recursive_directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code entry_ec;
    auto written = it->last_write_time(entry_ec);
    if (!entry_ec) newest = std::max(newest, to_time(written));
    if (it->is_regular_file(entry_ec)) bytes += it->file_size(entry_ec);
  }
  return newest;
}

}  // namespace

PrunePlan PlanPrune(const std::vector<BackupInfo>& backups,
                    const std::vector<PartialFolder>& partials, Time now, int retention_days) {
  PrunePlan plan;
  const auto retention = std::chrono::days(retention_days);
  const std::optional<std::string> kept = Protected(backups);
  const std::string days = std::to_string(retention_days);
  for (const BackupInfo& info : backups) {
    const bool expired = now - info.manifest.started_at > retention;
    if (!expired) {
      plan.keep.push_back(EntryOf(info, "within " + days + " days"));
    } else if (kept && *kept == info.manifest.id) {
      plan.keep.push_back(EntryOf(info, Verified(info) ? "the newest verified backup"
                                                       : "the newest backup (none is verified)"));
    } else {
      plan.remove.push_back(EntryOf(info, "older than " + days + " days"));
    }
  }
  for (const PartialFolder& partial : partials) {
    PruneEntry entry;
    entry.id = partial.name;
    entry.path = partial.path;
    entry.at = partial.modified;
    entry.bytes = partial.bytes;
    if (partial.name.starts_with(kRemovingPrefix)) {
      entry.reason = "a removal cut short";
    } else if (now - partial.modified > kStalePartialAge) {
      entry.reason = partial.name.starts_with(kScratchPrefix)
                         ? "a verify or restore's scratch folder, untouched for over a day"
                         : "an unfinished backup, untouched for over a day";
    } else {
      continue;  // perhaps a backup being written now
    }
    plan.remove.push_back(std::move(entry));
  }
  return plan;
}

Result<std::vector<PartialFolder>> ListPartials(const std::string& dir) {
  std::vector<PartialFolder> out;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code type_ec;
    const bool leftover = name.starts_with(kPartialPrefix) || name.starts_with(kScratchPrefix);
    if (!leftover || !it->is_directory(type_ec)) continue;
    PartialFolder partial;
    partial.path = it->path().string();
    partial.name = name;
    partial.modified = NewestChange(it->path(), partial.bytes);
    out.push_back(std::move(partial));
  }
  if (ec) return Unavailable("cannot read " + dir + ": " + ec.message());
  return out;
}

}  // namespace analytics::backup
