#include "storage/stats_repository.h"

namespace analytics::storage {
namespace {

constexpr std::string_view kPopulation =
    "user_id = $1 AND deleted = FALSE AND status <> 'cancelled'";

Result<std::map<Day, std::int64_t>> GroupByDay(Transaction& tx, const Dialect& dialect,
                                               std::string_view column,
                                               std::string_view extra_filter,
                                               const std::string& user_id, Day from, Day to) {
  std::string day = dialect.DayOf(column);
  std::string sql = "SELECT " + day + " AS d, COUNT(*) FROM tasks WHERE " +
                    std::string(kPopulation) + std::string(extra_filter) + " AND " +
                    std::string(column) + " >= $2 AND " + std::string(column) + " < $3 GROUP BY " +
                    day;
  auto rows = tx.Query(sql, {user_id, Time{from}, Time{to}});
  if (!rows.ok()) return rows.error();
  std::map<Day, std::int64_t> counts;
  for (const Row& row : *rows) {
    counts[StoredDay(row.Text(0))] = row.Int(1);
  }
  return counts;
}

}  // namespace

Result<DayCounts> StatsRepository::CountByDay(const std::string& user_id, Day from, Day to) {
  DayCounts counts;
  auto before = tx_.Query(
      "SELECT COALESCE(SUM(CASE WHEN created_at < $2 THEN 1 ELSE 0 END), 0), "
      "COALESCE(SUM(CASE WHEN status = 'done' AND completed_at < $2 THEN 1 ELSE 0 END), 0) "
      "FROM tasks WHERE " +
          std::string(kPopulation),
      {user_id, Time{from}});
  if (!before.ok()) return before.error();
  counts.created_before = before->front().Int(0);
  counts.completed_before = before->front().Int(1);

  auto created = GroupByDay(tx_, dialect_, "created_at", "", user_id, from, to);
  if (!created.ok()) return created.error();
  counts.created = std::move(*created);
  auto completed =
      GroupByDay(tx_, dialect_, "completed_at", " AND status = 'done'", user_id, from, to);
  if (!completed.ok()) return completed.error();
  counts.completed = std::move(*completed);
  return counts;
}

Result<std::vector<model::DailyStats>> StatsRepository::DailyRows(const std::string& user_id,
                                                                  Day from, Day to) {
  constexpr std::string_view kCols =
      "user_id, date, tasks_created, tasks_completed, total_tasks, completed_tasks, "
      "completion_rate, productivity_score, computed_at";
  auto rows = tx_.Query("SELECT " + std::string(kCols) +
                            " FROM daily_analytics WHERE user_id = $1 AND date >= $2 AND date < "
                            "$3 UNION ALL SELECT " +
                            std::string(kCols) +
                            " FROM daily_analytics_archive WHERE user_id = $1 AND date >= $2 "
                            "AND date < $3 ORDER BY date",
                        {user_id, FormatDay(from), FormatDay(to)});
  if (!rows.ok()) return rows.error();
  std::vector<model::DailyStats> out;
  out.reserve(rows->size());
  for (const Row& r : *rows) {
    model::DailyStats d;
    d.user_id = r.Text(0);
    d.date = StoredDay(r.Text(1).substr(0, 10));
    d.tasks_created = r.Int(2);
    d.tasks_completed = r.Int(3);
    d.total_tasks = r.Int(4);
    d.completed_tasks = r.Int(5);
    d.completion_rate = r.Double(6);
    d.productivity_score = r.Double(7);
    d.computed_at = r.TimeAt(8);
    out.push_back(d);
  }
  return out;
}

}  // namespace analytics::storage
