// Create (backup.h): a full logical backup, written into ".partial-<id>" and
// renamed to "<id>" only once every file and the manifest are on disk, so a
// backup that is killed or fails never looks complete.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>

#include "backup/backup.h"
#include "backup/files.h"
#include "backup/pg_tools.h"
#include "backup/process.h"
#include "backup/table_checksums.h"
#include "backup/upload.h"
#include "logging/log.h"
#include "storage/backend_tools.h"
#include "storage/open_database.h"

namespace analytics::backup {
namespace {

namespace fs = std::filesystem;

void Say(const Progress& progress, const std::string& event, const std::string& detail) {
  if (progress) progress(event, detail);
}

std::string HostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "";
  return name;
}

// "analytics-20261205T030000Z", with "-2", "-3"… when that name is taken
// (complete or partial).
std::string NewId(const fs::path& dir, Time started) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(
      std::chrono::time_point_cast<std::chrono::seconds>(started));
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  const std::string base = std::string("analytics-") + stamp;
  for (int n = 1;; ++n) {
    std::string id = n == 1 ? base : base + "-" + std::to_string(n);
    std::error_code ec;
    if (!fs::exists(dir / id, ec) && !fs::exists(dir / (std::string(kPartialPrefix) + id), ec)) {
      return id;
    }
  }
}

// SQLite: the online backup API into a temporary file in the partial
// folder, checksums read from that copy, then the copy compressed.
Result<void> SqliteData(const Env& env, const fs::path& partial, Manifest& manifest,
                        const Progress& progress) {
  std::optional<std::string> live = storage::SqlitePath(env.config.database.url);
  if (!live) return InvalidArgument("database.url", "not a sqlite:/// URL");
  const fs::path copy = fs::absolute(partial / "database.sqlite");
  auto version = storage::CopySqliteDatabase(*live, copy.string());
  if (!version.ok()) return version.error();
  manifest.tool = "sqlite3 backup API " + *version;
  Say(progress, "copied", copy.string());
  {
    config::DatabaseOptions options = env.config.database;
    options.url = "sqlite:///" + copy.string();
    auto db = storage::OpenDatabase(options);
    if (!db.ok()) return db.error();
    auto tables = TableChecksums(**db);
    if (!tables.ok()) return tables.error();
    manifest.tables = std::move(*tables);
    auto version_of =
        storage::ReadValue(**db, [](storage::Transaction& tx) { return SchemaVersion(tx); });
    if (!version_of.ok()) return version_of.error();
    manifest.schema_version = *version_of;
  }
  Say(progress, "checksums", std::to_string(manifest.tables.size()) + " tables");
  auto file = CompressFile(copy.string(), (partial / DataFileName("sqlite")).string());
  if (!file.ok()) return file.error();
  manifest.files.push_back(std::move(*file));
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(copy.string() + suffix, ec);
  return Ok();
}

// PostgreSQL: one REPEATABLE READ transaction exports its snapshot, computes
// the checksums, and stays open while pg_dump dumps that same snapshot, so
// the manifest describes exactly the rows in the dump.
Result<void> PostgresData(const Env& env, const fs::path& partial, Manifest& manifest,
                          const Progress& progress) {
  auto child_env = PgEnvironment(env.config.database.url);
  if (!child_env.ok()) return child_env.error();
  manifest.tool = ToolVersion("pg_dump");
  auto writer = ZstdWriter::Open((partial / DataFileName("postgresql")).string());
  if (!writer.ok()) return writer.error();
  return env.db.Read([&](storage::Transaction& tx) -> Result<void> {
    for (const char* set :
         {"SET LOCAL statement_timeout = 0", "SET LOCAL idle_in_transaction_session_timeout = 0"}) {
      auto done = tx.Execute(set);
      if (!done.ok()) return done.error();
    }
    auto snapshot = tx.Query("SELECT pg_export_snapshot()");
    if (!snapshot.ok()) return snapshot.error();
    const std::string id = snapshot->at(0).Text(0);
    auto version = SchemaVersion(tx);
    if (!version.ok()) return version.error();
    manifest.schema_version = *version;
    auto tables = TableChecksums(tx, "postgresql");
    if (!tables.ok()) return tables.error();
    manifest.tables = std::move(*tables);
    Say(progress, "checksums", std::to_string(manifest.tables.size()) + " tables");
    ProcessSpec spec;
    // A lock it cannot get within kLockTimeout (a table being altered or
    // dropped) fails the backup instead of waiting forever.
    spec.argv = {"pg_dump",          "--format=custom",
                 "--compress=0",     "--no-password",
                 "--snapshot=" + id, std::string("--lock-wait-timeout=") + kLockTimeout};
    spec.env = *child_env;
    spec.on_stdout = [&writer](std::string_view chunk) { return (*writer)->Write(chunk); };
    Result<void> dumped = RunProcess(spec);
    if (!dumped.ok()) return dumped.error();
    auto file = (*writer)->Finish();
    if (!file.ok()) return file.error();
    manifest.files.push_back(std::move(*file));
    Say(progress, "dumped", std::to_string(manifest.files.back().bytes) + " bytes");
    return Ok();
  });
}

// Writes the manifest, syncs, renames the partial folder to its id. Once the
// rename is done the backup is complete (and listed): a failing fsync of
// backup.dir after it is a warning, not a failed backup.
Result<void> Complete(const fs::path& dir, const fs::path& partial, const Manifest& manifest,
                      const Progress& progress) {
  Result<void> wrote =
      WriteFileAtomically((partial / kManifestName).string(), ManifestJson(manifest));
  if (!wrote.ok()) return wrote;
  Result<void> synced = SyncPath(partial.string());
  if (!synced.ok()) return synced;
  std::error_code ec;
  fs::rename(partial, dir / manifest.id, ec);
  if (ec) return Unavailable("rename " + partial.string() + ": " + ec.message());
  Result<void> dir_synced = SyncPath(dir.string());
  if (!dir_synced.ok()) {
    logging::Warn("backup_dir_not_synced",
                  {{"backup", manifest.id}, {"error", dir_synced.error().message}});
    Say(progress, "warning",
        "backup " + manifest.id + " is complete, but " + dir_synced.error().message);
  }
  return Ok();
}

// Runs backup.upload_command over the data file and the manifest and records
// the outcome in the manifest (rewritten atomically).
Result<void> UploadBackup(const Env& env, BackupInfo& info, const Progress& progress) {
  std::vector<std::string> files;
  for (const FileEntry& f : info.manifest.files) files.push_back(f.name);
  files.emplace_back(kManifestName);
  Say(progress, "upload", RedactCommand(env.config.backup.upload_command));
  UploadRecord record =
      Upload(env.config.backup.upload_command, info.path, info.manifest.id, files, env.clock);
  info.manifest.upload = record;
  Result<void> wrote = WriteFileAtomically((fs::path(info.path) / kManifestName).string(),
                                           ManifestJson(info.manifest));
  if (!wrote.ok()) return wrote;
  if (!record.ok) {
    return Unavailable("upload failed: " + record.error + " (backup " + info.manifest.id +
                       " itself is complete and listed)");
  }
  return Ok();
}

}  // namespace

Result<BackupInfo> Create(const Env& env, const Progress& progress) {
  const fs::path dir = env.config.backup.dir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Unavailable("cannot create backup.dir " + dir.string() + ": " + ec.message());
  Manifest manifest;
  manifest.started_at = env.clock.Now();
  manifest.id = NewId(dir, manifest.started_at);
  manifest.source = std::string(env.db.dialect().name());
  manifest.database = env.db.description();
  manifest.host = HostName();
  fs::path partial = dir / (std::string(kPartialPrefix) + manifest.id);
  // create_directory is false when another backup took the name first.
  while (!fs::create_directory(partial, ec)) {
    if (ec) return Unavailable(ErrnoText("create " + partial.string(), ec.value()));
    manifest.id = NewId(dir, manifest.started_at);
    partial = dir / (std::string(kPartialPrefix) + manifest.id);
  }
  Say(progress, "start", partial.string());
  Result<void> made = manifest.source == "postgresql"
                          ? PostgresData(env, partial, manifest, progress)
                          : SqliteData(env, partial, manifest, progress);
  if (made.ok()) {
    manifest.finished_at = env.clock.Now();
    made = Complete(dir, partial, manifest, progress);
  }
  if (!made.ok()) {
    RemoveAllQuietly(partial.string());
    return Error{made.error().code, "backup failed: " + made.error().message, made.error().field};
  }
  auto info = Find(dir.string(), manifest.id);
  if (!info.ok()) return info.error();
  Say(progress, "done", info->path);
  if (!env.config.backup.upload_command.empty()) {
    Result<void> uploaded = UploadBackup(env, *info, progress);
    if (!uploaded.ok()) return uploaded.error();
  }
  return info;
}

}  // namespace analytics::backup
