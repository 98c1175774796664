// The WritePath of one statement per row, through the repositories' one-row
// statements. SQLite's whole write path: in-process, a statement costs
// microseconds, so batching would buy nothing, and writes are already serial
// (one writer connection). PostgreSQL's write path extends it, overriding
// each write where it has a faster way, and falls back to it below the sizes
// where that way pays.
#pragma once

#include "storage/write_path.h"

namespace analytics::storage {

class Transaction;

class RowByRowWritePath : public WritePath {
 public:
  explicit RowByRowWritePath(Transaction& tx) : tx_(tx) {}

  Result<std::vector<std::int64_t>> InsertTasks(const std::vector<model::Task>& tasks) override;
  Result<void> AppendCreates(const AuditEntry& common,
                             const std::vector<model::Task>& tasks) override;
  Result<std::vector<Row>> AddToBuckets(const std::string& user_id,
                                        const std::vector<DayChange>& changes) override;
  // The statements of a batch of one, in its order, in the caller's
  // transaction. Returns no user state (CreatedTask::after is nullopt): the
  // caller then invalidates the user's cache instead of writing it through.
  Result<CreatedTask> CreateTask(const model::Task& task, const AuditEntry& audit,
                                 Time now) override;

 private:
  Transaction& tx_;
};

}  // namespace analytics::storage
