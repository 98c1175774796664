#include "backup/pg_tools.h"

#include "storage/backend_tools.h"

namespace analytics::backup {

Result<EnvVars> PgEnvironment(const std::string& url, const std::string& database) {
  auto settings = storage::PostgresSettings(url);
  if (!settings.ok()) return settings.error();
  EnvVars env;
  bool has_database = false;
  for (const storage::ConnectionSetting& s : *settings) {
    if (s.envvar.empty()) continue;
    if (s.keyword == "dbname") {
      has_database = true;
      env.emplace_back(s.envvar, database.empty() ? s.value : database);
      continue;
    }
    env.emplace_back(s.envvar, s.value);
  }
  if (!has_database && !database.empty()) env.emplace_back("PGDATABASE", database);
  // Never prompt: a missing password is an error, not a hang.
  env.emplace_back("PGCONNECT_TIMEOUT", "10");
  return env;
}

Result<std::string> PgDatabaseName(const std::string& url) {
  auto settings = storage::PostgresSettings(url);
  if (!settings.ok()) return settings.error();
  for (const storage::ConnectionSetting& s : *settings) {
    if (s.keyword == "dbname") return s.value;
  }
  return std::string();
}

Result<std::string> PgUrlFor(const std::string& url, const std::string& database) {
  auto settings = storage::PostgresSettings(url);
  if (!settings.ok()) return settings.error();
  bool replaced = false;
  for (storage::ConnectionSetting& s : *settings) {
    if (s.keyword == "dbname") s.value = database, replaced = true;
  }
  if (!replaced) settings->push_back(storage::ConnectionSetting{"dbname", "PGDATABASE", database});
  return storage::PostgresUrl(*settings);
}

}  // namespace analytics::backup
