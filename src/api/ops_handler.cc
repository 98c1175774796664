#include <nlohmann/json.hpp>

#include "api/handlers.h"
#include "api/json_input.h"
#include "logging/log.h"

namespace analytics::api {

namespace {
constexpr std::chrono::milliseconds kHealthMaxAge{1000};
}  // namespace

OpsHandler::OpsHandler(Services& s)
    : s_(s), health_(kHealthMaxAge, [this] { return CheckHealth(); }) {}

OpsHandler::HealthReport OpsHandler::CheckHealth() {
  using Json = nlohmann::ordered_json;
  const stats::StoresHealth stores = s_.stats.CheckStores();
  const Result<void>& ping = stores.database;
  const double db_ms = stores.database_latency.count();
  const bool cache_ok = stores.cache_up;
  Json database{{"status", ping.ok() ? "up" : "down"}, {"backend", stores.database_backend}};
  if (ping.ok()) {
    database["latency_ms"] = std::round(db_ms * 1000) / 1000;
  } else {
    // The database's own words (host, address, user, file path) go to the
    // log, once per change of state; anyone may read /health.
    database["error"] = "the database did not answer";
  }
  if (ping.ok() != database_was_up_) {
    if (ping.ok()) {
      logging::Info("health_database_up", {});
    } else {
      logging::Error("health_database_down", {{"error", ping.error().message}});
    }
    database_was_up_ = ping.ok();
  }
  Json cache{{"status", cache_ok ? "up" : "down"}, {"backend", stores.cache_backend}};
  // SPEC §4: unhealthy (503) without the database; degraded (200) without the cache.
  std::string status = !ping.ok() ? "unhealthy" : cache_ok ? "healthy" : "degraded";
  Json j{{"status", status},
         {"checked_at", FormatTime(s_.clock.Now())},
         {"checks", Json{{"database", std::move(database)}, {"cache", std::move(cache)}}}};
  return HealthReport{j.dump(), ping.ok()};
}

Response OpsHandler::Health(Request&, const Caller&) {
  HealthReport report = health_.Get();
  Response response = http::JsonResponse(
      report.database_up ? http::status::kOk : http::status::kUnavailable, std::move(report.json));
  response.SetHeader("Cache-Control", "no-store");
  return response;
}

Response OpsHandler::Metrics(Request&, const Caller&) {
  Response response;
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  response.body = s_.metrics.Render();
  return response;
}

Response OpsHandler::InvalidateCache(Request& request, const Caller&) {
  std::string user_id;
  if (!request.body.empty()) {
    if (!HasJsonContentType(request)) return UnsupportedMediaType();
    auto body = ParseJsonBody(request);
    if (!body.ok()) return Problem(body.error());
    if (!body->is_object()) return Problem(InvalidArgument("body", "body must be a JSON object"));
    for (const auto& [key, value] : body->items()) {
      if (key != "user_id") return Problem(InvalidArgument(key, "unknown field '" + key + "'"));
    }
    if (body->contains("user_id")) {
      const auto& v = (*body)["user_id"];
      if (!v.is_string() || !model::IsValidUserId(v.get<std::string>())) {
        return Problem(InvalidArgument("user_id", "user_id must be a valid user id"));
      }
      user_id = v.get<std::string>();
    }
  }
  nlohmann::json j;
  if (user_id.empty()) {
    s_.stats.InvalidateAllCached();
    j["invalidated"] = "all";
  } else {
    s_.stats.InvalidateCached(user_id);
    j["invalidated"] = user_id;
  }
  return http::JsonResponse(http::status::kOk, j.dump());
}

}  // namespace analytics::api
