// Verify (backup.h): the files' sha256, then a restore into a scratch
// database whose tables must match the manifest row for row (count and
// checksum). The outcome is kept beside the backup as verified.json.
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "backup/backup.h"
#include "backup/files.h"
#include "backup/scratch.h"
#include "backup/table_checksums.h"

namespace analytics::backup {
namespace {

namespace fs = std::filesystem;

// "" when every file is there with its sha256, else the first problem.
std::string CheckFiles(const BackupInfo& backup) {
  if (backup.manifest.files.empty()) return "the manifest lists no files";
  // The data file a restore reads must be one whose sha256 is checked here.
  Result<void> listed = CheckDataFileListed(backup.manifest);
  if (!listed.ok()) return listed.error().message;
  for (const FileEntry& f : backup.manifest.files) {
    const fs::path path = fs::path(backup.path) / f.name;
    std::error_code ec;
    if (!fs::exists(path, ec)) return "file " + f.name + " is missing";
    auto sha = Sha256OfFile(path.string());
    if (!sha.ok()) return "file " + f.name + ": " + sha.error().message;
    if (*sha != f.sha256) {
      return "file " + f.name + ": sha256 " + *sha + " differs from the manifest's " + f.sha256;
    }
    auto bytes = fs::file_size(path, ec);
    if (!ec && bytes != f.bytes) {
      return "file " + f.name + ": " + std::to_string(bytes) + " bytes, the manifest says " +
             std::to_string(f.bytes);
    }
  }
  return "";
}

// "" when `restored` equals the manifest's tables, else the first mismatch.
std::string CompareTables(const std::vector<TableEntry>& manifest,
                          const std::vector<TableEntry>& restored) {
  std::map<std::string, const TableEntry*> by_name;
  for (const TableEntry& t : restored) by_name[t.name] = &t;
  for (const TableEntry& want : manifest) {
    auto it = by_name.find(want.name);
    if (it == by_name.end()) return "table " + want.name + " is missing from the restore";
    const TableEntry& got = *it->second;
    if (got.rows != want.rows || got.checksum != want.checksum) {
      return "table " + want.name + ": restored " + std::to_string(got.rows) + " rows, checksum " +
             got.checksum + "; the manifest says " + std::to_string(want.rows) +
             " rows, checksum " + want.checksum;
    }
    by_name.erase(it);
  }
  if (!by_name.empty()) return "table " + by_name.begin()->first + " is not in the manifest";
  return "";
}

// SQLite: "" when PRAGMA integrity_check of the scratch copy says "ok", else
// what it found (a damaged index or page that the table scans behind the
// checksums never read).
Result<std::string> IntegrityProblem(storage::Database& db) {
  return storage::ReadValue(db, [&db](storage::Transaction& tx) -> Result<std::string> {
    const std::string lift = db.dialect().LiftStatementTimeout();
    if (!lift.empty()) ANALYTICS_RETURN_IF_ERROR(tx.Execute(lift));
    auto rows = tx.Query("PRAGMA integrity_check");
    if (!rows.ok()) return rows.error();
    if (rows->size() == 1 && (*rows)[0].Text(0) == "ok") return std::string();
    std::string found;
    for (std::size_t i = 0; i < rows->size() && i < 3; ++i) {
      found += (i ? "; " : "") + (*rows)[i].Text(0);
    }
    if (rows->size() > 3) found += "; …";
    return "the SQLite data fails PRAGMA integrity_check: " + found;
  });
}

Result<void> WriteVerification(const BackupInfo& backup, const Verification& v) {
  nlohmann::ordered_json json{{"at", FormatTime(v.at)}, {"ok", v.ok}, {"detail", v.detail}};
  return WriteFileAtomically((fs::path(backup.path) / "verified.json").string(),
                             json.dump(2) + "\n");
}

// The verification itself; errors are what kept it from checking.
Result<Verification> Check(const Env& env, const BackupInfo& backup, const Progress& progress) {
  ANALYTICS_RETURN_IF_ERROR(CheckSource(env, backup.manifest));
  Verification v;
  v.at = env.clock.Now();
  std::string problem = CheckFiles(backup);
  if (!problem.empty()) {
    v.detail = problem;
    return v;
  }
  if (progress) progress("files", "sha256 of every file matches");
  auto scratch = Scratch::Restore(env, backup);
  if (!scratch.ok()) {
    if (scratch.error().code != ErrorCode::kUnprocessable) return scratch.error();
    v.detail = "the data does not restore: " + scratch.error().message;
    return v;
  }
  if (backup.manifest.source == "sqlite") {
    auto damaged = IntegrityProblem((*scratch)->db());
    if (!damaged.ok()) return damaged.error();
    if (!damaged->empty()) {
      v.detail = *damaged;
      return v;
    }
  }
  auto tables = TableChecksums((*scratch)->db());
  if (!tables.ok()) return tables.error();
  problem = CompareTables(backup.manifest.tables, *tables);
  if (!problem.empty()) {
    v.detail = problem;
    return v;
  }
  std::int64_t rows = 0;
  for (const TableEntry& t : *tables) rows += t.rows;
  v.ok = true;
  v.detail = "sha256 of " + std::to_string(backup.manifest.files.size()) +
             " file(s) and rows and checksums of " + std::to_string(tables->size()) + " tables (" +
             std::to_string(rows) + " rows) match the manifest after a restore";
  return v;
}

}  // namespace

Result<Verification> Verify(const Env& env, const BackupInfo& backup, const Progress& progress) {
  auto v = Check(env, backup, progress);
  if (!v.ok()) return v.error();
  // The verdict stands even when it cannot be kept (a backup read from a
  // read-only mount): a warning, not a failed verify.
  Result<void> wrote = WriteVerification(backup, *v);
  if (!wrote.ok() && progress) {
    progress("warning", "verified.json not written: " + wrote.error().message);
  }
  if (progress) progress(v->ok ? "verified" : "verify_failed", v->detail);
  return v;
}

}  // namespace analytics::backup
