// SPEC §2's schema as one list of versioned migrations, written once: each
// backend supplies only what differs (column types, ids, the stats views,
// backfills) as a SchemaFlavor (postgres/postgres_migrations.cc,
// sqlite/sqlite_migrations.cc). Versions and names never change: databases
// record them in schema_migrations (migrate.cc).
#pragma once

#include <string_view>
#include <vector>

#include "storage/database.h"

namespace analytics::storage {

struct SchemaFlavor {
  std::string_view lock;               // opens migrations 1-3: waits for a concurrent migrator
  std::string_view if_not_exists;      // "IF NOT EXISTS " where the first migrations may rerun
  std::string_view time;               // a point in time
  std::string_view day;                // a UTC day
  std::string_view integer;            // a 64-bit count
  std::string_view real;               // a rate or score
  std::string_view identity;           // tasks.id and audit_log.id
  std::string_view user_key;           // ",\n  PRIMARY KEY (user_id, id)" or ""
  std::string_view job_run_id;         // job_runs.id with its key
  std::string_view user_id_index;      // statement(s) after the other tasks indexes
  std::string_view stats_views;        // the four stats of migration 1
  std::string_view without_rowid;      // open_due_days's table option
  std::string_view open_due_backfill;  // migration 3's backfill
  std::string_view overdue_before;     // migration 5, whole
};

// The migrations for `flavor`. Placeholders {TIME}, {DAY}, {INT}, {REAL},
// {INE} in the shared text take the flavor's types.
std::vector<Migration> BuildMigrations(const SchemaFlavor& flavor);

}  // namespace analytics::storage
