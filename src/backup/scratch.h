// A backup restored into a scratch database (internal to backup/): SQLite, a
// decompressed copy of the file; PostgreSQL, a database "<db>_verify_<pid>"
// on database.url's server filled by pg_restore. Destroying it closes and
// drops the database and removes the files, on every path.
#pragma once

#include <memory>
#include <string>

#include "backup/backup.h"
#include "backup/pg_tools.h"

namespace analytics::backup {

class Scratch {
 public:
  // Errors: kUnprocessable when the data does not restore (not zstd,
  // pg_restore failed: the backup is bad); kUnavailable when the scratch
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
  Scratch(const Env& env, std::string folder) : env_(env), folder_(std::move(folder)) {}
  Result<void> RestoreSqlite();
  Result<void> RestorePostgres();

  const Env& env_;
  const std::string folder_;
  std::string data_path_;
  std::string pg_database_;  // created on the server; dropped by the destructor
  std::unique_ptr<storage::Database> db_;
};

}  // namespace analytics::backup
