// The one part of the SQL that differs by backend: how a batch of rows, or a
// whole single-task create, is written in the fewest statements. Each backend
// hands out its own with every Transaction, so a repository cannot take
// another backend's path: SQLite the row-by-row one (row_by_row_write_path.h,
// which costs nothing in-process), PostgreSQL that one extended with COPY,
// array parameters and one data-modifying WITH (postgres/postgres_write_path.cc). The
// repositories (TaskRepository, AuditRepository) are its only callers.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/time.h"
#include "storage/value.h"

namespace analytics::model {
struct Task;
}

namespace analytics::storage {

struct AuditEntry;
struct CreatedTask;

// A change to one open_due_days bucket: the day ('YYYY-MM-DD') and what to add.
using DayChange = std::pair<std::string, std::int64_t>;

// Bound to one Transaction; not thread-safe.
class WritePath {
 public:
  virtual ~WritePath() = default;
  // TaskRepository::InsertBatch: inserts `tasks` (ids ignored) and returns
  // their new ids, ascending, in input order.
  virtual Result<std::vector<std::int64_t>> InsertTasks(const std::vector<model::Task>& tasks) = 0;
  // AuditRepository::AppendCreates: one CREATE row per task, in order.
  virtual Result<void> AppendCreates(const AuditEntry& common,
                                     const std::vector<model::Task>& tasks) = 0;
  // Adds each change (ascending days) to the user's open_due_days bucket,
  // creating it; returns every changed bucket as a (due_day, n) row.
  virtual Result<std::vector<Row>> AddToBuckets(const std::string& user_id,
                                                const std::vector<DayChange>& changes) = 0;
  // TaskRepository::CreateOne. REQUIRES: `audit.after` is model::ToJson of
  // the task at id 0 (checked by the repository).
  virtual Result<CreatedTask> CreateTask(const model::Task& task, const AuditEntry& audit,
                                         Time now) = 0;
};

}  // namespace analytics::storage
