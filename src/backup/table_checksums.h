// Row counts and checksums of every table (backup.h TableEntry; the row
// text is defined in docs/backup.md), discovered from the catalog: SQLite's
// sqlite_master, PostgreSQL's information_schema for the current schema
// (materialized views are not tables). Internal to backup/.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "backup/backup.h"
#include "base/result.h"
#include "storage/database.h"

namespace analytics::backup {

// In `tx` (one snapshot), tables sorted by name. `dialect`: "sqlite" or
// "postgresql". PostgreSQL hashes server-side; SQLite reads every row.
Result<std::vector<TableEntry>> TableChecksums(storage::Transaction& tx, std::string_view dialect);

// The same in a fresh read transaction of `db`, without a statement timeout.
Result<std::vector<TableEntry>> TableChecksums(storage::Database& db);

// Rows of every table (as TableChecksums discovers them), by name.
Result<std::map<std::string, std::int64_t>> TableRowCounts(storage::Transaction& tx,
                                                           std::string_view dialect);
// PostgreSQL: when `table` has an "id" column fed by a sequence, sets that
// sequence so the next id is max(id) + 1 (after rows were copied in).
Result<void> ResetIdSequence(storage::Transaction& tx, const std::string& table);

// The newest migration applied (schema_migrations), 0 when none.
Result<int> SchemaVersion(storage::Transaction& tx);

// SQLite's row text (docs/backup.md): values tab-separated in column order,
// NULL as \N, text with \\ \t \n \r escaped, integers in decimal, reals as
// %.17g (a blob as its bytes, escaped as text).
std::string SqliteRowText(const storage::Row& row);
// The first 8 bytes of SHA-256 of `text`, big-endian.
std::uint64_t RowHash(std::string_view text);
// 16 lower-case hex digits.
std::string ChecksumHex(std::uint64_t sum);

// "\"name\"" with inner quotes doubled.
std::string QuoteIdent(std::string_view name);

}  // namespace analytics::backup
