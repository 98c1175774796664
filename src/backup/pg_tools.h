// How backup/ runs pg_dump, pg_restore and psql against database.url, and
// opens scratch databases beside it. Internal to backup/.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/result.h"

namespace analytics::backup {

using EnvVars = std::vector<std::pair<std::string, std::string>>;

// libpq's environment variables for `url` (PGHOST, PGPORT, PGUSER,
// PGPASSWORD, PGDATABASE, PGSSLMODE…), with PGDATABASE = `database` when it
// is not empty: the tools get the password from their environment, never
// their argv. Errors: kInvalidArgument naming database.url.
Result<EnvVars> PgEnvironment(const std::string& url, const std::string& database = "");
// The database `url` names ("" when it names none).
Result<std::string> PgDatabaseName(const std::string& url);
// `url` with its database replaced by `database`.
Result<std::string> PgUrlFor(const std::string& url, const std::string& database);

}  // namespace analytics::backup
