#include <nlohmann/json.hpp>

#include "model/stat_names.h"
#include "stats/stats_service.h"

namespace analytics::stats {
namespace {

using Json = nlohmann::ordered_json;

Json Head(const model::Overview& o) {
  Json j;
  j["user_id"] = o.user_id;
  j["as_of"] = FormatTime(o.as_of);
  return j;
}

Json StatValue(const model::Overview& o, std::string_view stat) {
  if (stat == "task_totals") {
    const auto& t = o.task_totals;
    return Json{{"total", t.total}, {"todo", t.todo},           {"in_progress", t.in_progress},
                {"done", t.done},   {"cancelled", t.cancelled}, {"overdue", t.overdue}};
  }
  if (stat == "completion_rate") return o.completion_rate;
  if (stat == "priority_distribution") {
    const auto& p = o.priority_distribution;
    return Json{{"low", p.low}, {"medium", p.medium}, {"high", p.high}, {"urgent", p.urgent}};
  }
  if (stat == "status_distribution") {
    const auto& s = o.status_distribution;
    return Json{{"todo", s.todo},
                {"in_progress", s.in_progress},
                {"done", s.done},
                {"cancelled", s.cancelled}};
  }
  ANALYTICS_CHECK(stat == "productivity_score") << "unknown stat " << stat;
  return o.productivity_score;
}

}  // namespace

std::string OverviewJson(const model::Overview& o) {
  Json j = Head(o);
  for (std::string_view stat : model::kStatNames) {
    j[std::string(stat)] = StatValue(o, stat);
  }
  return j.dump();
}

std::string StatJson(const model::Overview& o, std::string_view stat) {
  Json j = Head(o);
  j[std::string(stat)] = StatValue(o, stat);
  return j.dump();
}

std::optional<Time> AsOfOfBody(std::string_view json) {
  // Head() writes user_id, then as_of, before anything else: the time is
  // read where it stands, not searched for in the body.
  constexpr std::string_view kUserId = "{\"user_id\":\"";
  constexpr std::string_view kAsOf = "\",\"as_of\":\"";
  if (!json.starts_with(kUserId)) return std::nullopt;
  std::size_t i = kUserId.size();
  while (i < json.size() && json[i] != '"') i += json[i] == '\\' ? 2 : 1;  // past the user id
  if (i >= json.size() || json.substr(i, kAsOf.size()) != kAsOf) return std::nullopt;
  const std::size_t start = i + kAsOf.size();
  const std::size_t end = json.find('"', start);
  if (end == std::string_view::npos) return std::nullopt;
  return ParseTime(json.substr(start, end - start));
}

}  // namespace analytics::stats
