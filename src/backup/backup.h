// Logical backups (backup.method dump; docs/backup.md): one folder per backup
// under backup.dir, written as ".partial-<id>" and renamed to "<id>" only when
// complete, holding the compressed database (SQLite online backup API, or
// pg_dump in custom format run on an exported snapshot) and manifest.json
// (sha256 of every file, row count and checksum of every table). A backup
// that List shows is complete; Verify proves it restores.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/time.h"
#include "cache/cache.h"
#include "config/config.h"
#include "storage/database.h"

namespace analytics::backup {

inline constexpr int kManifestFormat = 1;
inline constexpr std::string_view kManifestName = "manifest.json";
inline constexpr std::string_view kPartialPrefix = ".partial-";

struct FileEntry {
  std::string name;  // inside the backup folder
  std::uint64_t bytes = 0;
  std::string sha256;  // lower-case hex
};

// One table as it was in the backup's snapshot. `checksum`: 16 hex digits,
// the sum mod 2^64 of the first 8 bytes of SHA-256 of each row's text
// (order-independent; docs/backup.md defines a row's text per backend).
struct TableEntry {
  std::string name;
  std::int64_t rows = 0;
  std::string checksum;
};

// What backup.upload_command did with this backup's files.
struct UploadRecord {
  std::string command;  // the configured template, RedactCommand'ed
  Time finished_at;
  bool ok = false;
  std::string error;               // why not, when !ok
  std::vector<std::string> files;  // names uploaded, in order
};

struct Manifest {
  int format_version = kManifestFormat;
  std::string id;  // the folder's name, "analytics-20261205T030000Z"
  std::string kind = "full";
  std::string method = "dump";
  std::string source;      // "sqlite" or "postgresql" (Dialect::name)
  std::string database;    // Database::description(): no password
  int schema_version = 0;  // newest migration applied
  std::string tool;        // "sqlite3 backup API 3.40.1", "pg_dump (PostgreSQL) 15.18"
  std::string host;
  Time started_at;
  Time finished_at;
  std::vector<FileEntry> files;
  std::vector<TableEntry> tables;
  std::optional<UploadRecord> upload;
};

std::string ManifestJson(const Manifest& manifest);
// Errors: kInvalidArgument naming the field that is missing or wrong.
Result<Manifest> ParseManifest(std::string_view json);

// The last `backup verify` of a backup (kept beside it as verified.json).
struct Verification {
  Time at;
  bool ok = false;
  std::string detail;  // what was compared, or the first mismatch
};

struct BackupInfo {
  std::string path;  // the backup's folder
  Manifest manifest;
  std::uint64_t bytes = 0;  // all its files
  std::optional<Verification> verification;
};

// Complete backups in `dir`, newest first. Folders still being written
// (".partial-*"), and folders without a readable manifest, are not listed.
// A missing `dir` is an empty list.
Result<std::vector<BackupInfo>> List(const std::string& dir);
// `ref`: a backup's id, or the path of its folder or of its manifest.
// Errors: kNotFound naming `ref`.
Result<BackupInfo> Find(const std::string& dir, const std::string& ref);

// Progress lines (the job's log, or the command's stderr).
using Progress = std::function<void(const std::string& event, const std::string& detail)>;

// What backups work on. Owned elsewhere; outlives the call.
struct Env {
  storage::Database& db;
  const config::Config& config;
  const Clock& clock;
  cache::Cache* cache = nullptr;  // emptied after a restore; may be null
};

// The data file of a backup made from `source` ("sqlite" or "postgresql").
std::string DataFileName(std::string_view source);

// Makes a full logical backup of env.db into env.config.backup.dir (see the
// top of this file), then runs backup.upload_command when set. Errors:
// kUnavailable with the reason (a full disk names ENOSPC; pg_dump's last
// error line), after removing the .partial folder; kUnavailable "upload
// failed: …" when the upload failed (the backup is complete and listed, the
// manifest records the failure).
Result<BackupInfo> Create(const Env& env, const Progress& progress = {});

// Checks every file's sha256 against the manifest, then restores the backup
// into a scratch database (SQLite: a temporary file; PostgreSQL: a database
// "<db>_verify_<pid>" on the same server, dropped afterwards) and compares
// every table's rows and checksum with the manifest. Writes verified.json.
// A mismatch is a Verification with !ok (detail names the file or table);
// errors are for what kept it from checking (kUnavailable).
Result<Verification> Verify(const Env& env, const BackupInfo& backup,
                            const Progress& progress = {});

// What a restore replaces: each table's rows now and in the backup.
struct TableChange {
  std::string name;
  std::int64_t current_rows = 0;  // -1: the table does not exist now
  std::int64_t backup_rows = 0;
};
struct RestorePlan {
  std::string id;
  std::string table;  // "" = the whole database
  std::vector<TableChange> tables;
  Verification verification;
  bool refresh_views = false;  // refresh_views runs afterwards
};

// Verifies `backup` and says what restoring it would replace. Errors:
// kUnprocessable "backup <id> failed verification: …" (nothing touched);
// kInvalidArgument naming --table for a table the backup does not hold.
Result<RestorePlan> PlanRestore(const Env& env, const BackupInfo& backup, const std::string& table,
                                const Progress& progress = {});
// Carries out `plan` (from PlanRestore of the same backup): SQLite through the
// online backup API (whole) or ATTACH + DELETE/INSERT in one transaction
// (one table); PostgreSQL through pg_restore --clean --single-transaction
// (whole) or psql in one transaction (one table, identity reset). Then
// refreshes the stats views and empties the analytics cache (env.cache).
Result<void> ApplyRestore(const Env& env, const BackupInfo& backup, const RestorePlan& plan,
                          const Progress& progress = {});

}  // namespace analytics::backup
