// TaskRepository's upkeep and reads of open_due_days: a user's open tasks
// counted per UTC due day, so that overdue (SPEC §3) reads a few dozen
// bucket rows and one short index range instead of every open task.
#include <algorithm>
#include <vector>

#include "base/check.h"
#include "storage/task_repository.h"

namespace analytics::storage {

bool IsOpenWithDueDate(const model::Task& task) {
  return !task.deleted && task.due_at.has_value() &&
         (task.status == model::TaskStatus::kTodo || task.status == model::TaskStatus::kInProgress);
}

void AddOpenDue(OpenDueDays& days, const model::Task& task, int sign) {
  if (!IsOpenWithDueDate(task)) return;
  days[DayOf(*task.due_at)] += sign;
}

Result<void> TaskRepository::AddToOpenDueDays(const std::string& user_id, const OpenDueDays& delta,
                                              std::optional<Day> today) {
  // Ascending day order everywhere, so two writers never lock buckets in
  // opposite orders.
  std::vector<DayChange> changes;
  for (const auto& [day, n] : delta) {
    if (n != 0) changes.emplace_back(FormatDay(day), n);
  }
  if (changes.empty()) return Ok();
  auto rows = tx_.write_path().AddToBuckets(user_id, changes);
  if (!rows.ok()) return rows.error();
  // Only a decrement can empty a bucket; empty buckets go so that a user's
  // rows stay as few as the days on which open tasks are due.
  for (const Row& row : *rows) {
    if (row.Int(1) != 0) continue;
    auto deleted =
        tx_.Execute("DELETE FROM open_due_days WHERE user_id = $1 AND due_day = $2 AND n = 0",
                    {user_id, row.Text(0)});
    if (!deleted.ok()) return deleted.error();
  }
  // user_aggregates.overdue_before counts the buckets before overdue_day.
  auto base = tx_.Query("SELECT overdue_day FROM user_aggregates WHERE user_id = $1", {user_id});
  if (!base.ok()) return base.error();
  if (base->empty()) return NotFound("user '" + user_id + "' not found");
  const Day overdue_day = StoredDay(base->front().Text(0));
  std::int64_t before = 0;
  for (const auto& [day, n] : delta) {
    if (day < overdue_day) before += n;
  }
  const Day new_day = today ? std::max(overdue_day, *today) : overdue_day;
  if (before == 0 && new_day == overdue_day) return Ok();
  // The buckets overdue_day passes, as this transaction left them: the user
  // is locked, so no other write can change them before it commits.
  auto moved = tx_.Execute(
      "UPDATE user_aggregates SET overdue_before = overdue_before + $2 + "
      "COALESCE((SELECT SUM(n) FROM open_due_days WHERE user_id = $1 AND due_day >= $3 AND "
      "due_day < $4), 0), overdue_day = $4 WHERE user_id = $1",
      {user_id, before, FormatDay(overdue_day), FormatDay(new_day)});
  if (!moved.ok()) return moved.error();
  return Ok();
}

Result<std::vector<Row>> TaskRepository::AddToBucketsEach(const std::string& user_id,
                                                          const std::vector<DayChange>& changes) {
  std::vector<Row> rows;
  for (const auto& [day, n] : changes) {
    auto upserted = tx_.Query(
        "INSERT INTO open_due_days (user_id, due_day, n) VALUES ($1, $2, $3) "
        "ON CONFLICT (user_id, due_day) DO UPDATE SET n = open_due_days.n + excluded.n "
        "RETURNING due_day, n",
        {user_id, day, n});
    if (!upserted.ok()) return upserted.error();
    for (Row& row : *upserted) rows.push_back(std::move(row));
  }
  return rows;
}

Result<void> TaskRepository::RecordChange(const std::optional<model::Task>& before,
                                          const model::Task& after, std::optional<Day> today) {
  ANALYTICS_CHECK(!before || before->user_id == after.user_id) << "a task changed user";
  model::UserAggregates delta = Contribution(after);
  OpenDueDays due;
  if (before) {
    delta = Subtract(delta, Contribution(*before));
    AddOpenDue(due, *before, -1);
  }
  AddOpenDue(due, after, +1);
  ANALYTICS_RETURN_IF_ERROR(AddToAggregates(after.user_id, delta));
  return AddToOpenDueDays(after.user_id, due, today);
}

Result<std::int64_t> TaskRepository::CountOverdue(const std::string& user_id, Time now) {
  auto state = LoadAggregatesAndOverdue(user_id, now);
  if (!state.ok()) return state.error();
  return state->overdue;
}

Result<OpenDueDays> TaskRepository::LoadOpenDueDays(const std::string& user_id) {
  OpenDueDays days;
  auto rows = tx_.Query("SELECT due_day, n FROM open_due_days WHERE user_id = $1", {user_id});
  if (!rows.ok()) return rows.error();
  for (const Row& row : *rows) {
    days[StoredDay(row.Text(0))] += row.Int(1);
  }
  return days;
}

Result<OpenDueDays> TaskRepository::ComputeOpenDueDaysFromTasks(const std::string& user_id) {
  OpenDueDays days;
  auto rows = tx_.Query(
      "SELECT due_at FROM tasks WHERE user_id = $1 AND deleted = FALSE "
      "AND status IN ('todo', 'in_progress') AND due_at IS NOT NULL",
      {user_id});
  if (!rows.ok()) return rows.error();
  for (const Row& row : *rows) ++days[DayOf(row.TimeAt(0))];
  return days;
}

}  // namespace analytics::storage
