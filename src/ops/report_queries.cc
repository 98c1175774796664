// The reports' database side: the signal store, pg_stat_statements, users,
// tasks, job_runs and alert_events. SQL written once for both backends.
#include <map>

#include "ops/reports.h"

namespace analytics::ops {
namespace {

using storage::Row;
using storage::Transaction;

Result<std::vector<Row>> Rows(storage::Database& db, std::string sql, storage::Params params) {
  return storage::ReadValue(db, [&](Transaction& tx) { return tx.Query(sql, params); });
}

std::int64_t Scalar(const std::vector<Row>& rows) { return rows.empty() ? 0 : rows[0].Int(0); }

}  // namespace

Result<HitRate> CacheHitRate(storage::Database& db, Time from, Time to,
                             std::chrono::seconds sample_interval) {
  // A raw sample (step_s 0) covers one sample interval; a downsampled row
  // covers its step.
  auto rows = Rows(db,
                   "SELECT SUM(value * CASE WHEN step_s > 0 THEN step_s ELSE $3 END), "
                   "SUM(CASE WHEN step_s > 0 THEN step_s ELSE $3 END), COUNT(*) "
                   "FROM signal_samples WHERE name = 'cache_hit_rate' AND at >= $1 AND at < $2",
                   {from, to, std::int64_t(std::max<std::int64_t>(1, sample_interval.count()))});
  if (!rows.ok()) return rows.error();
  HitRate rate;
  if (rows->empty() || (*rows)[0].Int(2) == 0) return rate;
  const Row& row = (*rows)[0];
  rate.samples = row.Int(2);
  if (row.Double(1) > 0) rate.percent = row.Double(0) / row.Double(1);
  return rate;
}

SlowQueries SlowestQueries(storage::Database& db, int limit) {
  SlowQueries out;
  if (db.dialect().name() != "postgresql") {
    out.hint = "SQLite has no pg_stat_statements: slow queries are reported on PostgreSQL only";
    return out;
  }
  auto loaded =
      Rows(db, "SELECT COUNT(*) FROM pg_extension WHERE extname = 'pg_stat_statements'", {});
  if (!loaded.ok() || Scalar(*loaded) == 0) {
    out.hint =
        "pg_stat_statements is not installed: add it to shared_preload_libraries and run "
        "CREATE EXTENSION pg_stat_statements (runbook: Slow Query Optimization)";
    return out;
  }
  auto rows = Rows(db,
                   "SELECT query, calls, total_exec_time, mean_exec_time, max_exec_time "
                   "FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database "
                   "WHERE datname = current_database()) ORDER BY mean_exec_time DESC LIMIT $1",
                   {std::int64_t{limit}});
  if (!rows.ok()) {
    out.hint = "pg_stat_statements is installed but not loaded (shared_preload_libraries): " +
               rows.error().message;
    return out;
  }
  for (const Row& r : *rows) {
    out.rows.push_back(SlowQuery{r.Text(0), r.Int(1), r.Double(2), r.Double(3), r.Double(4)});
  }
  return out;
}

Result<std::vector<DayCount>> NewUsersPerDay(storage::Database& db, Time from, Time to) {
  const std::string day = db.dialect().DayOf("created_at");
  auto rows = Rows(db,
                   "SELECT " + day +
                       " AS d, COUNT(*) FROM users WHERE created_at >= $1 AND "
                       "created_at < $2 GROUP BY d ORDER BY d",
                   {from, to});
  if (!rows.ok()) return rows.error();
  std::vector<DayCount> out;
  for (const Row& r : *rows) out.push_back(DayCount{storage::StoredDay(r.Text(0)), r.Int(1)});
  return out;
}

Result<std::vector<JobRunCount>> JobRunsBetween(storage::Database& db, Time from, Time to) {
  auto rows = Rows(db,
                   "SELECT job, status, COUNT(*) FROM job_runs WHERE started_at >= $1 AND "
                   "started_at < $2 GROUP BY job, status ORDER BY job",
                   {from, to});
  if (!rows.ok()) return rows.error();
  std::map<std::string, JobRunCount> by_job;
  for (const Row& r : *rows) {
    JobRunCount& c = by_job[r.Text(0)];
    c.job = r.Text(0);
    const std::string status = r.Text(1);
    (status == "succeeded" ? c.succeeded : status == "failed" ? c.failed : c.running) += r.Int(2);
  }
  std::vector<JobRunCount> out;
  for (auto& [job, c] : by_job) out.push_back(std::move(c));
  return out;
}

Result<Activity> ActivityBetween(storage::Database& db, Time from, Time to) {
  auto rows =
      Rows(db,
           "SELECT (SELECT COUNT(*) FROM users WHERE created_at >= $1 AND created_at < $2), "
           "(SELECT COUNT(*) FROM tasks WHERE created_at >= $1 AND created_at < $2), "
           "(SELECT COUNT(*) FROM tasks WHERE completed_at >= $1 AND completed_at < $2)",
           {from, to});
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return Activity{};
  const Row& r = (*rows)[0];
  return Activity{r.Int(0), r.Int(1), r.Int(2)};
}

Result<std::vector<AlertFired>> AlertsFiredBetween(storage::Database& db, Time from, Time to) {
  auto rows = Rows(db,
                   "SELECT rule, severity, at, value FROM alert_events WHERE state = 'firing' "
                   "AND at >= $1 AND at < $2 ORDER BY at, id",
                   {from, to});
  if (!rows.ok()) return rows.error();
  std::vector<AlertFired> out;
  for (const Row& r : *rows) {
    std::optional<double> value;
    if (!r.IsNull(3)) value = r.Double(3);
    out.push_back(AlertFired{r.Text(0), r.Text(1), r.TimeAt(2), value});
  }
  return out;
}

}  // namespace analytics::ops
