// List and Find: complete backups (a folder with a readable manifest), and
// their last verification (verified.json).
#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "backup/backup.h"
#include "backup/files.h"

namespace analytics::backup {
namespace {

namespace fs = std::filesystem;

std::optional<Verification> ReadVerification(const fs::path& folder) {
  auto text = ReadSmallFile((folder / "verified.json").string());
  if (!text.ok()) return std::nullopt;
  auto json = nlohmann::json::parse(*text, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("at") || !json["at"].is_string() ||
      !json.contains("ok") || !json["ok"].is_boolean()) {
    return std::nullopt;
  }
  std::optional<Time> at = ParseTime(json["at"].get<std::string>());
  if (!at) return std::nullopt;
  Verification v;
  v.at = *at;
  v.ok = json["ok"].get<bool>();
  if (json.contains("detail") && json["detail"].is_string()) v.detail = json["detail"];
  return v;
}

// The backup in `folder`, or nullopt when it has no readable manifest.
std::optional<BackupInfo> Load(const fs::path& folder) {
  auto text = ReadSmallFile((folder / kManifestName).string());
  if (!text.ok()) return std::nullopt;
  auto manifest = ParseManifest(*text);
  if (!manifest.ok()) return std::nullopt;
  BackupInfo info;
  info.path = folder.string();
  info.manifest = std::move(*manifest);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    std::error_code size_ec;
    if (entry.is_regular_file(size_ec)) info.bytes += entry.file_size(size_ec);
  }
  info.verification = ReadVerification(folder);
  return info;
}

}  // namespace

std::string DataFileName(std::string_view source) {
  return source == "postgresql" ? "database.pgdump.zst" : "database.sqlite.zst";
}

Result<std::vector<BackupInfo>> List(const std::string& dir) {
  std::vector<BackupInfo> out;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  fs::directory_iterator it(dir, ec);
  if (ec) return Unavailable("cannot read backup.dir " + dir + ": " + ec.message());
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    std::error_code dir_ec;
    if (name.empty() || name[0] == '.' || !entry.is_directory(dir_ec)) continue;
    std::optional<BackupInfo> info = Load(entry.path());
    if (info) out.push_back(std::move(*info));
  }
  std::sort(out.begin(), out.end(), [](const BackupInfo& a, const BackupInfo& b) {
    if (a.manifest.started_at != b.manifest.started_at) {
      return a.manifest.started_at > b.manifest.started_at;
    }
    return a.manifest.id > b.manifest.id;
  });
  return out;
}

Result<BackupInfo> Find(const std::string& dir, const std::string& ref) {
  if (!ref.empty()) {
    std::vector<fs::path> candidates;
    fs::path path(ref);
    if (path.filename() == kManifestName) candidates.push_back(path.parent_path());
    candidates.push_back(path);
    if (ref.find('/') == std::string::npos && ref[0] != '.')
      candidates.push_back(fs::path(dir) / ref);
    for (const fs::path& folder : candidates) {
      std::error_code ec;
      if (folder.filename().string().rfind(kPartialPrefix, 0) == 0) continue;
      if (!fs::is_directory(folder, ec)) continue;
      std::optional<BackupInfo> info = Load(folder);
      if (info) return std::move(*info);
    }
  }
  return NotFound("no backup '" + ref +
                  "' (an id from `analytics backup list`, or a backup folder)");
}

}  // namespace analytics::backup
