// PostgreSQL's WritePath: batches as one COPY or one statement over array
// parameters (row by row when small), and a single create as one
// data-modifying WITH. Also the COPY
// text format (CopyRow) and the array literal it sends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/row_by_row_write_path.h"

namespace analytics::storage {

class PostgresConnection;

// How much COPY text a CopyFrom `fill` adds before it returns.
inline constexpr std::size_t kCopyPartBytes = 64 * 1024;
// Batches of fewer rows go row by row: a COPY is not a prepared statement
// and costs two round trips, ~0.5 ms each even for one row, where a prepared
// INSERT takes ~0.05 ms.
inline constexpr std::size_t kMinCopyRows = 16;

// Writes one row of COPY's text format: fields separated by tabs, NULL as
// \N, backslash, tab, newline and carriage return escaped; End() ends it.
class CopyRow {
 public:
  explicit CopyRow(std::string& out) : out_(out) {}
  CopyRow& Text(std::string_view text);
  CopyRow& Int(std::int64_t value);
  CopyRow& Bool(bool value) { return Raw(value ? "t" : "f"); }
  CopyRow& At(Time time);  // a timestamptz
  CopyRow& Null() { return Raw("\\N"); }
  CopyRow& OptionalText(const std::optional<std::string>& text) {
    return text ? Text(*text) : Null();
  }
  CopyRow& OptionalAt(const std::optional<Time>& time) { return time ? At(*time) : Null(); }
  void End() { out_ += '\n'; }

 private:
  CopyRow& Raw(std::string_view text);
  std::string& out_;
  bool first_ = true;
};

// `values` as one PostgreSQL array literal ({"a","b\"c",NULL}), for a
// parameter cast as `$n::text[]`: every element double-quoted with backslash
// escapes, so any text round-trips; elements as in a plain parameter.
std::string ArrayParam(const std::vector<Value>& values);

// The row-by-row write path, with each write done faster where PostgreSQL can.
class PostgresWritePath final : public RowByRowWritePath {
 public:
  explicit PostgresWritePath(PostgresConnection& connection);

  // One nextval() statement for the ids, then one COPY (row by row below kMinCopyRows).
  Result<std::vector<std::int64_t>> InsertTasks(const std::vector<model::Task>& tasks) override;
  // One COPY (row by row below kMinCopyRows).
  Result<void> AppendCreates(const AuditEntry& common,
                             const std::vector<model::Task>& tasks) override;
  // One INSERT … SELECT FROM unnest(…) for more than one day.
  Result<std::vector<Row>> AddToBuckets(const std::string& user_id,
                                        const std::vector<DayChange>& changes) override;
  // One statement; see TaskRepository::CreateOne.
  Result<CreatedTask> CreateTask(const model::Task& task, const AuditEntry& audit,
                                 Time now) override;

 private:
  PostgresConnection& connection_;
};

}  // namespace analytics::storage
