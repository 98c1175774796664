// pgBackRest: list, create, verify and expire (restore: pgbackrest_restore.cc;
// doctor's archive checks: pgbackrest_archive.cc; running the binary:
// pgbackrest_run.cc).
#include "backup/pgbackrest.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>

#include "backup/pgbackrest_run.h"

namespace analytics::backup {
namespace {

using Json = nlohmann::json;

Error Unprocessable(std::string message) {
  return Error{ErrorCode::kUnprocessable, std::move(message), {}};
}

Time FromUnix(const Json& seconds) {
  return Time{std::chrono::seconds{seconds.is_number_integer() ? seconds.get<std::int64_t>() : 0}};
}

std::uint64_t Bytes(const Json& object, const char* key) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_number()) return 0;
  return object[key].get<std::uint64_t>();
}

PgBackRestBackup ParseBackup(const Json& b) {
  PgBackRestBackup backup;
  backup.label = b.value("label", "");
  backup.type = b.value("type", "");
  const Json& ts = b.contains("timestamp") ? b["timestamp"] : Json::object();
  backup.started_at = FromUnix(ts.value("start", Json(0)));
  backup.finished_at = FromUnix(ts.value("stop", Json(0)));
  const Json& info = b.contains("info") ? b["info"] : Json::object();
  backup.bytes = Bytes(info, "size");
  // What this backup itself added to the repository (a full's whole size).
  backup.repo_bytes = Bytes(info.contains("repository") ? info["repository"] : Json(), "delta");
  if (b.contains("prior") && b["prior"].is_string()) backup.prior = b["prior"].get<std::string>();
  return backup;
}

// The stanza's entry of `pgbackrest info --output=json`.
Result<std::vector<PgBackRestBackup>> ParseInfo(const std::string& text,
                                                const std::string& stanza) {
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_array()) return Unavailable("pgbackrest info: unreadable output (not a JSON array)");
  for (const Json& entry : doc) {
    if (!entry.is_object() || entry.value("name", "") != stanza) continue;
    const Json& status = entry.contains("status") ? entry["status"] : Json::object();
    const int code = status.value("code", 0);
    // 0 ok; 2 "no valid backups" is an empty list; the others (1 missing
    // stanza path, 3 missing stanza data, 4 mismatched versions…) mean the
    // stanza is not usable.
    if (code != 0 && code != 2) {
      return Unavailable("pgbackrest stanza '" + stanza + "': " + status.value("message", "error") +
                         " (run `pgbackrest --stanza=" + stanza + " stanza-create`)");
    }
    std::vector<PgBackRestBackup> backups;
    if (entry.contains("backup") && entry["backup"].is_array()) {
      for (const Json& b : entry["backup"]) backups.push_back(ParseBackup(b));
    }
    std::stable_sort(backups.begin(), backups.end(), [](const auto& a, const auto& b) {
      if (a.started_at != b.started_at) return a.started_at > b.started_at;
      return a.label > b.label;
    });
    return backups;
  }
  return Unavailable("pgbackrest info: no stanza '" + stanza + "' (backup.pgbackrest_stanza)");
}

// Options every backup passes so that pgBackRest's automatic expire after a
// backup removes nothing: retention is PgBackRestExpire's, from
// backup.retention_days (this also silences pgBackRest's warning that no
// retention is set).
std::vector<std::string> NoAutomaticExpire() {
  return {"--repo1-retention-full-type=count", "--repo1-retention-full=9999999"};
}

// "archiveId: 15-1, total WAL checked: 5, total valid WAL: 5": all valid?
bool ArchiveLineValid(const std::string& line) {
  auto number_after = [&line](std::string_view key) -> std::string {
    std::size_t at = line.find(key);
    if (at == std::string::npos) return "";
    at += key.size();
    return line.substr(at, line.find_first_not_of("0123456789", at) - at);
  };
  return number_after("total WAL checked: ") == number_after("total valid WAL: ");
}

}  // namespace

Result<std::vector<PgBackRestBackup>> PgBackRestList(const config::Config& config) {
  Result<std::string> out = pgbackrest::RunOk(config.backup, {"info", "--output=json"}, "info");
  if (!out.ok()) return out.error();
  return ParseInfo(*out, config.backup.pgbackrest_stanza);
}

Result<PgBackRestBackup> PgBackRestCreate(const config::Config& config, const std::string& type) {
  if (type != "full" && type != "diff" && type != "incr") {
    return InvalidArgument("--type", "expected full, diff or incr, got '" + type + "'");
  }
  Result<std::vector<PgBackRestBackup>> before = PgBackRestList(config);
  if (!before.ok()) return before.error();
  std::vector<std::string> args{"backup", "--type=" + type};
  for (std::string& option : NoAutomaticExpire()) args.push_back(std::move(option));
  Result<std::string> ran = pgbackrest::RunOk(config.backup, args, "backup --type=" + type);
  if (!ran.ok()) return ran.error();
  Result<std::vector<PgBackRestBackup>> after = PgBackRestList(config);
  if (!after.ok()) return after.error();
  std::set<std::string> known;
  for (const PgBackRestBackup& b : *before) known.insert(b.label);
  // Newest first: the first label not there before is the one just made (a
  // diff or incr without any full is made as a full by pgBackRest).
  for (const PgBackRestBackup& b : *after) {
    if (!known.contains(b.label)) return b;
  }
  return Internal("pgbackrest backup succeeded but no new backup is listed");
}

Result<std::string> PgBackRestVerify(const config::Config& config) {
  // pgBackRest 2.45's verify exits 0 even when it finds invalid files (it
  // only reports them), so the verdict is read from its text output:
  // "status: ok" or "status: error" and, per backup and WAL archive, the
  // counts of missing and invalid files.
  Result<std::string> out =
      pgbackrest::RunOk(config.backup, {"verify", "--output=text", "--verbose"}, "verify");
  if (!out.ok()) return out.error();
  std::vector<std::string> bad;
  int backups = 0;
  bool status_ok = false;
  std::size_t at = 0;
  while (at < out->size()) {
    std::size_t nl = out->find('\n', at);
    if (nl == std::string::npos) nl = out->size();
    std::string line = out->substr(at, nl - at);
    at = nl + 1;
    line.erase(0, line.find_first_not_of(' '));
    if (line == "status: ok") status_ok = true;
    if (line.starts_with("backup: ")) {
      ++backups;
      if (line.find("status: valid") == std::string::npos) bad.push_back(line);
    }
    if (line.starts_with("archiveId: ") && !ArchiveLineValid(line)) bad.push_back(line);
  }
  if (!status_ok) {
    std::string what = bad.empty() ? "status is not ok" : bad.front();
    if (bad.size() > 1) what += " (and " + std::to_string(bad.size() - 1) + " more)";
    return Unprocessable("pgbackrest verify found errors: " + pgbackrest::Scrub(what));
  }
  return "pgbackrest verify: " + std::to_string(backups) +
         " backup(s) and the archived WAL are valid";
}

int PgBackRestFullsToKeep(const std::vector<PgBackRestBackup>& backups, Time now,
                          int retention_days) {
  const Time cutoff = now - std::chrono::days{retention_days};
  int fulls = 0;
  int recent = 0;
  for (const PgBackRestBackup& b : backups) {
    if (b.type != "full") continue;
    ++fulls;
    if (b.finished_at >= cutoff) ++recent;
  }
  // The recent ones, and the newest older one that covers the window's start.
  return std::min(fulls, recent + 1);
}

Result<std::vector<std::string>> PgBackRestExpire(const config::Config& config) {
  return PgBackRestExpire(config, SystemClock());
}

Result<std::vector<std::string>> PgBackRestExpire(const config::Config& config,
                                                  const Clock& clock) {
  Result<std::vector<PgBackRestBackup>> before = PgBackRestList(config);
  if (!before.ok()) return before.error();
  const int keep = PgBackRestFullsToKeep(*before, clock.Now(), config.backup.retention_days);
  if (keep == 0) return std::vector<std::string>{};
  // Count retention keeps exactly the newest `keep` fulls with everything
  // that depends on them, expires the older ones with theirs, and the WAL
  // that only they needed.
  Result<std::string> ran = pgbackrest::RunOk(config.backup,
                                              {"expire", "--repo1-retention-full-type=count",
                                               "--repo1-retention-full=" + std::to_string(keep)},
                                              "expire");
  if (!ran.ok()) return ran.error();
  Result<std::vector<PgBackRestBackup>> after = PgBackRestList(config);
  if (!after.ok()) return after.error();
  std::set<std::string> kept;
  for (const PgBackRestBackup& b : *after) kept.insert(b.label);
  std::vector<std::string> removed;
  for (const PgBackRestBackup& b : *before) {
    if (!kept.contains(b.label)) removed.push_back(b.label);
  }
  return removed;
}

}  // namespace analytics::backup
