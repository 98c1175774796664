// A backup restored into a scratch database (internal to backup/): SQLite, a
// decompressed copy of the file; PostgreSQL, a database "<db>_verify_<pid>_<n>"
// on database.url's server filled by pg_restore. Destroying it closes and
// drops the database and removes the files, on every path.
#pragma once

#include <memory>
#include <string>

#include "backup/backup.h"
#include "backup/pg_tools.h"

namespace analytics::backup {

// Ok when a backup of `manifest.source` restores on env.db's kind of
// database. Errors: kInvalidArgument naming FILE, "backup <id> is of a sqlite
// database; this is postgresql" (a usage error, not a dependency down).
Result<void> CheckSource(const Env& env, const Manifest& manifest);

// Ok when the manifest lists the data file Scratch restores (so Verify has
// checked its sha256). Errors: kUnprocessable naming the file.
Result<void> CheckDataFileListed(const Manifest& manifest);

class Scratch {
 public:
  // Errors: kUnprocessable when the data does not restore (not zstd,
  // pg_restore failed, the data file not in the manifest: the backup is
  // bad); kInvalidArgument (CheckSource); kUnavailable when the scratch
  // database could not be made (disk, server).
  // kFileOnly: only the decompressed file (no scratch database).
  enum Mode { kFileOnly, kDatabase };
  static Result<std::unique_ptr<Scratch>> Restore(const Env& env, const BackupInfo& backup,
                                                  Mode mode = kDatabase);
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  storage::Database& db() { return *db_; }
  // The decompressed data file (an SQLite database, or a pg_dump archive).
  const std::string& data_path() const { return data_path_; }

 private:
  Scratch(const Env& env, std::string folder, std::string number)
      : env_(env), folder_(std::move(folder)), number_(std::move(number)) {}
  Result<void> RestoreSqlite();
  Result<void> RestorePostgres();

  const Env& env_;
  const std::string folder_;
  const std::string number_;  // "<pid>-<n>", this scratch's own (n taken once)
  std::string data_path_;
  std::string pg_database_;  // created on the server; dropped by the destructor
  std::unique_ptr<storage::Database> db_;
};

}  // namespace analytics::backup
