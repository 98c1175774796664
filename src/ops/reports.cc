// The reports' access-log side and their assembly; the database's side is
// report_queries.cc.
#include "ops/reports.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "ops/latency_histogram.h"
#include "ops/log_files.h"

namespace analytics::ops {
namespace {

struct Tally {
  std::int64_t requests = 0;
  std::int64_t errors = 0;
  LatencyHistogram latency;

  void Add(const AccessLine& line) {
    ++requests;
    if (line.status >= 500) ++errors;
    latency.Add(line.latency_s);
  }
  RouteStats Stats(std::string method, std::string route) const {
    RouteStats s{std::move(method), std::move(route), requests, errors};
    s.error_rate = requests == 0 ? 0 : 100.0 * double(errors) / double(requests);
    s.p50_s = latency.Quantile(0.50);
    s.p95_s = latency.Quantile(0.95);
    s.p99_s = latency.Quantile(0.99);
    return s;
  }
};

}  // namespace

Result<AccessSummary> SummarizeAccessLog(const std::string& log_dir, Time from, Time to,
                                         const RouteOf& route_of) {
  LogFiles files = FindLogFiles(log_dir, "access");
  AccessSummary summary;
  summary.compressed = files.compressed;
  std::map<std::pair<std::string, std::string>, Tally> by_route;
  // Most lines of a route share their path's shape but not its ids: the
  // route of each distinct (method, path) is looked up once.
  std::map<std::pair<std::string, std::string>, std::string> routes;
  Tally total;
  auto read = ForEachLine(files, [&](std::string_view text) {
    auto line = ParseAccessLine(text);
    if (!line) {
      if (!text.empty()) ++summary.unparsed;
      return;
    }
    if (line->at < from || line->at >= to) return;
    auto key = std::pair{line->method, line->path};
    auto known = routes.find(key);
    if (known == routes.end()) {
      if (routes.size() > 100'000) routes.clear();  // bound the memo, not the answer
      known = routes.emplace(key, route_of ? route_of(line->method, line->path) : line->path).first;
    }
    by_route[{line->method, known->second}].Add(*line);
    total.Add(*line);
    if (line->note == "RateLimitExceeded") ++summary.rate_limited;
  });
  if (!read.ok()) return read.error();
  for (const auto& [key, tally] : by_route)
    summary.routes.push_back(tally.Stats(key.first, key.second));
  std::stable_sort(
      summary.routes.begin(), summary.routes.end(),
      [](const RouteStats& a, const RouteStats& b) { return a.requests > b.requests; });
  summary.total = total.Stats("*", "*");
  return summary;
}

Result<PerformanceReport> BuildPerformanceReport(storage::Database& db,
                                                 const config::Config& config, Time now, int days,
                                                 const RouteOf& route_of) {
  PerformanceReport report;
  report.to = now;
  report.from = now - std::chrono::days(days);
  auto access = SummarizeAccessLog(config.logging.dir, report.from, report.to, route_of);
  if (!access.ok()) return access.error();
  report.access = std::move(*access);
  auto hit = CacheHitRate(db, report.from, report.to,
                          std::chrono::seconds(config.alerts.sample_interval_s));
  if (!hit.ok()) return hit.error();
  report.hit_rate = *hit;
  report.slow_queries = SlowestQueries(db, 10);
  auto growth = NewUsersPerDay(db, report.from, report.to);
  if (!growth.ok()) return growth.error();
  report.user_growth = std::move(*growth);
  return report;
}

Result<DailyReport> BuildDailyReport(storage::Database& db, const config::Config& config, Day day,
                                     const RouteOf& route_of) {
  DailyReport report;
  report.day = day;
  const Time from{day};
  const Time to{day + std::chrono::days(1)};
  auto access = SummarizeAccessLog(config.logging.dir, from, to, route_of);
  if (!access.ok()) return access.error();
  report.requests = access->total;
  report.rate_limited = access->rate_limited;
  auto hit = CacheHitRate(db, from, to, std::chrono::seconds(config.alerts.sample_interval_s));
  if (!hit.ok()) return hit.error();
  report.hit_rate = *hit;
  auto jobs = JobRunsBetween(db, from, to);
  if (!jobs.ok()) return jobs.error();
  report.jobs = std::move(*jobs);
  auto activity = ActivityBetween(db, from, to);
  if (!activity.ok()) return activity.error();
  report.activity = *activity;
  auto alerts = AlertsFiredBetween(db, from, to);
  if (!alerts.ok()) return alerts.error();
  report.alerts = std::move(*alerts);
  return report;
}

}  // namespace analytics::ops
