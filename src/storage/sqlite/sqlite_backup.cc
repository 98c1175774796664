// CopySqliteDatabase (storage/backend_tools.h): SQLite's online backup API.
#include <sqlite3.h>

#include <chrono>
#include <string>

#include "storage/backend_tools.h"

namespace analytics::storage {
namespace {

// How long a copy waits, in all, for locks other connections hold.
constexpr std::chrono::seconds kBusyLimit{60};

// Closes both handles on every path.
struct Handles {
  sqlite3* from = nullptr;
  sqlite3* to = nullptr;
  ~Handles() {
    sqlite3_close_v2(to);
    sqlite3_close_v2(from);
  }
};

Error Failed(const std::string& what, sqlite3* db, int rc) {
  std::string reason = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if ((rc & 0xff) == SQLITE_FULL) reason += " (ENOSPC)";
  return Unavailable("sqlite backup: " + what + ": " + reason);
}

}  // namespace

Result<std::string> CopySqliteDatabase(const std::string& from, const std::string& to) {
  Handles h;
  int rc = sqlite3_open_v2(from.c_str(), &h.from, SQLITE_OPEN_READONLY, nullptr);
  if (rc != SQLITE_OK) return Failed("cannot open " + from, h.from, rc);
  rc = sqlite3_open_v2(to.c_str(), &h.to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) return Failed("cannot open " + to, h.to, rc);
  sqlite3_busy_timeout(h.from, 10000);
  sqlite3_busy_timeout(h.to, 10000);
  sqlite3_backup* backup = sqlite3_backup_init(h.to, "main", h.from, "main");
  if (backup == nullptr) return Failed("cannot start copying into " + to, h.to, SQLITE_ERROR);
  // All pages in one step: the copy is one snapshot of `from` (a step-wise
  // copy restarts whenever another connection writes). A lock held by
  // another connection is waited for, but at most kBusyLimit.
  const auto deadline = std::chrono::steady_clock::now() + kBusyLimit;
  bool busy_too_long = false;
  do {
    rc = sqlite3_backup_step(backup, -1);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
      if (std::chrono::steady_clock::now() >= deadline) {
        busy_too_long = true;
        break;
      }
      sqlite3_sleep(20);
    }
  } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish(backup);
  if (busy_too_long) {
    return Unavailable("sqlite backup: copying " + from + " into " + to + ": " +
                       (rc == SQLITE_LOCKED ? "a table lock" : "the database lock (SQLITE_BUSY)") +
                       " held by another connection was not released within " +
                       std::to_string(kBusyLimit.count()) + "s");
  }
  if (rc != SQLITE_DONE) return Failed("copying " + from + " into " + to, h.to, rc);
  return std::string(sqlite3_libversion());
}

}  // namespace analytics::storage
