#include "storage/open_database.h"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "storage/backend_tools.h"
#include "storage/postgres/postgres_database.h"
#include "storage/sqlite/sqlite_database.h"

namespace analytics::storage {
namespace {

constexpr std::string_view kSqliteScheme = "sqlite://";

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// "sqlite:///./var/a.db" names ./var/a.db and "sqlite:////srv/a.db" names
// /srv/a.db: the path follows the empty host, as in SQLAlchemy URLs.
Result<std::unique_ptr<Database>> OpenSqlite(const config::DatabaseOptions& options) {
  const std::optional<std::string> file = SqlitePath(options.url);
  if (!file) {
    return InvalidArgument("database.url",
                           "expected sqlite:///relative/path.db or sqlite:////absolute/path.db");
  }
  const std::filesystem::path path(*file);
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      return Unavailable("cannot create folder " + path.parent_path().string() + ": " +
                         ec.message());
    }
  }
  Result<std::unique_ptr<SqliteDatabase>> db =
      SqliteDatabase::Open(path.string(), options, options.url);
  if (!db.ok()) return db.error();
  return std::unique_ptr<Database>(std::move(*db));
}

}  // namespace

std::optional<std::string> SqlitePath(const std::string& url) {
  if (!StartsWith(url, kSqliteScheme)) return std::nullopt;
  std::string_view rest = std::string_view(url).substr(kSqliteScheme.size());
  if (!StartsWith(rest, "/") || rest.size() == 1) return std::nullopt;
  return std::string(rest.substr(1));
}

Result<std::unique_ptr<Database>> OpenDatabase(const config::DatabaseOptions& options) {
  const std::string_view url = options.url;
  if (StartsWith(url, kSqliteScheme)) return OpenSqlite(options);
  if (StartsWith(url, "postgresql://") || StartsWith(url, "postgres://")) {
    Result<std::unique_ptr<PostgresDatabase>> db = PostgresDatabase::Open(options);
    if (!db.ok()) return db.error();
    return std::unique_ptr<Database>(std::move(*db));
  }
  return InvalidArgument("database.url",
                         "unknown database URL scheme; expected sqlite:// or postgresql://");
}

}  // namespace analytics::storage
