#include "storage/task_repository.h"

#include "base/check.h"

namespace analytics::storage {
namespace {

constexpr std::string_view kColumns =
    "id, user_id, title, status, priority, due_at, created_at, updated_at, completed_at, "
    "deleted, deleted_at";

model::Task ToTask(const Row& row) {
  model::Task t;
  t.id = row.Int(0);
  t.user_id = row.Text(1);
  t.title = row.Text(2);
  auto status = model::ParseStatus(row.Text(3));
  if (!status) throw BadStoredValue("'" + row.Text(3) + "' is not a task status");
  t.status = *status;
  auto priority = model::ParsePriority(row.Text(4));
  if (!priority) throw BadStoredValue("'" + row.Text(4) + "' is not a task priority");
  t.priority = *priority;
  t.due_at = row.OptTime(5);
  t.created_at = row.TimeAt(6);
  t.updated_at = row.TimeAt(7);
  t.completed_at = row.OptTime(8);
  t.deleted = row.Bool(9);
  t.deleted_at = row.OptTime(10);
  return t;
}

std::string Str(std::string_view s) { return std::string(s); }

}  // namespace

Result<model::Task> TaskRepository::Insert(const model::Task& task) {
  auto rows = tx_.Query(
      "INSERT INTO tasks (user_id, title, status, priority, due_at, created_at, updated_at, "
      "completed_at, deleted, deleted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
      "RETURNING id",
      {task.user_id, task.title, Str(model::ToString(task.status)),
       Str(model::ToString(task.priority)), Nullable(task.due_at), task.created_at, task.updated_at,
       Nullable(task.completed_at), task.deleted, Nullable(task.deleted_at)});
  if (!rows.ok()) return rows.error();
  model::Task inserted = task;
  inserted.id = rows->front().Int(0);
  return inserted;
}

Result<std::vector<std::int64_t>> TaskRepository::InsertBatch(
    const std::vector<model::Task>& tasks) {
  return tx_.write_path().InsertTasks(tasks);
}

model::UserAggregates ToAggregates(const Row& row, int first) {
  model::UserAggregates a;
  a.todo = row.Int(first + 0);
  a.in_progress = row.Int(first + 1);
  a.done = row.Int(first + 2);
  a.cancelled = row.Int(first + 3);
  a.low = row.Int(first + 4);
  a.medium = row.Int(first + 5);
  a.high = row.Int(first + 6);
  a.urgent = row.Int(first + 7);
  a.weight_total = row.Int(first + 8);
  a.weight_done_x2 = row.Int(first + 9);
  return a;
}

Result<CreatedTask> TaskRepository::CreateOne(const model::Task& task, const AuditEntry& audit,
                                              Time now) {
  // The audit row's JSON is the task's with the id the INSERT assigns: sent
  // without its `{"id":0` head, which the write path puts back with the real id.
  ANALYTICS_CHECK(audit.after && audit.after->rfind(kAuditJsonHead, 0) == 0)
      << "CreateOne needs the task's JSON at id 0";
  return tx_.write_path().CreateTask(task, audit, now);
}

Result<model::Task> TaskRepository::Find(const std::string& user_id, std::int64_t id) {
  auto rows =
      tx_.Query("SELECT " + std::string(kColumns) + " FROM tasks WHERE id = $1 AND user_id = $2",
                {id, user_id});
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return NotFound("task " + std::to_string(id) + " not found");
  return ToTask(rows->front());
}

Result<void> TaskRepository::Update(const model::Task& task) {
  auto changed = tx_.Execute(
      "UPDATE tasks SET title = $3, status = $4, priority = $5, due_at = $6, updated_at = $7, "
      "completed_at = $8, deleted = $9, deleted_at = $10, created_at = $11 "
      "WHERE id = $1 AND user_id = $2",
      {task.id, task.user_id, task.title, Str(model::ToString(task.status)),
       Str(model::ToString(task.priority)), Nullable(task.due_at), task.updated_at,
       Nullable(task.completed_at), task.deleted, Nullable(task.deleted_at), task.created_at});
  if (!changed.ok()) return changed.error();
  if (*changed == 0) return NotFound("task " + std::to_string(task.id) + " not found");
  return Ok();
}

Result<std::vector<model::Task>> TaskRepository::List(const TaskFilter& filter) {
  std::string sql =
      "SELECT " + std::string(kColumns) + " FROM tasks WHERE user_id = $1 AND id > $2";
  Params params = {filter.user_id, filter.after_id};
  auto add = [&](std::string_view clause, Value value) {
    params.push_back(std::move(value));
    sql += " AND ";
    sql += clause;
    sql += " $" + std::to_string(params.size());
  };
  if (!filter.include_deleted) sql += " AND deleted = FALSE";
  if (filter.status) add("status =", Str(model::ToString(*filter.status)));
  if (filter.priority) add("priority =", Str(model::ToString(*filter.priority)));
  if (filter.created_from) add("created_at >=", *filter.created_from);
  if (filter.created_to) add("created_at <", *filter.created_to);
  params.push_back(std::int64_t{filter.limit});
  sql += " ORDER BY id LIMIT $" + std::to_string(params.size());

  auto rows = tx_.Query(sql, params);
  if (!rows.ok()) return rows.error();
  std::vector<model::Task> tasks;
  tasks.reserve(rows->size());
  for (const Row& row : *rows) tasks.push_back(ToTask(row));
  return tasks;
}

Result<bool> TaskRepository::LockUser(const std::string& user_id) {
  // A no-op UPDATE: it takes the row lock on PostgreSQL; SQLite already runs
  // one writer at a time.
  auto changed =
      tx_.Execute("UPDATE user_aggregates SET version = version WHERE user_id = $1", {user_id});
  if (!changed.ok()) return changed.error();
  return *changed > 0;
}

Result<model::UserAggregates> TaskRepository::LoadAggregates(const std::string& user_id) {
  auto rows = tx_.Query(
      "SELECT " + std::string(kAggregateColumns) + " FROM user_aggregates WHERE user_id = $1",
      {user_id});
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return NotFound("user '" + user_id + "' not found");
  return ToAggregates(rows->front());
}

Result<UserState> TaskRepository::LoadAggregatesAndOverdue(const std::string& user_id, Time now) {
  const Day today = DayOf(now);
  auto rows = tx_.Query("SELECT " + std::string(kAggregateColumns) + ", " +
                            std::string(kOverdueSql) + " FROM user_aggregates WHERE user_id = $1",
                        {user_id, FormatDay(today), Time{today}, now});
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return NotFound("user '" + user_id + "' not found");
  return UserState{ToAggregates(rows->front()), rows->front().Int(kAggregateColumnCount), now};
}

Result<void> TaskRepository::AddToAggregates(const std::string& user_id,
                                             const model::UserAggregates& d) {
  auto changed = tx_.Execute(
      "UPDATE user_aggregates SET todo = todo + $2, in_progress = in_progress + $3, "
      "done = done + $4, cancelled = cancelled + $5, low = low + $6, medium = medium + $7, "
      "high = high + $8, urgent = urgent + $9, weight_total = weight_total + $10, "
      "weight_done_x2 = weight_done_x2 + $11, version = version + 1 WHERE user_id = $1",
      {user_id, d.todo, d.in_progress, d.done, d.cancelled, d.low, d.medium, d.high, d.urgent,
       d.weight_total, d.weight_done_x2});
  if (!changed.ok()) return changed.error();
  if (*changed == 0) return NotFound("user '" + user_id + "' not found");
  return Ok();
}

Result<model::UserAggregates> TaskRepository::ComputeAggregatesFromTasks(
    const std::string& user_id) {
  static const std::string kSql =
      "SELECT "
      "COALESCE(SUM(CASE WHEN status = 'todo' THEN 1 ELSE 0 END), 0), "
      "COALESCE(SUM(CASE WHEN status = 'in_progress' THEN 1 ELSE 0 END), 0), "
      "COALESCE(SUM(CASE WHEN status = 'done' THEN 1 ELSE 0 END), 0), "
      "COALESCE(SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END), 0), "
      "COALESCE(SUM(CASE WHEN priority = 'low' THEN 1 ELSE 0 END), 0), "
      "COALESCE(SUM(CASE WHEN priority = 'medium' THEN 1 ELSE 0 END), 0), "
      "COALESCE(SUM(CASE WHEN priority = 'high' THEN 1 ELSE 0 END), 0), "
      "COALESCE(SUM(CASE WHEN priority = 'urgent' THEN 1 ELSE 0 END), 0), "
      "COALESCE(SUM(CASE WHEN status <> 'cancelled' THEN w ELSE 0 END), 0), "
      "COALESCE(SUM(CASE WHEN status = 'done' THEN w * (CASE WHEN due_at IS NULL OR "
      "completed_at <= due_at THEN 2 ELSE 1 END) ELSE 0 END), 0) "
      "FROM (SELECT status, priority, due_at, completed_at, " +
      model::WeightSql() + " AS w FROM tasks WHERE user_id = $1 AND deleted = FALSE) t";
  auto rows = tx_.Query(kSql, {user_id});
  if (!rows.ok()) return rows.error();
  return ToAggregates(rows->front());
}

model::UserAggregates Contribution(const model::Task& t) {
  model::UserAggregates a;
  if (t.deleted) return a;
  using model::Priority;
  using model::TaskStatus;
  switch (t.status) {
    case TaskStatus::kTodo:
      a.todo = 1;
      break;
    case TaskStatus::kInProgress:
      a.in_progress = 1;
      break;
    case TaskStatus::kDone:
      a.done = 1;
      break;
    case TaskStatus::kCancelled:
      a.cancelled = 1;
      break;
  }
  switch (t.priority) {
    case Priority::kLow:
      a.low = 1;
      break;
    case Priority::kMedium:
      a.medium = 1;
      break;
    case Priority::kHigh:
      a.high = 1;
      break;
    case Priority::kUrgent:
      a.urgent = 1;
      break;
  }
  if (t.status != TaskStatus::kCancelled) a.weight_total = model::Weight(t.priority);
  if (t.status == TaskStatus::kDone) {
    a.weight_done_x2 = model::Weight(t.priority) * model::OnTimeFactorX2(t);
  }
  return a;
}

namespace {
template <typename Op>
model::UserAggregates Combine(const model::UserAggregates& a, const model::UserAggregates& b,
                              Op op) {
  return model::UserAggregates{op(a.todo, b.todo),
                               op(a.in_progress, b.in_progress),
                               op(a.done, b.done),
                               op(a.cancelled, b.cancelled),
                               op(a.low, b.low),
                               op(a.medium, b.medium),
                               op(a.high, b.high),
                               op(a.urgent, b.urgent),
                               op(a.weight_total, b.weight_total),
                               op(a.weight_done_x2, b.weight_done_x2)};
}
}  // namespace

model::UserAggregates Subtract(const model::UserAggregates& a, const model::UserAggregates& b) {
  return Combine(a, b, [](std::int64_t x, std::int64_t y) { return x - y; });
}

model::UserAggregates Add(const model::UserAggregates& a, const model::UserAggregates& b) {
  return Combine(a, b, [](std::int64_t x, std::int64_t y) { return x + y; });
}

}  // namespace analytics::storage
