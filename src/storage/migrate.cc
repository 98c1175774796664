// Migrations, written once for every backend: portable SQL and $N parameters only.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "base/check.h"
#include "base/clock.h"
#include "base/time.h"
#include "storage/database.h"

namespace analytics::storage {
namespace {

constexpr char kCreateTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";

Result<bool> IsRecorded(Transaction& tx, int version) {
  Result<std::vector<Row>> rows =
      tx.Query("SELECT 1 FROM schema_migrations WHERE version = $1", {std::int64_t{version}});
  if (!rows.ok()) return rows.error();
  return !rows->empty();
}

Result<std::set<int>> RecordedVersions(Database& db) {
  return ReadValue(db, [](Transaction& tx) -> Result<std::set<int>> {
    std::set<int> versions;
    auto read =
        tx.ForEach("SELECT version FROM schema_migrations", {}, [&versions](const Row& row) {
          versions.insert(static_cast<int>(row.Int(0)));
          return true;
        });
    if (!read.ok()) return read.error();
    return versions;
  });
}

// Applies `migration` unless it is recorded by the time we hold the write
// transaction. Returns whether it ran here.
Result<bool> Apply(Database& db, const Migration& migration) {
  bool ran = false;
  Result<void> applied = db.InTransaction([&](Transaction& tx) -> Result<void> {
    Result<bool> recorded = IsRecorded(tx, migration.version);
    if (!recorded.ok()) return recorded.error();
    if (*recorded) return Ok();
    ANALYTICS_RETURN_IF_ERROR(tx.ExecuteScript(migration.sql));
    // applied_at is text on every backend, so bind text, not a Time.
    Result<std::int64_t> inserted = tx.Execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        {std::int64_t{migration.version}, migration.name, FormatTime(SystemClock().Now())});
    if (!inserted.ok()) return inserted.error();
    ran = true;
    return Ok();
  });
  if (applied.ok()) return ran;
  // Another process may have applied it concurrently (on PostgreSQL both can
  // pass the check; the loser fails on the DDL or the insert): if the version
  // is recorded now, that is success, not an error.
  Result<std::set<int>> versions = RecordedVersions(db);
  if (versions.ok() && versions->count(migration.version) > 0) return false;
  return applied.error();
}

}  // namespace

Result<int> Migrate(Database& db) { return Migrate(db, db.dialect().migrations()); }

Result<int> Migrate(Database& db, const std::vector<Migration>& migrations) {
  std::vector<const Migration*> ordered;
  for (const Migration& m : migrations) ordered.push_back(&m);
  std::sort(ordered.begin(), ordered.end(),
            [](const Migration* a, const Migration* b) { return a->version < b->version; });
  for (std::size_t i = 1; i < ordered.size(); ++i) {
    ANALYTICS_CHECK(ordered[i - 1]->version != ordered[i]->version)
        << "two migrations with version " << ordered[i]->version;
  }

  Result<void> created = db.InTransaction(
      [](Transaction& tx) -> Result<void> { return tx.ExecuteScript(kCreateTable); });
  if (!created.ok()) {
    // Concurrent CREATE TABLE IF NOT EXISTS can still collide on PostgreSQL;
    // fine if the table is there now.
    if (!RecordedVersions(db).ok()) return created.error();
  }
  Result<std::set<int>> recorded = RecordedVersions(db);
  if (!recorded.ok()) return recorded.error();

  int ran = 0;
  for (const Migration* migration : ordered) {
    if (recorded->count(migration->version) > 0) continue;
    Result<bool> applied = Apply(db, *migration);
    if (!applied.ok()) return applied.error();
    if (*applied) ++ran;
  }
  return ran;
}

}  // namespace analytics::storage
