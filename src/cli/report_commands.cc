// report performance | daily: the runbook's performance and daily summaries
// (docs/reports.md) from the access log, the signal store and the database.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "cli/command.h"
#include "ops/reports.h"

namespace analytics::cli {
namespace {

using Json = nlohmann::ordered_json;

std::string Fixed(double value, int digits = 1) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", digits, value);
  return buf;
}
std::string Ms(double seconds) { return Fixed(seconds * 1000, 2); }
std::string Rate(const ops::HitRate& h) {
  return h.percent ? Fixed(*h.percent) + "%" : "- (no cache_hit_rate samples)";
}
Json RateJson(const ops::HitRate& h) {
  return Json{{"percent", h.percent ? Json(*h.percent) : Json(nullptr)}, {"samples", h.samples}};
}

Json RouteJson(const ops::RouteStats& r) {
  return Json{{"method", r.method},     {"route", r.route},           {"requests", r.requests},
              {"errors", r.errors},     {"error_rate", r.error_rate}, {"p50_seconds", r.p50_s},
              {"p95_seconds", r.p95_s}, {"p99_seconds", r.p99_s}};
}
std::vector<std::string> RouteRow(const ops::RouteStats& r) {
  return {r.method,
          r.route,
          std::to_string(r.requests),
          Fixed(r.error_rate, 2) + "%",
          Ms(r.p50_s),
          Ms(r.p95_s),
          Ms(r.p99_s)};
}

void PrintPerformanceTable(const ops::PerformanceReport& p) {
  std::cout << "Requests " << FormatTime(p.from) << " to " << FormatTime(p.to) << "\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : p.access.routes) rows.push_back(RouteRow(r));
  rows.push_back(RouteRow(p.access.total));
  PrintTable({"METHOD", "ROUTE", "REQUESTS", "ERRORS", "P50_MS", "P95_MS", "P99_MS"}, rows);
  std::cout << "\nCache hit rate: " << Rate(p.hit_rate) << "\n\nSlowest queries";
  if (!p.slow_queries.hint.empty()) {
    std::cout << ": " << p.slow_queries.hint << "\n";
  } else {
    std::cout << "\n";
    rows.clear();
    for (const auto& q : p.slow_queries.rows) {
      std::string text = q.query.size() > 80 ? q.query.substr(0, 80) + "…" : q.query;
      rows.push_back({Fixed(q.mean_ms, 2), Fixed(q.max_ms, 2), std::to_string(q.calls), text});
    }
    PrintTable({"MEAN_MS", "MAX_MS", "CALLS", "QUERY"}, rows);
  }
  std::cout << "\nNew users per day\n";
  rows.clear();
  for (const auto& d : p.user_growth) rows.push_back({FormatDay(d.day), std::to_string(d.count)});
  PrintTable({"DAY", "NEW_USERS"}, rows);
}

Json PerformanceJson(const ops::PerformanceReport& p) {
  Json routes = Json::array(), slow = Json::array(), growth = Json::array();
  for (const auto& r : p.access.routes) routes.push_back(RouteJson(r));
  for (const auto& q : p.slow_queries.rows) {
    slow.push_back(Json{{"query", q.query},
                        {"calls", q.calls},
                        {"total_ms", q.total_ms},
                        {"mean_ms", q.mean_ms},
                        {"max_ms", q.max_ms}});
  }
  for (const auto& d : p.user_growth) {
    growth.push_back(Json{{"day", FormatDay(d.day)}, {"new_users", d.count}});
  }
  return Json{{"from", FormatTime(p.from)},
              {"to", FormatTime(p.to)},
              {"routes", routes},
              {"total", RouteJson(p.access.total)},
              {"rate_limited", p.access.rate_limited},
              {"unparsed_lines", p.access.unparsed},
              {"cache_hit_rate", RateJson(p.hit_rate)},
              {"slow_queries", slow},
              {"slow_queries_hint",
               p.slow_queries.hint.empty() ? Json(nullptr) : Json(p.slow_queries.hint)},
              {"user_growth", growth}};
}

Json DailyJson(const ops::DailyReport& d) {
  Json jobs = Json::array(), alerts = Json::array();
  for (const auto& j : d.jobs) {
    jobs.push_back(Json{
        {"job", j.job}, {"succeeded", j.succeeded}, {"failed", j.failed}, {"running", j.running}});
  }
  for (const auto& a : d.alerts) {
    alerts.push_back(Json{{"rule", a.rule},
                          {"severity", a.severity},
                          {"at", FormatTime(a.at)},
                          {"value", a.value ? Json(*a.value) : Json(nullptr)}});
  }
  return Json{{"date", FormatDay(d.day)},
              {"requests", d.requests.requests},
              {"errors", d.requests.errors},
              {"error_rate", d.requests.error_rate},
              {"p95_seconds", d.requests.p95_s},
              {"rate_limited", d.rate_limited},
              {"cache_hit_rate", RateJson(d.hit_rate)},
              {"jobs", jobs},
              {"new_users", d.activity.new_users},
              {"new_tasks", d.activity.new_tasks},
              {"completed_tasks", d.activity.completed_tasks},
              {"alerts_fired", alerts}};
}

void PrintDailyTable(const ops::DailyReport& d) {
  std::vector<std::vector<std::string>> rows = {
      {"requests", std::to_string(d.requests.requests)},
      {"errors (5xx)",
       std::to_string(d.requests.errors) + " (" + Fixed(d.requests.error_rate, 2) + "%)"},
      {"p95", Ms(d.requests.p95_s) + " ms"},
      {"rate limited", std::to_string(d.rate_limited)},
      {"cache hit rate", Rate(d.hit_rate)},
      {"new users", std::to_string(d.activity.new_users)},
      {"new tasks", std::to_string(d.activity.new_tasks)},
      {"completed tasks", std::to_string(d.activity.completed_tasks)},
      {"alerts fired", std::to_string(d.alerts.size())},
  };
  for (const auto& j : d.jobs) {
    rows.push_back(
        {"job " + j.job, std::to_string(j.succeeded) + " succeeded, " + std::to_string(j.failed) +
                             " failed" +
                             (j.running ? ", " + std::to_string(j.running) + " running" : "")});
  }
  for (const auto& a : d.alerts) {
    rows.push_back({"alert " + a.rule, a.severity + " firing at " + FormatTime(a.at)});
  }
  std::cout << "Daily summary " << FormatDay(d.day) << "\n";
  PrintTable({"WHAT", "VALUE"}, rows);
}

ops::RouteOf RoutesOf(app::App& app) {
  return [&app](std::string_view method, std::string_view path) {
    return app.api().RouteOf(method, path);
  };
}

int Performance(const Context& context, int days) {
  auto opened = Open(context);
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  app::App& app = *opened->app;
  auto report =
      ops::BuildPerformanceReport(app.db(), opened->config, app.clock().Now(), days, RoutesOf(app));
  if (!report.ok()) return Fail(report.error());
  if (context.json) {
    std::cout << PerformanceJson(*report).dump() << '\n';
  } else {
    PrintPerformanceTable(*report);
  }
  return kExitOk;
}

int Daily(const Context& context, const std::string& date) {
  // Default: yesterday, the last whole day (runbook "Daily Operations");
  // "today" for the evening routine's summary of the day so far.
  const std::string which = date.empty() ? "yesterday" : date;
  std::optional<Day> day = ParseDay(which);
  const Day today = DayOf(SystemClock().Now());
  if (which == "today") day = today;
  if (which == "yesterday") day = today - std::chrono::days(1);
  if (!day) {
    return Fail(InvalidArgument("--date", "--date must be a date YYYY-MM-DD, today or yesterday"));
  }
  auto opened = Open(context);
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  app::App& app = *opened->app;
  auto report = ops::BuildDailyReport(app.db(), opened->config, *day, RoutesOf(app));
  if (!report.ok()) return Fail(report.error());
  if (context.json) {
    std::cout << DailyJson(*report).dump() << '\n';
  } else {
    PrintDailyTable(*report);
  }
  return kExitOk;
}

}  // namespace

void AddReportCommands(CLI::App& cli, Context& context) {
  auto* report = cli.add_subcommand("report", "performance and daily summaries (runbook)");
  report->require_subcommand(1);
  auto days = std::make_shared<int>(7);
  auto* performance = report->add_subcommand(
      "performance", "per-route requests, p50/p95/p99, error rate; hit rate; slow queries; users");
  performance->add_option("--days", *days, "the last N days (default 7)")
      ->check(CLI::Range(1, 3660));
  performance->callback([&context, days] { context.code = Performance(context, *days); });
  auto date = std::make_shared<std::string>();
  auto* daily = report->add_subcommand("daily", "one day's summary (default yesterday, UTC)");
  daily->add_option("--date", *date, "the day: YYYY-MM-DD, today or yesterday (default)");
  daily->callback([&context, date] { context.code = Daily(context, *date); });
}

}  // namespace analytics::cli
