// What doctor checks when backup.method is pgbackrest: that PostgreSQL
// archives its WAL into the pgBackRest stanza, and that archiving works.
// Without it, incremental backups cannot be made consistent and no
// point-in-time restore can reach past the last backup.
#include "backup/pgbackrest.h"
#include "storage/database.h"
#include "storage/open_database.h"

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

ArchiveCheck CommandCheck(const ArchiverState& s, const config::BackupOptions& options) {
  ArchiveCheck check;
  check.name = "archive_command";
  check.value = s.archive_command.empty() ? "(empty)" : s.archive_command;
  const std::string stanza = "--stanza=" + options.pgbackrest_stanza;
  std::string want = "pgbackrest";
  if (!options.pgbackrest_config.empty()) want += " --config=" + options.pgbackrest_config;
  want += " " + stanza + " archive-push %p";
  check.want = want;
  const std::string& cmd = s.archive_command;
  check.ok = cmd.find("pgbackrest") != std::string::npos &&
             cmd.find("archive-push") != std::string::npos && cmd.find("%p") != std::string::npos &&
             cmd.find(stanza) != std::string::npos &&
             (options.pgbackrest_config.empty() ||
              cmd.find(options.pgbackrest_config) != std::string::npos);
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

Result<std::vector<ArchiveCheck>> PgBackRestArchiveChecks(const config::Config& config) {
  const std::string& url = config.database.url;
  if (!url.starts_with("postgresql://") && !url.starts_with("postgres://")) {
    return InvalidArgument("backup.method",
                           "pgbackrest needs a PostgreSQL database.url; this one is not");
  }
  config::DatabaseOptions options = config.database;
  options.pool_size = 1;
  options.max_overflow = 0;
  Result<std::unique_ptr<storage::Database>> db = storage::OpenDatabase(options);
  if (!db.ok()) return db.error();
  Result<ArchiverState> state = ReadArchiver(**db);
  if (!state.ok()) return state.error();
  return std::vector<ArchiveCheck>{ModeCheck(*state), CommandCheck(*state, config.backup),
                                   ArchivingCheck(*state)};
}

}  // namespace analytics::backup
