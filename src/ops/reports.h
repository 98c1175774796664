// `analytics report performance|daily` (SPEC §8, runbook "Performance
// Tuning" and "Daily Operations"): what the access log, the signal store and
// the database say, never estimates. docs/reports.md.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/time.h"
#include "config/config.h"
#include "storage/database.h"

namespace analytics::ops {

// The route pattern a request of the access log went to ("unmatched" when
// none): api::Api::RouteOf, passed in by the command.
using RouteOf = std::function<std::string(std::string_view method, std::string_view path)>;

// Requests of one route (or of all, route "*"), from the access log.
struct RouteStats {
  std::string method;  // "GET", or "*" for the total
  std::string route;   // "/api/v1/users/{uid}/tasks", "unmatched", or "*"
  std::int64_t requests = 0;
  std::int64_t errors = 0;  // answered 5xx
  double error_rate = 0;    // % of requests answered 5xx (the error_rate signal's unit)
  double p50_s = 0, p95_s = 0, p99_s = 0;
};

struct AccessSummary {
  std::vector<RouteStats> routes;  // most requests first
  RouteStats total;
  std::int64_t rate_limited = 0;        // lines noted RateLimitExceeded
  std::int64_t unparsed = 0;            // lines of another shape
  std::vector<std::string> compressed;  // rotated copies not read (.gz)
};

// The access log's requests in [from, to) (access.log and its rotated copies
// in `log_dir`). Errors: kUnavailable naming a file that cannot be read.
Result<AccessSummary> SummarizeAccessLog(const std::string& log_dir, Time from, Time to,
                                         const RouteOf& route_of);

// The cache_hit_rate signal over [from, to): its samples' mean, each
// weighted by the time it covers. nullopt percent when there is no sample.
struct HitRate {
  std::optional<double> percent;
  std::int64_t samples = 0;
};
Result<HitRate> CacheHitRate(storage::Database& db, Time from, Time to,
                             std::chrono::seconds sample_interval);

// pg_stat_statements' slowest statements of this database by mean time;
// `hint` instead when the extension is not loaded or on SQLite.
struct SlowQuery {
  std::string query;
  std::int64_t calls = 0;
  double total_ms = 0, mean_ms = 0, max_ms = 0;
};
struct SlowQueries {
  std::vector<SlowQuery> rows;
  std::string hint;  // "" when rows came from pg_stat_statements
};
SlowQueries SlowestQueries(storage::Database& db, int limit);

struct DayCount {
  Day day;
  std::int64_t count = 0;
};
// New users per UTC day in [from, to), days without any left out.
Result<std::vector<DayCount>> NewUsersPerDay(storage::Database& db, Time from, Time to);

struct PerformanceReport {
  Time from, to;
  AccessSummary access;
  HitRate hit_rate;
  SlowQueries slow_queries;
  std::vector<DayCount> user_growth;
};
// The last `days` days up to `now`. Errors: kUnavailable (database, logs).
Result<PerformanceReport> BuildPerformanceReport(storage::Database& db,
                                                 const config::Config& config, Time now, int days,
                                                 const RouteOf& route_of);

struct JobRunCount {
  std::string job;
  std::int64_t succeeded = 0, failed = 0, running = 0;
};
struct AlertFired {
  std::string rule, severity;
  Time at;
  std::optional<double> value;
};
// Job runs started in [from, to), by job (job_runs).
Result<std::vector<JobRunCount>> JobRunsBetween(storage::Database& db, Time from, Time to);
// Users and tasks created, and tasks completed, in [from, to).
struct Activity {
  std::int64_t new_users = 0, new_tasks = 0, completed_tasks = 0;
};
Result<Activity> ActivityBetween(storage::Database& db, Time from, Time to);
// Alerts that went firing in [from, to) (alert_events), oldest first.
Result<std::vector<AlertFired>> AlertsFiredBetween(storage::Database& db, Time from, Time to);

struct DailyReport {
  Day day;
  RouteStats requests;  // every request of the day (route "*")
  std::int64_t rate_limited = 0;
  HitRate hit_rate;
  std::vector<JobRunCount> jobs;  // runs started that day, by job
  Activity activity;
  std::vector<AlertFired> alerts;  // alert_events in state 'firing' that day
};
// Errors: kUnavailable (database, logs).
Result<DailyReport> BuildDailyReport(storage::Database& db, const config::Config& config, Day day,
                                     const RouteOf& route_of);

}  // namespace analytics::ops
