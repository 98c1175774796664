#include "storage/anomaly_repository.h"

#include <array>

#include "model/task.h"

namespace analytics::storage {
namespace {

constexpr std::array<const char*, 10> kCounters = {
    "todo",   "in_progress", "done",   "cancelled",    "low",
    "medium", "high",        "urgent", "weight_total", "weight_done_x2"};

// The recount of user_aggregates' counters from tasks, by user.
std::string Recount() {
  return "SELECT user_id, "
         "SUM(CASE WHEN status = 'todo' THEN 1 ELSE 0 END) AS todo, "
         "SUM(CASE WHEN status = 'in_progress' THEN 1 ELSE 0 END) AS in_progress, "
         "SUM(CASE WHEN status = 'done' THEN 1 ELSE 0 END) AS done, "
         "SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END) AS cancelled, "
         "SUM(CASE WHEN priority = 'low' THEN 1 ELSE 0 END) AS low, "
         "SUM(CASE WHEN priority = 'medium' THEN 1 ELSE 0 END) AS medium, "
         "SUM(CASE WHEN priority = 'high' THEN 1 ELSE 0 END) AS high, "
         "SUM(CASE WHEN priority = 'urgent' THEN 1 ELSE 0 END) AS urgent, "
         "SUM(CASE WHEN status <> 'cancelled' THEN w ELSE 0 END) AS weight_total, "
         "SUM(CASE WHEN status = 'done' THEN w * (CASE WHEN due_at IS NULL OR completed_at <= "
         "due_at THEN 2 ELSE 1 END) ELSE 0 END) AS weight_done_x2 "
         "FROM (SELECT user_id, status, priority, due_at, completed_at, " +
         model::WeightSql() + " AS w FROM tasks WHERE deleted = FALSE) t GROUP BY user_id";
}

std::vector<AnomalyRow> Rows(const std::vector<Row>& rows) {
  std::vector<AnomalyRow> out;
  for (const Row& r : rows) out.push_back({r.Text(0), r.Text(1), r.Double(2), r.Double(3)});
  return out;
}

}  // namespace

Result<std::vector<AnomalyRow>> AnomalyRepository::RateOutOfRange(Day day,
                                                                  const std::string& column,
                                                                  int limit) {
  // `column` is one of two names from ops/, never input.
  auto rows = tx_.Query("SELECT user_id, '" + column + "', " + column + ", CASE WHEN " + column +
                            " < 0 THEN 0 ELSE 100 END FROM daily_analytics WHERE date = " +
                            dialect_.DateFromText("$1") + " AND (" + column + " < 0 OR " + column +
                            " > 100) ORDER BY user_id LIMIT $2",
                        {FormatDay(day), std::int64_t{limit}});
  if (!rows.ok()) return rows.error();
  return Rows(*rows);
}

Result<std::vector<AnomalyRow>> AnomalyRepository::MissingDailyRows(Day day, int limit) {
  const std::string date = dialect_.DateFromText("$3");
  auto rows = tx_.Query(
      "SELECT user_id, 'daily_analytics', COUNT(*), 0 FROM ("
      "SELECT user_id FROM tasks WHERE deleted = FALSE AND status <> 'cancelled' "
      "AND created_at >= $1 AND created_at < $2 "
      "UNION ALL SELECT user_id FROM tasks WHERE deleted = FALSE AND status = 'done' "
      "AND completed_at >= $1 AND completed_at < $2) e "
      "WHERE NOT EXISTS (SELECT 1 FROM daily_analytics d WHERE d.user_id = e.user_id AND "
      "d.date = " +
          date +
          ") AND NOT EXISTS (SELECT 1 FROM daily_analytics_archive d WHERE "
          "d.user_id = e.user_id AND d.date = " +
          date +
          ") "
          "GROUP BY user_id ORDER BY user_id LIMIT $4",
      {Time{day}, Time{day + std::chrono::days{1}}, FormatDay(day), std::int64_t{limit}});
  if (!rows.ok()) return rows.error();
  return Rows(*rows);
}

Result<std::vector<AnomalyRow>> AnomalyRepository::AggregateMismatches(int limit) {
  std::string stored, counted, zeros, recounted, differs;
  for (const char* c : kCounters) {
    const std::string name(c);
    stored += ", a." + name + " AS a_" + name;
    counted += ", COALESCE(c." + name + ", 0) AS c_" + name;
    zeros += ", 0";
    recounted += ", c." + name;
    differs += std::string(differs.empty() ? "" : " OR ") + "a_" + name + " <> c_" + name;
  }
  auto rows =
      tx_.Query("WITH c AS (" + Recount() + ") SELECT * FROM (SELECT a.user_id" + stored + counted +
                    " FROM user_aggregates a LEFT JOIN c ON c.user_id = a.user_id "
                    "UNION ALL SELECT c.user_id" +
                    zeros + recounted +
                    " FROM c WHERE NOT EXISTS (SELECT 1 FROM user_aggregates a WHERE a.user_id = "
                    "c.user_id)) x WHERE " +
                    differs + " ORDER BY user_id LIMIT $1",
                {std::int64_t{limit}});
  if (!rows.ok()) return rows.error();
  std::vector<AnomalyRow> out;
  for (const Row& r : *rows) {
    for (std::size_t i = 0; i < kCounters.size(); ++i) {
      const std::int64_t stored_value = r.Int(1 + i);
      const std::int64_t counted_value = r.Int(1 + kCounters.size() + i);
      if (stored_value == counted_value) continue;
      out.push_back({r.Text(0), kCounters[i], double(stored_value), double(counted_value)});
    }
  }
  return out;
}

Result<std::vector<AnomalyRow>> AnomalyRepository::OpenDueMismatches(int limit) {
  const std::string due_day = dialect_.DayOf("due_at");
  const std::string open =
      "deleted = FALSE AND status IN ('todo', 'in_progress') AND due_at IS NOT NULL";
  auto rows = tx_.Query(
      "SELECT user_id, d, n_stored, n_counted FROM ("
      "SELECT c.user_id, c.d, COALESCE(o.n, 0) AS n_stored, c.n AS n_counted FROM "
      "(SELECT user_id, " +
          due_day + " AS d, COUNT(*) AS n FROM tasks WHERE " + open + " GROUP BY user_id, " +
          due_day +
          ") c LEFT JOIN open_due_days o ON o.user_id = "
          "c.user_id AND o.due_day = " +
          dialect_.DateFromText("c.d") +
          " WHERE o.n IS NULL OR o.n <> c.n "
          "UNION ALL SELECT o.user_id, CAST(o.due_day AS TEXT), o.n, 0 FROM open_due_days o "
          "WHERE o.n <> 0 AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.user_id = o.user_id "
          "AND t.deleted = FALSE AND t.status IN ('todo', 'in_progress') AND t.due_at IS NOT "
          "NULL AND " +
          dialect_.DateFromText(dialect_.DayOf("t.due_at")) +
          " = o.due_day)) x ORDER BY user_id, d LIMIT $1",
      {std::int64_t{limit}});
  if (!rows.ok()) return rows.error();
  return Rows(*rows);
}

Result<std::vector<AnomalyRow>> AnomalyRepository::ActivityDrops(Day day, std::int64_t min_prior,
                                                                 int limit) {
  auto rows = tx_.Query(
      "SELECT user_id, 'activity', today, prior FROM (SELECT user_id, "
      "SUM(CASE WHEN at < $2 THEN 1 ELSE 0 END) AS prior, "
      "SUM(CASE WHEN at >= $2 THEN 1 ELSE 0 END) AS today FROM ("
      "SELECT user_id, created_at AS at FROM tasks WHERE deleted = FALSE "
      "AND created_at >= $1 AND created_at < $3 "
      "UNION ALL SELECT user_id, completed_at FROM tasks WHERE deleted = FALSE "
      "AND completed_at >= $1 AND completed_at < $3) e GROUP BY user_id) x "
      "WHERE prior >= $4 AND today = 0 ORDER BY user_id LIMIT $5",
      {Time{day - std::chrono::days{7}}, Time{day}, Time{day + std::chrono::days{1}}, min_prior,
       std::int64_t{limit}});
  if (!rows.ok()) return rows.error();
  return Rows(*rows);
}

Result<void> RebuildTaskAggregates(Transaction& tx, const Dialect& dialect) {
  std::string zero, from_recount;
  for (const char* c : kCounters) {
    const std::string name(c);
    zero += std::string(zero.empty() ? "" : ", ") + name + " = 0";
    from_recount += std::string(from_recount.empty() ? "" : ", ") + name + " = c." + name;
  }
  const std::string due_day = dialect.DayOf("due_at");
  const std::string statements[] = {
      // Every user has a row (a restored user_aggregates may predate some).
      "INSERT INTO user_aggregates (user_id) SELECT id FROM users u WHERE NOT EXISTS "
      "(SELECT 1 FROM user_aggregates a WHERE a.user_id = u.id)",
      "UPDATE user_aggregates SET " + zero + ", version = version + 1",
      "UPDATE user_aggregates SET " + from_recount + " FROM (" + Recount() +
          ") c WHERE c.user_id = user_aggregates.user_id",
      "DELETE FROM open_due_days",
      "INSERT INTO open_due_days (user_id, due_day, n) SELECT user_id, " +
          dialect.DateFromText(due_day) +
          ", COUNT(*) FROM tasks WHERE deleted = FALSE AND status IN ('todo', 'in_progress') "
          "AND due_at IS NOT NULL GROUP BY user_id, " +
          due_day,
      "UPDATE user_aggregates SET overdue_before = COALESCE((SELECT SUM(n) FROM open_due_days d "
      "WHERE d.user_id = user_aggregates.user_id AND d.due_day < user_aggregates.overdue_day), 0)",
  };
  for (const std::string& sql : statements) {
    auto done = tx.Execute(sql);
    if (!done.ok()) return done.error();
  }
  return Ok();
}

}  // namespace analytics::storage
