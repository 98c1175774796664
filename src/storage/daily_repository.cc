#include "storage/daily_repository.h"

#include <algorithm>

#include "model/task.h"

namespace analytics::storage {

Result<std::int64_t> DailyRepository::AggregateDay(Day day, Time computed_at) {
  std::string date = FormatDay(day);
  auto cleared = tx_.Execute("DELETE FROM daily_analytics WHERE date = $1", {date});
  if (!cleared.ok()) return cleared.error();
  // SPEC §3: over each user's non-deleted, non-cancelled tasks; a row exists
  // exactly when the user created or completed a task during the day; rates
  // use only what was created (and completed) before the end of the day.
  // $1 start of day, $2 end of day, $3 the date, $4 computed_at.
  auto inserted = tx_.Execute(
      "INSERT INTO daily_analytics (user_id, date, tasks_created, tasks_completed, total_tasks, "
      "completed_tasks, completion_rate, productivity_score, computed_at) "
      "SELECT user_id, " +
          dialect_.TypedParam(3, "DATE") +
          ", created_today, completed_today, total, completed, "
          "CASE WHEN total = 0 THEN 0 ELSE ROUND(100.0 * completed / total, 2) END, "
          "CASE WHEN weight = 0 THEN 0 ELSE ROUND(50.0 * weight_done_x2 / weight, 2) END, " +
          dialect_.TypedParam(4, "TIMESTAMPTZ") +
          " "
          "FROM (SELECT user_id, "
          "SUM(CASE WHEN created_at >= $1 THEN 1 ELSE 0 END) AS created_today, "
          "SUM(CASE WHEN done_by_end AND completed_at >= $1 THEN 1 ELSE 0 END) AS completed_today, "
          "COUNT(*) AS total, "
          "SUM(CASE WHEN done_by_end THEN 1 ELSE 0 END) AS completed, "
          "SUM(w) AS weight, "
          "SUM(CASE WHEN done_by_end THEN w * (CASE WHEN due_at IS NULL OR completed_at <= due_at "
          "THEN 2 ELSE 1 END) ELSE 0 END) AS weight_done_x2 "
          "FROM (SELECT user_id, created_at, completed_at, due_at, "
          "(status = 'done' AND completed_at < $2) AS done_by_end, " +
          model::WeightSql() +
          " AS w "
          "FROM tasks WHERE deleted = FALSE AND status <> 'cancelled' AND created_at < $2 "
          "AND user_id IN (SELECT user_id FROM tasks WHERE deleted = FALSE AND status <> "
          "'cancelled' "
          "AND created_at >= $1 AND created_at < $2 "
          "UNION SELECT user_id FROM tasks WHERE deleted = FALSE AND status = 'done' "
          "AND completed_at >= $1 AND completed_at < $2)) t "
          "GROUP BY user_id) agg",
      {Time{day}, Time{day + std::chrono::days{1}}, date, computed_at});
  if (!inserted.ok()) return inserted.error();
  return *inserted;
}

Result<std::int64_t> DailyRepository::AggregateRange(Day from, Day to, Time computed_at) {
  auto cleared = tx_.Execute("DELETE FROM daily_analytics WHERE date >= $1 AND date <= $2",
                             {FormatDay(from), FormatDay(to)});
  if (!cleared.ok()) return cleared.error();
  std::string created_day = dialect_.DayOf("created_at");
  std::string completed_day = dialect_.DayOf("completed_at");
  // The same definitions as AggregateDay (SPEC §3): a user's row for day d
  // exists when a task was created or completed on d; totals, completions and
  // weights are running sums over the user's days up to d. Completions never
  // precede creation (the API refuses it), so "completed before the end of d"
  // implies "created before the end of d".
  // $1 first day, $2 last day (text), $3 end of the last day, $4 computed_at.
  std::string sql =
      "WITH t AS (SELECT user_id, status, created_at, completed_at, due_at, " + model::WeightSql() +
      " AS w "
      "FROM tasks WHERE deleted = FALSE AND status <> 'cancelled' AND created_at < $3), "
      "ev AS (SELECT user_id, " +
      created_day +
      " AS d, 1 AS c, 0 AS k, w AS wt, 0 AS wd FROM t "
      "UNION ALL SELECT user_id, " +
      completed_day +
      ", 0, 1, 0, w * (CASE WHEN due_at IS NULL OR completed_at <= due_at THEN 2 ELSE 1 END) "
      "FROM t WHERE status = 'done' AND completed_at < $3), "
      "daily AS (SELECT user_id, d, SUM(c) AS c, SUM(k) AS k, SUM(wt) AS wt, SUM(wd) AS wd "
      "FROM ev GROUP BY user_id, d), "
      "cum AS (SELECT user_id, d, c, k, SUM(c) OVER w AS total, SUM(k) OVER w AS done, "
      "SUM(wt) OVER w AS wt, SUM(wd) OVER w AS wd FROM daily "
      "WINDOW w AS (PARTITION BY user_id ORDER BY d)) "
      "INSERT INTO daily_analytics (user_id, date, tasks_created, tasks_completed, total_tasks, "
      "completed_tasks, completion_rate, productivity_score, computed_at) "
      "SELECT user_id, " +
      dialect_.DateFromText("d") +
      ", c, k, total, done, "
      "CASE WHEN total = 0 THEN 0 ELSE ROUND(100.0 * done / total, 2) END, "
      "CASE WHEN wt = 0 THEN 0 ELSE ROUND(50.0 * wd / wt, 2) END, " +
      dialect_.TypedParam(4, "TIMESTAMPTZ") + " FROM cum WHERE d >= $1 AND d <= $2";
  auto inserted = tx_.Execute(
      sql, {FormatDay(from), FormatDay(to), Time{to + std::chrono::days{1}}, computed_at});
  if (!inserted.ok()) return inserted.error();
  return *inserted;
}

Result<std::int64_t> DailyRepository::ArchiveBefore(Day cutoff) {
  std::string date = FormatDay(cutoff);
  auto copied = tx_.Execute(
      "INSERT INTO daily_analytics_archive (user_id, date, tasks_created, tasks_completed, "
      "total_tasks, completed_tasks, completion_rate, productivity_score, computed_at) "
      "SELECT user_id, date, tasks_created, tasks_completed, total_tasks, completed_tasks, "
      "completion_rate, productivity_score, computed_at FROM daily_analytics WHERE date < $1 "
      "ON CONFLICT (user_id, date) DO UPDATE SET tasks_created = excluded.tasks_created, "
      "tasks_completed = excluded.tasks_completed, total_tasks = excluded.total_tasks, "
      "completed_tasks = excluded.completed_tasks, completion_rate = excluded.completion_rate, "
      "productivity_score = excluded.productivity_score, computed_at = excluded.computed_at",
      {date});
  if (!copied.ok()) return copied.error();
  auto deleted = tx_.Execute("DELETE FROM daily_analytics WHERE date < $1", {date});
  if (!deleted.ok()) return deleted.error();
  return *deleted;
}

Result<DailyRepository::ActiveUsers> DailyRepository::FindActiveUsers(Time since, int limit) {
  // One statement for both: the window counts the groups, and LIMIT keeps at
  // least one row so that the count arrives even when no user is wanted.
  auto rows = tx_.Query(
      "SELECT user_id, COUNT(*) AS updates, COUNT(*) OVER () FROM tasks WHERE updated_at >= $1 "
      "GROUP BY user_id ORDER BY updates DESC, user_id LIMIT $2",
      {since, std::int64_t{std::max(limit, 1)}});
  if (!rows.ok()) return rows.error();
  ActiveUsers active;
  if (!rows->empty()) active.total = rows->front().Int(2);
  for (const Row& r : *rows) {
    if (static_cast<int>(active.most_active.size()) >= limit) break;
    active.most_active.emplace_back(r.Text(0), r.Int(1));
  }
  return active;
}

}  // namespace analytics::storage
