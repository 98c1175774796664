// The one part of the SQL that differs by backend: how a batch of rows, or a
// whole single-task create, is written in the fewest statements. Each backend
// implements it in its own folder (postgres/postgres_write_path.cc: COPY,
// array parameters, one data-modifying WITH; sqlite/sqlite_write_path.cc: row
// by row, which costs nothing in-process) and hands it out with every
// Transaction, so a repository cannot take another backend's path. The
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
