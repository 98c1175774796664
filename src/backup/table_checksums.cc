#include "backup/table_checksums.h"

#include <openssl/sha.h>

#include <charconv>
#include <cstdio>

namespace analytics::backup {
namespace {

using storage::Row;
using storage::Transaction;
using storage::Value;

// Tables of the schema, by name.
Result<std::vector<std::string>> TableNames(Transaction& tx, std::string_view dialect) {
  const std::string sql =
      dialect == "postgresql"
          ? "SELECT table_name FROM information_schema.tables WHERE table_schema = "
            "current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
          : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
            "ESCAPE '\\' ORDER BY name";
  auto rows = tx.Query(sql);
  if (!rows.ok()) return rows.error();
  std::vector<std::string> names;
  for (const Row& row : *rows) names.push_back(row.Text(0));
  return names;
}

// The sum of the row hashes mod 2^64 as a decimal numeric, computed by the
// server: each row's text is its composite text form (t::text) in UTF-8,
// under the session's TimeZone UTC and DateStyle ISO.
Result<TableEntry> PostgresTable(Transaction& tx, const std::string& name) {
  const std::string sql =
      "SELECT count(*)::text, (((coalesce(sum(('x' || encode(substring(sha256(convert_to("
      "t::text, 'UTF8')) FROM 1 FOR 8), 'hex'))::bit(64)::bigint::numeric), 0) "
      "% 18446744073709551616) + 18446744073709551616) % 18446744073709551616)::text FROM " +
      QuoteIdent(name) + " t";
  auto rows = tx.Query(sql);
  if (!rows.ok()) return rows.error();
  const std::string count = rows->at(0).Text(0);
  const std::string sum = rows->at(0).Text(1);
  TableEntry entry;
  entry.name = name;
  std::uint64_t value = 0;
  auto parsed = std::from_chars(sum.data(), sum.data() + sum.size(), value);
  auto counted = std::from_chars(count.data(), count.data() + count.size(), entry.rows);
  if (parsed.ec != std::errc() || counted.ec != std::errc()) {
    return Internal("checksum of " + name + ": unexpected server answer");
  }
  entry.checksum = ChecksumHex(value);
  return entry;
}

Result<TableEntry> SqliteTable(Transaction& tx, const std::string& name) {
  TableEntry entry;
  entry.name = name;
  std::uint64_t sum = 0;
  Result<void> read = tx.ForEach("SELECT * FROM " + QuoteIdent(name), {}, [&](const Row& row) {
    sum += RowHash(SqliteRowText(row));
    ++entry.rows;
    return true;
  });
  if (!read.ok()) return read.error();
  entry.checksum = ChecksumHex(sum);
  return entry;
}

void AppendEscaped(std::string& out, const std::string& text) {
  for (char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
}

}  // namespace

std::string QuoteIdent(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

std::uint64_t RowHash(std::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | digest[i];
  return value;
}

std::string ChecksumHex(std::uint64_t sum) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(sum));
  return buf;
}

std::string SqliteRowText(const Row& row) {
  std::string out;
  for (std::size_t i = 0; i < row.size(); ++i) {
    if (i > 0) out += '\t';
    const Value& v = row.raw(i);
    if (std::holds_alternative<std::nullptr_t>(v)) {
      out += "\\N";
    } else if (const auto* n = std::get_if<std::int64_t>(&v)) {
      out += std::to_string(*n);
    } else if (const auto* d = std::get_if<double>(&v)) {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.17g", *d);
      out += buf;
    } else if (const auto* s = std::get_if<std::string>(&v)) {
      AppendEscaped(out, *s);
    } else {
      AppendEscaped(out, row.Text(i));
    }
  }
  return out;
}

Result<std::vector<TableEntry>> TableChecksums(Transaction& tx, std::string_view dialect) {
  auto names = TableNames(tx, dialect);
  if (!names.ok()) return names.error();
  std::vector<TableEntry> tables;
  for (const std::string& name : *names) {
    auto entry = dialect == "postgresql" ? PostgresTable(tx, name) : SqliteTable(tx, name);
    if (!entry.ok()) return entry.error();
    tables.push_back(std::move(*entry));
  }
  return tables;
}

Result<std::vector<TableEntry>> TableChecksums(storage::Database& db) {
  return storage::ReadValue(db, [&db](Transaction& tx) -> Result<std::vector<TableEntry>> {
    const std::string lift = db.dialect().LiftStatementTimeout();
    if (!lift.empty()) {
      auto lifted = tx.Execute(lift);
      if (!lifted.ok()) return lifted.error();
    }
    return TableChecksums(tx, db.dialect().name());
  });
}

Result<std::map<std::string, std::int64_t>> TableRowCounts(Transaction& tx,
                                                           std::string_view dialect) {
  auto names = TableNames(tx, dialect);
  if (!names.ok()) return names.error();
  std::map<std::string, std::int64_t> counts;
  for (const std::string& name : *names) {
    auto rows = tx.Query("SELECT count(*) FROM " + QuoteIdent(name));
    if (!rows.ok()) return rows.error();
    counts[name] = rows->at(0).Int(0);
  }
  return counts;
}

Result<void> ResetIdSequence(Transaction& tx, const std::string& table) {
  auto has = tx.Query(
      "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() "
      "AND table_name = $1 AND column_name = 'id' AND (column_default LIKE 'nextval%' OR "
      "is_identity = 'YES')",
      {table});
  if (!has.ok()) return has.error();
  if (has->at(0).Int(0) == 0) return Ok();
  auto set = tx.Query(
      "SELECT setval(pg_get_serial_sequence($1, 'id'), coalesce((SELECT max(id) "
      "FROM " +
          QuoteIdent(table) + "), 0) + 1, false)",
      {QuoteIdent(table)});
  if (!set.ok()) return set.error();
  return Ok();
}

Result<int> SchemaVersion(Transaction& tx) {
  auto rows = tx.Query("SELECT coalesce(max(version), 0) FROM schema_migrations");
  if (!rows.ok()) return rows.error();
  return int(rows->at(0).Int(0));
}

}  // namespace analytics::backup
