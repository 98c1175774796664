// SQL for tasks and the per-user aggregates kept beside them. Not
// thread-safe; lives inside one transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "model/stats.h"
#include "model/task.h"
#include "storage/database.h"

namespace analytics::storage {

struct TaskFilter {
  std::string user_id;
  std::optional<model::TaskStatus> status;
  std::optional<model::Priority> priority;
  bool include_deleted = false;
  std::optional<Time> created_from;  // inclusive
  std::optional<Time> created_to;    // exclusive
  std::int64_t after_id = 0;         // keyset cursor: ids greater than this
  int limit = 100;
};

class TaskRepository {
 public:
  explicit TaskRepository(Transaction& tx) : tx_(tx) {}

  // Inserts the task and returns it with its new id.
  Result<model::Task> Insert(const model::Task& task);
  // Errors: kNotFound (also when the task belongs to another user).
  Result<model::Task> Find(const std::string& user_id, std::int64_t id);
  // Writes every mutable column of `task` (matched by id and user_id).
  Result<void> Update(const model::Task& task);
  // Tasks matching `filter`, in id order.
  Result<std::vector<model::Task>> List(const TaskFilter& filter);

  // The running aggregates. Errors: kNotFound (no such user).
  Result<model::UserAggregates> LoadAggregates(const std::string& user_id);
  // Adds `delta` to the user's aggregates. Errors: kNotFound (no such user).
  Result<void> AddToAggregates(const std::string& user_id, const model::UserAggregates& delta);
  // Non-deleted todo/in_progress tasks with due_at < now (SPEC §3 overdue).
  Result<std::int64_t> CountOverdue(const std::string& user_id, Time now);
  // The aggregates recomputed from the tasks themselves: the slow, checkable truth.
  Result<model::UserAggregates> ComputeAggregatesFromTasks(const std::string& user_id);

 private:
  Transaction& tx_;
};

// What one task contributes to its user's aggregates (zero when deleted).
model::UserAggregates Contribution(const model::Task& task);
// a - b, field by field.
model::UserAggregates Subtract(const model::UserAggregates& a, const model::UserAggregates& b);
model::UserAggregates Add(const model::UserAggregates& a, const model::UserAggregates& b);

}  // namespace analytics::storage
