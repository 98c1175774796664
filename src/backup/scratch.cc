#include "backup/scratch.h"

#include <unistd.h>

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

Result<std::unique_ptr<Scratch>> Scratch::Restore(const Env& env, const BackupInfo& backup,
                                                  Mode mode) {
  const Manifest& m = backup.manifest;
  if (m.source != env.db.dialect().name()) {
    return Unavailable("a " + m.source + " backup restores only on a " + m.source +
                       " database.url (this one is " + std::string(env.db.dialect().name()) + ")");
  }
  const std::string n = std::to_string(::getpid()) + "-" + std::to_string(++scratch_count);
  const fs::path folder = fs::path(env.config.backup.dir) / (".scratch-" + n);
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) return Unavailable(ErrnoText("create " + folder.string(), ec.value()));
  std::unique_ptr<Scratch> scratch(new Scratch(env, folder.string()));
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
  name += "_verify_" + std::to_string(::getpid()) + "_" + std::to_string(scratch_count.load());
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
