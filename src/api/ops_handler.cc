#include <nlohmann/json.hpp>

#include "api/handlers.h"
#include "api/json_input.h"

namespace analytics::api {

Response OpsHandler::Health(Request&, const Caller&) {
  using Json = nlohmann::ordered_json;
  auto started = std::chrono::steady_clock::now();
  auto ping = s_.db.Ping();
  double db_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                           started)
                     .count();
  bool cache_ok = s_.cache.healthy();
  Json database{{"status", ping.ok() ? "up" : "down"}, {"backend", s_.db.dialect().name()}};
  if (ping.ok()) {
    database["latency_ms"] = std::round(db_ms * 1000) / 1000;
  } else {
    database["error"] = ping.error().message;
  }
  Json cache{{"status", cache_ok ? "up" : "down"}, {"backend", s_.cache.name()}};
  // SPEC §4: unhealthy (503) without the database; degraded (200) without the cache.
  std::string status = !ping.ok() ? "unhealthy" : cache_ok ? "healthy" : "degraded";
  Json j{{"status", status},
         {"checks", Json{{"database", std::move(database)}, {"cache", std::move(cache)}}}};
  Response response =
      http::JsonResponse(ping.ok() ? http::status::kOk : http::status::kUnavailable, j.dump());
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
    s_.cache.Flush();
    j["invalidated"] = "all";
  } else {
    s_.cache.InvalidateUser(user_id);
    j["invalidated"] = user_id;
  }
  return http::JsonResponse(http::status::kOk, j.dump());
}

}  // namespace analytics::api
