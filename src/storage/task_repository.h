// SQL for tasks and the per-user rows derived from them and kept exact in
// every write's transaction: user_aggregates (counts and weights) and
// open_due_days (open tasks per UTC due day, for overdue without scanning).
// Not thread-safe; lives inside one transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "model/stats.h"
#include "model/task.h"
#include "storage/audit_repository.h"
#include "storage/database.h"

namespace analytics::storage {

// What the overview is computed from: a user's aggregates and the number of
// open tasks due before `as_of`.
struct UserState {
  model::UserAggregates aggregates;
  std::int64_t overdue = 0;
  Time as_of;
};

// CreateOne's answer.
struct CreatedTask {
  std::int64_t id = 0;
  // The user's state with the new task counted, as the statement left it;
  // nullopt when another write of the user committed between the statement's
  // snapshot and its lock, so that the snapshot's overdue count misses it.
  std::optional<UserState> after;
};

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

// A user's open tasks (not deleted, todo or in_progress, with a due date)
// per UTC day of due_at: open_due_days rows, or a change to them.
using OpenDueDays = std::map<Day, std::int64_t>;

class TaskRepository {
 public:
  explicit TaskRepository(Transaction& tx) : tx_(tx) {}
  // With the dialect, bulk writes take a fixed number of statements where it
  // SupportsCopy() and SupportsArrayParams(); without, they go row by row.
  TaskRepository(Transaction& tx, const Dialect& dialect) : tx_(tx), dialect_(&dialect) {}

  // Inserts the task and returns it with its new id.
  Result<model::Task> Insert(const model::Task& task);
  // Inserts `tasks` (ids ignored) and returns their new ids, ascending, in input order.
  Result<std::vector<std::int64_t>> InsertBatch(const std::vector<model::Task>& tasks);
  // Whether CreateOne works on `dialect` (PostgreSQL: data-modifying WITH).
  static bool CreatesInOneStatement(const Dialect& dialect) {
    return dialect.SupportsArrayParams() && dialect.SupportsCopy();
  }
  // A whole create in one statement (for Database::WriteStatement): adds the
  // task's Contribution to the user's aggregates, which locks the user, then
  // inserts the task, appends `audit` (its CREATE row, written with the task
  // at id 0: the stored row names the new id) and counts the task in
  // open_due_days. Returns the new id and the user's state after the create
  // as of `now`. Errors: kNotFound (no such user).
  // REQUIRES: CreatesInOneStatement(dialect), `audit.after` is model::ToJson of the task.
  Result<CreatedTask> CreateOne(const model::Task& task, const AuditEntry& audit, Time now);
  // Errors: kNotFound (also when the task belongs to another user).
  Result<model::Task> Find(const std::string& user_id, std::int64_t id);
  // Writes every mutable column of `task` (matched by id and user_id).
  Result<void> Update(const model::Task& task);
  // Tasks matching `filter`, in id order.
  Result<std::vector<model::Task>> List(const TaskFilter& filter);

  // Locks the user's aggregates row until the transaction ends, so that writes
  // to one user's tasks run one after another and each reads the task as the
  // previous one left it. Returns false when there is no such user.
  Result<bool> LockUser(const std::string& user_id);
  // The running aggregates. Errors: kNotFound (no such user).
  Result<model::UserAggregates> LoadAggregates(const std::string& user_id);
  // LoadAggregates and CountOverdue in one statement (for Database::ReadStatement).
  // Errors: kNotFound (no such user).
  Result<UserState> LoadAggregatesAndOverdue(const std::string& user_id, Time now);
  // Adds `delta` to the user's aggregates. Errors: kNotFound (no such user).
  Result<void> AddToAggregates(const std::string& user_id, const model::UserAggregates& delta);
  // Adds `delta` to the user's open_due_days rows (in day order); a row whose
  // count reaches 0 is removed. The part of `delta` before the user's
  // overdue_day goes to overdue_before too; with `today`, overdue_day then
  // moves on to it (never back), taking the buckets it passes into
  // overdue_before. Errors: kNotFound (no such user).
  // REQUIRES: the user is locked in this transaction (LockUser, AddToAggregates),
  // which reads committed data statement by statement.
  Result<void> AddToOpenDueDays(const std::string& user_id, const OpenDueDays& delta,
                                std::optional<Day> today = std::nullopt);
  // Keeps user_aggregates and open_due_days exact after one write of a task:
  // `before` is the task as stored before (nullopt for a new task), `after` as now stored.
  // `today` as for AddToOpenDueDays.
  Result<void> RecordChange(const std::optional<model::Task>& before, const model::Task& after,
                            std::optional<Day> today = std::nullopt);
  // Non-deleted todo/in_progress tasks with due_at < now (SPEC §3 overdue), in
  // one statement: overdue_before and the few open_due_days rows between
  // overdue_day and today (UTC), plus the open tasks due between the start of
  // today and now (a short range of idx_tasks_open_due). Errors: kNotFound.
  Result<std::int64_t> CountOverdue(const std::string& user_id, Time now);
  // The aggregates recomputed from the tasks themselves: the slow, checkable truth.
  Result<model::UserAggregates> ComputeAggregatesFromTasks(const std::string& user_id);
  // The user's open_due_days rows, and the same recomputed from the tasks.
  Result<OpenDueDays> LoadOpenDueDays(const std::string& user_id);
  Result<OpenDueDays> ComputeOpenDueDaysFromTasks(const std::string& user_id);

 private:
  bool BulkWrites() const {
    return dialect_ != nullptr && dialect_->SupportsArrayParams() && dialect_->SupportsCopy();
  }

  Transaction& tx_;
  const Dialect* dialect_ = nullptr;
};

// Whether `task` counts in open_due_days (and is overdue once due_at passes).
bool IsOpenWithDueDate(const model::Task& task);
// Adds `sign` (+1 or -1) to `days` at the task's due day when it counts.
void AddOpenDue(OpenDueDays& days, const model::Task& task, int sign);

// What one task contributes to its user's aggregates (zero when deleted).
model::UserAggregates Contribution(const model::Task& task);
// a - b, field by field.
model::UserAggregates Subtract(const model::UserAggregates& a, const model::UserAggregates& b);
model::UserAggregates Add(const model::UserAggregates& a, const model::UserAggregates& b);

}  // namespace analytics::storage
