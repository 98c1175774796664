// GET /api/v1/admin/alerts (SPEC §4, §8): every rule's stored state, the
// silences in force and the alert history since ?since= (default: the last
// 24 hours), as `alerts check --json` reads them. docs/api.md.
#include <nlohmann/json.hpp>

#include "api/handlers.h"
#include "base/relative_time.h"
#include "storage/alert_repository.h"

namespace analytics::api {
namespace {

using Json = nlohmann::ordered_json;

constexpr int kHistoryLimit = 10'000;

Json OptTime(const std::optional<Time>& t) { return t ? Json(FormatTime(*t)) : Json(nullptr); }
Json OptNumber(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

struct AlertsView {
  std::vector<storage::AlertStateRow> states;
  std::vector<storage::AlertEventRow> events;
  std::vector<storage::AlertSilenceRow> silences;
};

Json ToJson(const AlertsView& view, Time since) {
  Json states = Json::array(), events = Json::array(), silences = Json::array();
  for (const auto& s : view.states) {
    states.push_back(Json{{"rule", s.rule},
                          {"state", s.state},
                          {"since", OptTime(s.since)},
                          {"value", OptNumber(s.value)},
                          {"updated_at", FormatTime(s.updated_at)}});
  }
  for (const auto& e : view.events) {
    events.push_back(Json{{"id", e.id},
                          {"rule", e.rule},
                          {"severity", e.severity},
                          {"state", e.state},
                          {"value", OptNumber(e.value)},
                          {"at", FormatTime(e.at)},
                          {"since", OptTime(e.since)},
                          {"delivery", e.delivery}});
  }
  for (const auto& s : view.silences) {
    silences.push_back(Json{{"rule", s.rule},
                            {"until", FormatTime(s.until)},
                            {"reason", s.reason},
                            {"created_by", s.created_by},
                            {"created_at", FormatTime(s.created_at)}});
  }
  return Json{{"since", FormatTime(since)},
              {"states", std::move(states)},
              {"silences", std::move(silences)},
              {"events", std::move(events)}};
}

}  // namespace

Response AlertsHandler::List(Request& request, const Caller&) {
  const Time now = s_.clock.Now();
  const std::string since_text = request.QueryParam("since").value_or("24 hours ago");
  auto since = ParseSinceOrError(since_text, now, "since");
  if (!since.ok()) return Problem(since.error());
  AlertsView view;
  // The job runner's database is the App's one database.
  Result<void> read = s_.jobs.env().db.Read([&](storage::Transaction& tx) -> Result<void> {
    storage::AlertRepository alerts(tx);
    auto states = alerts.States();
    if (!states.ok()) return states.error();
    auto events = alerts.Events(*since, kHistoryLimit);
    if (!events.ok()) return events.error();
    auto silences = alerts.ActiveSilences(now);
    if (!silences.ok()) return silences.error();
    view = {std::move(*states), std::move(*events), std::move(*silences)};
    return Ok();
  });
  if (!read.ok()) return Problem(read.error());
  return http::JsonResponse(http::status::kOk, ToJson(view, *since).dump());
}

}  // namespace analytics::api
