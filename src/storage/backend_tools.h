// What the backup module needs to know of a backend beyond Database: the
// SQLite file a URL names and SQLite's online backup API, and a PostgreSQL
// URL's settings as libpq reads them (for pg_dump/pg_restore's environment,
// so no password goes on a command line). Only backup/ uses these.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace analytics::storage {

// The file a "sqlite://" URL names (as OpenDatabase opens it), or nullopt for
// another scheme or a malformed sqlite URL.
std::optional<std::string> SqlitePath(const std::string& url);

// Copies the SQLite database `from` into the file `to` (created, or replaced
// page by page) with SQLite's online backup API: a consistent snapshot while
// other connections keep writing, never a copy of the raw file. Returns the
// SQLite library version ("3.40.1"). Errors: kUnavailable naming the file and
// SQLite's reason (a full disk is "database or disk is full").
Result<std::string> CopySqliteDatabase(const std::string& from, const std::string& to);

// One setting of a PostgreSQL URL: libpq's keyword ("host", "password"…),
// the environment variable libpq reads it from ("PGHOST"…; "" when none) and
// the value. Only the settings the URL gives.
struct ConnectionSetting {
  std::string keyword;
  std::string envvar;
  std::string value;
};
// Errors: kInvalidArgument naming database.url when libpq cannot parse it.
Result<std::vector<ConnectionSetting>> PostgresSettings(const std::string& url);
// A postgresql:// URL with `settings` (percent-encoded query parameters).
std::string PostgresUrl(const std::vector<ConnectionSetting>& settings);

}  // namespace analytics::storage
