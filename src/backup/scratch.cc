#include "backup/scratch.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>

#include "backup/files.h"
#include "backup/process.h"
#include "backup/table_checksums.h"
#include "logging/log.h"
#include "storage/open_database.h"

namespace analytics::backup {
namespace {

namespace fs = std::filesystem;

std::atomic<int> scratch_count{0};

Error Unprocessable(std::string message) {
  return Error{ErrorCode::kUnprocessable, std::move(message), {}};
}

}  // namespace

Result<void> CheckSource(const Env& env, const Manifest& manifest) {
  const std::string here(env.db.dialect().name());
  if (manifest.source == here) return Ok();
  return InvalidArgument("FILE", "backup " + manifest.id + " is of a " + manifest.source +
                                     " database; this is " + here +
                                     " (a backup restores only on the same kind of database)");
}

Result<void> CheckDataFileListed(const Manifest& manifest) {
  const std::string data = DataFileName(manifest.source);
  for (const FileEntry& f : manifest.files) {
    if (f.name == data) return Ok();
  }
  return Unprocessable("the manifest's files do not list the data file " + data);
}

Result<std::unique_ptr<Scratch>> Scratch::Restore(const Env& env, const BackupInfo& backup,
                                                  Mode mode) {
  const Manifest& m = backup.manifest;
  ANALYTICS_RETURN_IF_ERROR(CheckSource(env, m));
  ANALYTICS_RETURN_IF_ERROR(CheckDataFileListed(m));
  // This scratch's own number, taken once: two at once never share a name.
  const std::string n = std::to_string(::getpid()) + "-" + std::to_string(++scratch_count);
  const fs::path folder = fs::path(env.config.backup.dir) / (".scratch-" + n);
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) return Unavailable(ErrnoText("create " + folder.string(), ec.value()));
  std::unique_ptr<Scratch> scratch(new Scratch(env, folder.string(), n));
  const bool pg = m.source == "postgresql";
  scratch->data_path_ = (folder / (pg ? "database.pgdump" : "database.sqlite")).string();
  Result<void> unpacked = DecompressFile((fs::path(backup.path) / DataFileName(m.source)).string(),
                                         scratch->data_path_);
  if (!unpacked.ok()) return unpacked.error();
  if (mode == kFileOnly) return scratch;
  Result<void> restored = pg ? scratch->RestorePostgres() : scratch->RestoreSqlite();
  if (!restored.ok()) return restored.error();
  return scratch;
}

Result<void> Scratch::RestoreSqlite() {
  config::DatabaseOptions options = env_.config.database;
  options.url = "sqlite:///" + fs::absolute(data_path_).string();
  auto db = storage::OpenDatabase(options);
  if (!db.ok()) return Unprocessable("the SQLite data does not open: " + db.error().message);
  db_ = std::move(*db);
  return Ok();
}

Result<void> Scratch::RestorePostgres() {
  auto base = PgDatabaseName(env_.config.database.url);
  if (!base.ok()) return base.error();
  std::string name = base->empty() ? "analytics" : base->substr(0, 40);
  std::string suffix = number_;
  std::replace(suffix.begin(), suffix.end(), '-', '_');
  name += "_verify_" + suffix;
  Result<void> created = env_.db.ExecuteOutsideTransaction("CREATE DATABASE " + QuoteIdent(name));
  if (!created.ok())
    return Unavailable("cannot create scratch database: " + created.error().message);
  pg_database_ = name;
  auto child_env = PgEnvironment(env_.config.database.url, name);
  if (!child_env.ok()) return child_env.error();
  ProcessSpec spec;
  spec.argv = {"pg_restore",      "--jobs=2",      "--no-owner",       "--no-privileges",
               "--exit-on-error", "--no-password", "--dbname=" + name, data_path_};
  spec.env = *child_env;
  Result<void> restored = RunProcess(spec);
  if (!restored.ok()) return Unprocessable(restored.error().message);
  auto url = PgUrlFor(env_.config.database.url, name);
  if (!url.ok()) return url.error();
  config::DatabaseOptions options = env_.config.database;
  options.url = *url;
  auto db = storage::OpenDatabase(options);
  if (!db.ok()) return db.error();
  db_ = std::move(*db);
  return Ok();
}

Scratch::~Scratch() {
  db_.reset();
  if (!pg_database_.empty()) {
    Result<void> dropped = env_.db.ExecuteOutsideTransaction(
        "DROP DATABASE IF EXISTS " + QuoteIdent(pg_database_) + " WITH (FORCE)");
    if (!dropped.ok()) {
      logging::Warn("backup_scratch_not_dropped",
                    {{"database", pg_database_}, {"error", dropped.error().message}});
    }
  }
  RemoveAllQuietly(folder_);
}

}  // namespace analytics::backup
