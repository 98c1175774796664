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
#include <string_view>
#include <vector>

#include "base/result.h"
#include "model/stats.h"
#include "model/task.h"
#include "storage/audit_repository.h"
#include "storage/database.h"
#include "storage/write_path.h"

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
  // Batches and whole creates go through the transaction's WritePath: a
  // fixed number of statements on PostgreSQL, row by row on SQLite.
  explicit TaskRepository(Transaction& tx) : tx_(tx) {}

  // Inserts the task and returns it with its new id.
  Result<model::Task> Insert(const model::Task& task);
  // Inserts `tasks` (ids ignored) and returns their new ids, ascending, in input order.
  Result<std::vector<std::int64_t>> InsertBatch(const std::vector<model::Task>& tasks);
  // A whole create, in one statement where the backend can (PostgreSQL; for
  // Database::WriteStatement): adds the task's Contribution to the user's
  // aggregates, which locks the user, then inserts the task, appends `audit`
  // (its CREATE row, written with the task at id 0: the stored row names the
  // new id) and counts the task in open_due_days as of `now`. Returns the new
  // id and, where that one statement read it, the user's state after the
  // create. Errors: kNotFound (no such user).
  // REQUIRES: `audit.after` is model::ToJson of the task at id 0.
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
  // AddToOpenDueDays's upserts one statement per day: the row-by-row WritePath.
  Result<std::vector<Row>> AddToBucketsEach(const std::string& user_id,
                                            const std::vector<DayChange>& changes);
  // The user's open_due_days rows, and the same recomputed from the tasks.
  Result<OpenDueDays> LoadOpenDueDays(const std::string& user_id);
  Result<OpenDueDays> ComputeOpenDueDaysFromTasks(const std::string& user_id);

 private:
  Transaction& tx_;
};

// The audit JSON head CreateOne's `audit.after` starts with: the task at id 0.
inline constexpr std::string_view kAuditJsonHead = "{\"id\":0";

// The user_aggregates columns in ToAggregates's order.
inline constexpr std::string_view kAggregateColumns =
    "todo, in_progress, done, cancelled, low, medium, high, urgent, weight_total, "
    "weight_done_x2";
inline constexpr int kAggregateColumnCount = 10;
// Open tasks of user $1 due before $4 (now), over that user's
// user_aggregates row: the buckets before $2 (today, UTC) are overdue_before
// (the buckets before overdue_day) plus the buckets from overdue_day to
// today, or minus those from today to overdue_day, a few rows either way;
// then the open tasks due between $3 (today's midnight) and now, a short
// range of idx_tasks_open_due.
inline constexpr std::string_view kOverdueSql =
    "CAST(user_aggregates.overdue_before + COALESCE((SELECT SUM(n) FROM open_due_days WHERE "
    "user_id = $1 AND due_day >= user_aggregates.overdue_day AND due_day < $2), 0) - "
    "COALESCE((SELECT SUM(n) FROM open_due_days WHERE user_id = $1 AND due_day >= $2 AND "
    "due_day < user_aggregates.overdue_day), 0) + "
    "(SELECT COUNT(*) FROM tasks WHERE user_id = $1 AND deleted = FALSE AND status IN ('todo', "
    "'in_progress') AND due_at IS NOT NULL AND due_at >= $3 AND due_at < $4) AS BIGINT)";
// The aggregate columns of `row`, from its column `first` on.
model::UserAggregates ToAggregates(const Row& row, int first = 0);

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
