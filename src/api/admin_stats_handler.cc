// GET /api/v1/admin/stats?from=&to=&step=&signals=: the signal store's series
// for the dashboard (docs/api.md, docs/signals.md).
#include "api/admin_stats_handler.h"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "storage/signal_repository.h"

namespace analytics::api {
namespace {

using Json = nlohmann::ordered_json;
using std::chrono::seconds;

constexpr seconds kDefaultRange{3600};
constexpr seconds kMinStep{1};

const char* UnitOf(std::string_view name) {
  if (name == storage::kSignalHealth || name == storage::kSignalDbUp) return "up";
  if (name == storage::kSignalRequestRate) return "requests/s";
  if (name == storage::kSignalP50 || name == storage::kSignalP95 || name == storage::kSignalP99) {
    return "seconds";
  }
  if (name == storage::kSignalMemoryRss) return "bytes";
  if (name == storage::kSignalCacheEvicted || name == storage::kSignalJobFailures) return "count";
  if (name == storage::kSignalDbConnections) return "connections";
  return "percent";
}

// An instant: RFC 3339 ("2024-03-01T12:00:00Z") or a day (its midnight UTC).
Result<Time> TimeParam(const Request& request, const char* name, Time fallback) {
  auto text = request.QueryParam(name);
  if (!text) return fallback;
  if (auto time = ParseTime(*text)) return *time;
  if (auto day = ParseDay(*text)) return Time{*day};
  return InvalidArgument(name, std::string(name) +
                                   " must be an RFC 3339 time (2024-03-01T12:00:00Z) or a date "
                                   "(YYYY-MM-DD)");
}

// "300", "300s", "5m", "1h", "1d": a whole number of seconds, at least 1.
Result<std::optional<seconds>> StepParam(const Request& request) {
  auto text = request.QueryParam("step");
  if (!text) return std::optional<seconds>{};
  std::string_view s = *text;
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  const std::string_view unit(end, static_cast<std::size_t>(s.data() + s.size() - end));
  std::int64_t scale = 0;
  if (unit.empty() || unit == "s") scale = 1;
  if (unit == "m") scale = 60;
  if (unit == "h") scale = 3600;
  if (unit == "d") scale = 86400;
  if (ec != std::errc() || end == s.data() || scale == 0 || n < 1 || n > 366 * 86400 / scale) {
    return InvalidArgument("step",
                           "step must be a whole number of seconds, or with a unit (30s, 5m, 1h, "
                           "1d), from 1 second to 366 days");
  }
  return std::optional<seconds>{seconds{n * scale}};
}

// `signals=a,b`: known names only; every signal when absent.
Result<std::vector<std::string>> SignalsParam(const Request& request) {
  auto text = request.QueryParam("signals");
  if (!text) return storage::SignalNames();
  std::vector<std::string> names;
  std::string_view rest = *text;
  while (true) {
    const std::size_t comma = rest.find(',');
    const std::string_view name = rest.substr(0, comma);
    if (!storage::IsSignalName(name)) {
      return InvalidArgument("signals", "signals: unknown signal '" + std::string(name) +
                                            "'; known: health, db_up, request_rate, error_rate, "
                                            "p50_response_time, p95_response_time, "
                                            "p99_response_time, cpu_usage, memory_rss, "
                                            "memory_usage, cache_hit_rate, cache_evicted_keys, "
                                            "db_connections, job_failures, disk_usage");
    }
    if (std::find(names.begin(), names.end(), name) == names.end()) names.emplace_back(name);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return names;
}

struct StatsQuery {
  Time from, to;
  seconds step;
  std::vector<std::string> names;
};

Result<StatsQuery> ParseQuery(const Request& request, Time now) {
  auto to = TimeParam(request, "to", now);
  if (!to.ok()) return to.error();
  auto from = TimeParam(request, "from", *to - kDefaultRange);
  if (!from.ok()) return from.error();
  if (*from >= *to) return InvalidArgument("from", "from must be before to");
  auto step = StepParam(request);
  if (!step.ok()) return step.error();
  auto names = SignalsParam(request);
  if (!names.ok()) return names.error();
  const auto range_s = std::chrono::ceil<seconds>(*to - *from).count();
  seconds chosen;
  if (*step) {
    chosen = **step;
    if ((range_s + chosen.count() - 1) / chosen.count() > kMaxStatsPoints) {
      return InvalidArgument(
          "step", "step too small: at most " + std::to_string(kMaxStatsPoints) +
                      " points per series; for this range use step >= " +
                      std::to_string((range_s + kMaxStatsPoints - 1) / kMaxStatsPoints) + "s");
    }
  } else {
    // About 300 points, never finer than a second.
    chosen = std::max(kMinStep, seconds{(range_s + 299) / 300});
  }
  return StatsQuery{*from, *to, chosen, std::move(*names)};
}

}  // namespace

Response AdminStatsHandler::Stats(Request& request, const Caller&) {
  const Time now = s_.clock.Now();
  auto query = ParseQuery(request, now);
  if (!query.ok()) return Problem(query.error());
  auto series = s_.signals.Range(query->names, query->from, query->to, query->step);
  if (!series.ok()) return Problem(series.error());
  Json list = Json::array();
  for (const storage::SignalSeries& s : *series) {
    Json points = Json::array();
    for (const storage::SignalPoint& p : s.points) {
      points.push_back(Json{{"at", FormatTime(p.at)},
                            {"value", std::isfinite(p.value) ? Json(p.value) : Json(nullptr)}});
    }
    list.push_back(Json{{"name", s.name}, {"unit", UnitOf(s.name)}, {"points", std::move(points)}});
  }
  Json body{{"as_of", FormatTime(now)},
            {"from", FormatTime(query->from)},
            {"to", FormatTime(query->to)},
            {"step_s", query->step.count()},
            {"series", std::move(list)}};
  return http::JsonResponse(http::status::kOk, body.dump());
}

}  // namespace analytics::api
