#include <nlohmann/json.hpp>

#include "api/daily_json.h"
#include "api/handlers.h"
#include "model/stat_names.h"

namespace analytics::api {
namespace {

using Json = nlohmann::ordered_json;

// SPEC §4: analytics responses say how fresh they are (X-Cache, Age, as_of).
Response Fresh(std::string json, bool hit, Time as_of, Time now) {
  Response response = http::JsonResponse(http::status::kOk, std::move(json));
  response.SetHeader("X-Cache", hit ? "hit" : "miss");
  auto age = std::chrono::duration_cast<std::chrono::seconds>(now - as_of).count();
  response.SetHeader("Age", std::to_string(age < 0 ? 0 : age));
  response.SetHeader("Cache-Control", "private, no-cache");
  return response;
}

constexpr int kDefaultRangeDays = 30;

struct Range {
  Day from;
  Day to;
};

Result<Range> ReadRange(const Request& request, Day today, int default_days) {
  auto to = DayParam(request, "to", today);
  if (!to.ok()) return to.error();
  auto from = DayParam(request, "from", *to - std::chrono::days{default_days - 1});
  if (!from.ok()) return from.error();
  return Range{*from, *to};
}

}  // namespace

Json DailyJson(const model::DailyStats& d) {
  return Json{{"date", FormatDay(d.date)},
              {"tasks_created", d.tasks_created},
              {"tasks_completed", d.tasks_completed},
              {"total_tasks", d.total_tasks},
              {"completed_tasks", d.completed_tasks},
              {"completion_rate", d.completion_rate},
              {"productivity_score", d.productivity_score},
              {"computed_at", FormatTime(d.computed_at)}};
}

Response StatsHandler::Overview(Request& request, const Caller&) {
  auto body = s_.stats.Overview(std::string(request.PathParam("uid")));
  if (!body.ok()) return Problem(body.error());
  s_.metrics.CountStatsRequest("overview");
  return Fresh(std::move(body->json), body->cache_hit, body->as_of, s_.clock.Now());
}

Response CachedStatsAnswer(stats::StatsBody hit, std::string_view stat, metrics::Metrics& metrics,
                           const Clock& clock) {
  metrics.CountStatsRequest(stat.empty() ? "overview" : stat);
  return Fresh(std::move(hit.json), true, hit.as_of, clock.Now());
}

Response StatsHandler::Stat(Request& request, const Caller&) {
  std::string_view stat = request.PathParam("metric");
  if (!model::IsStatName(stat)) {
    return Problem(NotFound("no such analytics metric '" + std::string(stat) +
                            "'; try overview, trends, daily, " + model::StatNameList()));
  }
  auto body = s_.stats.Stat(std::string(request.PathParam("uid")), stat);
  if (!body.ok()) return Problem(body.error());
  s_.metrics.CountStatsRequest(stat);
  return Fresh(std::move(body->json), body->cache_hit, body->as_of, s_.clock.Now());
}

Response StatsHandler::Trends(Request& request, const Caller&) {
  auto granularity_text = request.QueryParam("granularity").value_or("day");
  model::Granularity granularity;
  int default_days = kDefaultRangeDays;
  if (granularity_text == "day") {
    granularity = model::Granularity::kDay;
  } else if (granularity_text == "week") {
    granularity = model::Granularity::kWeek;
    default_days = 7 * 12;
  } else if (granularity_text == "month") {
    granularity = model::Granularity::kMonth;
    default_days = 365;
  } else {
    return Problem(InvalidArgument("granularity", "granularity must be day, week or month"));
  }
  Time now = s_.clock.Now();
  auto range = ReadRange(request, DayOf(now), default_days);
  if (!range.ok()) return Problem(range.error());
  std::string uid(request.PathParam("uid"));
  auto points = s_.stats.Trends(uid, granularity, range->from, range->to);
  if (!points.ok()) return Problem(points.error());
  s_.metrics.CountStatsRequest("trends");

  Json series = Json::array();
  for (const auto& p : *points) {
    series.push_back(Json{{"period_start", FormatDay(p.period_start)},
                          {"tasks_created", p.tasks_created},
                          {"tasks_completed", p.tasks_completed},
                          {"completion_rate", p.completion_rate}});
  }
  Json j{{"user_id", uid},
         {"as_of", FormatTime(now)},
         {"granularity", granularity_text},
         {"from", FormatDay(range->from)},
         {"to", FormatDay(range->to)},
         {"series", std::move(series)}};
  return Fresh(j.dump(), false, now, now);
}

Response StatsHandler::Daily(Request& request, const Caller&) {
  Time now = s_.clock.Now();
  auto range = ReadRange(request, DayOf(now), kDefaultRangeDays);
  if (!range.ok()) return Problem(range.error());
  std::string uid(request.PathParam("uid"));
  auto rows = s_.stats.Daily(uid, range->from, range->to);
  if (!rows.ok()) return Problem(rows.error());
  s_.metrics.CountStatsRequest("daily");

  Json items = Json::array();
  for (const auto& d : *rows) items.push_back(DailyJson(d));
  Json j{{"user_id", uid},
         {"as_of", FormatTime(now)},
         {"from", FormatDay(range->from)},
         {"to", FormatDay(range->to)},
         {"items", std::move(items)}};
  return Fresh(j.dump(), false, now, now);
}

}  // namespace analytics::api
