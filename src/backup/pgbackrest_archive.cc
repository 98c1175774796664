// What doctor checks when backup.method is pgbackrest: that PostgreSQL
// archives its WAL into the pgBackRest stanza, and that archiving works.
// Without it, incremental backups cannot be made consistent and no
// point-in-time restore can reach past the last backup.
#include <algorithm>
#include <filesystem>
#include <optional>

#include "backup/pgbackrest.h"
#include "backup/pgbackrest_run.h"
#include "storage/database.h"

namespace analytics::backup {
namespace {

struct ArchiverState {
  std::string archive_mode;
  std::string archive_command;
  std::int64_t archived = 0;
  std::string last_archived_wal;
  std::string last_archived_time;  // "" when never
  std::int64_t failed = 0;
  std::string last_failed_wal;
  std::string last_failed_time;
  bool failure_is_newer = false;  // last_failed_time > last_archived_time (or never archived)
};

Result<ArchiverState> ReadArchiver(storage::Database& db) {
  return storage::ReadValue(db, [](storage::Transaction& tx) -> Result<ArchiverState> {
    auto rows = tx.Query(
        "SELECT current_setting('archive_mode'), current_setting('archive_command'), "
        "archived_count, COALESCE(last_archived_wal, ''), "
        "COALESCE(to_char(last_archived_time AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''), "
        "failed_count, COALESCE(last_failed_wal, ''), "
        "COALESCE(to_char(last_failed_time AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''), "
        "(last_failed_time IS NOT NULL AND (last_archived_time IS NULL OR "
        "last_failed_time > last_archived_time)) "
        "FROM pg_stat_archiver");
    if (!rows.ok()) return rows.error();
    if (rows->empty()) return Internal("no answer from pg_stat_archiver");
    const storage::Row& r = (*rows)[0];
    ArchiverState s;
    s.archive_mode = r.Text(0);
    s.archive_command = r.Text(1);
    s.archived = r.Int(2);
    s.last_archived_wal = r.Text(3);
    s.last_archived_time = r.Text(4);
    s.failed = r.Int(5);
    s.last_failed_wal = r.Text(6);
    s.last_failed_time = r.Text(7);
    s.failure_is_newer = r.Bool(8);
    return s;
  });
}

ArchiveCheck ModeCheck(const ArchiverState& s) {
  ArchiveCheck check;
  check.name = "archive_mode";
  check.value = s.archive_mode;
  check.want = "on (postgresql.conf; needs a restart)";
  check.ok = s.archive_mode == "on" || s.archive_mode == "always";
  return check;
}

// archive_command split at white space, each word without its quotes.
std::vector<std::string> Words(const std::string& command) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (char c : command) {
    if (quote != 0) {
      if (c == quote)
        quote = 0;
      else
        word += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

// The value of option `name` ("--stanza") in `words`: "--stanza=x" or
// "--stanza x"; nullopt when absent.
std::optional<std::string> OptionValue(const std::vector<std::string>& words,
                                       const std::string& name) {
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (words[i].starts_with(name + "=")) return words[i].substr(name.size() + 1);
    if (words[i] == name && i + 1 < words.size()) return words[i + 1];
  }
  return std::nullopt;
}

ArchiveCheck CommandCheck(const ArchiverState& s, const config::BackupOptions& options) {
  ArchiveCheck check;
  check.name = "archive_command";
  check.value = s.archive_command.empty() ? "(empty)" : s.archive_command;
  std::string want = "pgbackrest";
  if (!options.pgbackrest_config.empty()) want += " --config=" + options.pgbackrest_config;
  want += " --stanza=" + options.pgbackrest_stanza + " archive-push %p";
  check.want = want;
  check.ok = ArchiveCommandMatches(s.archive_command, options.pgbackrest_stanza,
                                   options.pgbackrest_config);
  return check;
}

ArchiveCheck ArchivingCheck(const ArchiverState& s) {
  ArchiveCheck check;
  check.name = "wal_archiving";
  check.want = "no failure since the last archived WAL (pg_stat_archiver)";
  std::string value = std::to_string(s.archived) + " archived";
  if (!s.last_archived_wal.empty()) {
    value += " (last " + s.last_archived_wal + " at " + s.last_archived_time + ")";
  }
  value += ", " + std::to_string(s.failed) + " failed";
  if (!s.last_failed_wal.empty()) {
    value += " (last " + s.last_failed_wal + " at " + s.last_failed_time + ")";
  }
  check.value = value;
  check.ok = !s.failure_is_newer;
  return check;
}

}  // namespace

bool ArchiveCommandMatches(const std::string& archive_command, const std::string& stanza,
                           const std::string& config_path) {
  const std::vector<std::string> words = Words(archive_command);
  auto has = [&words](const std::string& w) {
    return std::find(words.begin(), words.end(), w) != words.end();
  };
  bool runs_pgbackrest = false;
  for (const std::string& w : words) {
    runs_pgbackrest |= w == "pgbackrest" || w.ends_with("/pgbackrest");
  }
  if (!runs_pgbackrest || !has("archive-push") || !has("%p")) return false;
  if (OptionValue(words, "--stanza") != stanza) return false;
  if (config_path.empty()) return true;
  std::optional<std::string> config = OptionValue(words, "--config");
  if (!config) return false;
  // backup.pgbackrest_config may be relative; the server runs it absolute.
  auto normal = [](const std::string& path) {
    std::error_code ec;
    std::filesystem::path p = std::filesystem::absolute(path, ec);
    return (ec ? std::filesystem::path(path) : p).lexically_normal();
  };
  return normal(*config) == normal(config_path);
}

Result<std::vector<ArchiveCheck>> PgBackRestArchiveChecks(const config::Config& config) {
  Result<std::unique_ptr<storage::Database>> db = pgbackrest::OpenOneConnection(config);
  if (!db.ok()) return db.error();
  Result<ArchiverState> state = ReadArchiver(**db);
  if (!state.ok()) return state.error();
  return std::vector<ArchiveCheck>{ModeCheck(*state), CommandCheck(*state, config.backup),
                                   ArchivingCheck(*state)};
}

}  // namespace analytics::backup
