// pgBackRest: list, create, verify and expire (restore: pgbackrest_restore.cc;
// doctor's archive checks: pgbackrest_archive.cc; running the binary:
// pgbackrest_run.cc).
#include "backup/pgbackrest.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>

#include "backup/pgbackrest_run.h"

// `lhs = *expr`, or return expr's error.
#define PGBR_CONCAT_(a, b) a##b
#define PGBR_CONCAT(a, b) PGBR_CONCAT_(a, b)
#define PGBR_ASSIGN_(tmp, lhs, expr) \
  auto tmp = (expr);                 \
  if (!tmp.ok()) return tmp.error(); \
  lhs = std::move(*tmp)
#define PGBR_ASSIGN(lhs, expr) PGBR_ASSIGN_(PGBR_CONCAT(pgbr_result_, __COUNTER__), lhs, expr)

namespace analytics::backup {
namespace {

using Json = nlohmann::json;

Error Unprocessable(std::string message) {
  return Error{ErrorCode::kUnprocessable, std::move(message), {}};
}

// `pgbackrest info` output of an unexpected shape (another pgBackRest
// version, a truncated answer): an error naming what, never an exception.
Error Unexpected(const std::string& what) {
  return Unavailable("pgbackrest info: unexpected output: " + what);
}

// The member `key` of `object` when it is there (and not null), else null.
const Json* Member(const Json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

// An optional string member; kUnavailable when it is there but not a string.
Result<std::string> StringMember(const Json& object, const char* key, const std::string& where) {
  const Json* value = Member(object, key);
  if (value == nullptr) return std::string();
  if (!value->is_string()) return Unexpected(where + "." + key + " is not a string");
  return value->get<std::string>();
}

// An optional non-negative integer member (0 when absent).
Result<std::int64_t> IntegerMember(const Json& object, const char* key, const std::string& where) {
  const Json* value = Member(object, key);
  if (value == nullptr) return std::int64_t{0};
  if (!value->is_number_integer() || value->get<std::int64_t>() < 0) {
    return Unexpected(where + "." + key + " is not a non-negative integer");
  }
  return value->get<std::int64_t>();
}

// An optional member that must be an object when present (else an empty one).
Result<const Json*> ObjectMember(const Json& object, const char* key, const std::string& where) {
  static const Json kEmpty = Json::object();
  const Json* value = Member(object, key);
  if (value == nullptr) return &kEmpty;
  if (!value->is_object()) return Unexpected(where + "." + key + " is not an object");
  return value;
}

Result<PgBackRestBackup> ParseBackup(const Json& b, const std::string& where) {
  if (!b.is_object()) return Unexpected(where + " is not an object");
  PgBackRestBackup backup;
  PGBR_ASSIGN(backup.label, StringMember(b, "label", where));
  PGBR_ASSIGN(backup.type, StringMember(b, "type", where));
  PGBR_ASSIGN(const Json* ts, ObjectMember(b, "timestamp", where));
  PGBR_ASSIGN(std::int64_t start, IntegerMember(*ts, "start", where + ".timestamp"));
  PGBR_ASSIGN(std::int64_t stop, IntegerMember(*ts, "stop", where + ".timestamp"));
  backup.started_at = Time{std::chrono::seconds{start}};
  backup.finished_at = Time{std::chrono::seconds{stop}};
  PGBR_ASSIGN(const Json* info, ObjectMember(b, "info", where));
  PGBR_ASSIGN(std::int64_t size, IntegerMember(*info, "size", where + ".info"));
  backup.bytes = std::uint64_t(size);
  // What this backup itself added to the repository (a full's whole size).
  PGBR_ASSIGN(const Json* repo, ObjectMember(*info, "repository", where + ".info"));
  PGBR_ASSIGN(std::int64_t delta, IntegerMember(*repo, "delta", where + ".info.repository"));
  backup.repo_bytes = std::uint64_t(delta);
  PGBR_ASSIGN(backup.prior, StringMember(b, "prior", where));
  return backup;
}

// The stanza's backups from its entry of the info output.
Result<std::vector<PgBackRestBackup>> ParseStanza(const Json& entry, const std::string& stanza) {
  const std::string where = "stanza '" + stanza + "'";
  PGBR_ASSIGN(const Json* status, ObjectMember(entry, "status", where));
  PGBR_ASSIGN(std::int64_t code, IntegerMember(*status, "code", where + ".status"));
  // 0 ok; 2 "no valid backups" is an empty list; the others (1 missing
  // stanza path, 3 missing stanza data, 4 mismatched versions…) mean the
  // stanza is not usable.
  if (code != 0 && code != 2) {
    PGBR_ASSIGN(std::string message, StringMember(*status, "message", where + ".status"));
    return Unavailable("pgbackrest stanza '" + stanza +
                       "': " + (message.empty() ? "error" : message) +
                       " (run `pgbackrest --stanza=" + stanza + " stanza-create`)");
  }
  std::vector<PgBackRestBackup> backups;
  const Json* list = Member(entry, "backup");
  if (list != nullptr && !list->is_array()) return Unexpected(where + ".backup is not an array");
  for (std::size_t i = 0; list != nullptr && i < list->size(); ++i) {
    PGBR_ASSIGN(PgBackRestBackup b,
                ParseBackup((*list)[i], where + ".backup[" + std::to_string(i) + "]"));
    backups.push_back(std::move(b));
  }
  std::stable_sort(backups.begin(), backups.end(), [](const auto& a, const auto& b) {
    if (a.started_at != b.started_at) return a.started_at > b.started_at;
    return a.label > b.label;
  });
  return backups;
}

Result<std::vector<PgBackRestBackup>> ParseInfo(const std::string& text,
                                                const std::string& stanza) {
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_array()) return Unavailable("pgbackrest info: unreadable output (not a JSON array)");
  for (const Json& entry : doc) {
    if (!entry.is_object()) return Unexpected("an entry is not an object");
    PGBR_ASSIGN(std::string name, StringMember(entry, "name", "an entry"));
    if (name == stanza) return ParseStanza(entry, stanza);
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

Result<std::vector<PgBackRestBackup>> PgBackRestParseInfo(const std::string& text,
                                                          const std::string& stanza) {
  // The parse checks every type it reads; this is the last line of defence
  // against an exception from a shape it did not foresee.
  try {
    return ParseInfo(text, stanza);
  } catch (const std::exception& e) {
    return Unexpected(e.what());
  }
}

Result<std::vector<PgBackRestBackup>> PgBackRestList(const config::Config& config) {
  Result<std::string> out = pgbackrest::RunOk(config.backup, {"info", "--output=json"}, "info");
  if (!out.ok()) return out.error();
  return PgBackRestParseInfo(*out, config.backup.pgbackrest_stanza);
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
