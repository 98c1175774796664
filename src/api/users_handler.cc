#include <nlohmann/json.hpp>

#include "api/handlers.h"
#include "api/json_input.h"

namespace analytics::api {
namespace {

using Json = nlohmann::ordered_json;

Json UserJson(const model::User& user) {
  return Json{{"id", user.id}, {"created_at", FormatTime(user.created_at)}};
}

Json IssuedJson(const users::IssuedToken& issued) {
  Json j = UserJson(issued.user);
  j["token"] = issued.token;
  return j;
}

constexpr int kDefaultUserPage = 100;

}  // namespace

Response UsersHandler::Create(Request& request, const Caller&) {
  if (!HasJsonContentType(request)) return UnsupportedMediaType();
  auto body = ParseJsonBody(request);
  if (!body.ok()) return Problem(body.error());
  if (!body->is_object()) return Problem(InvalidArgument("body", "body must be a JSON object"));
  for (const auto& [key, value] : body->items()) {
    if (key != "id") return Problem(InvalidArgument(key, "unknown field '" + key + "'"));
  }
  auto id = body->find("id");
  if (id == body->end()) return Problem(InvalidArgument("id", "id is required"));
  if (!id->is_string()) return Problem(InvalidArgument("id", "id must be a string"));
  auto issued = s_.users.Create(id->get<std::string>());
  if (!issued.ok()) return Problem(issued.error());
  Response response = http::JsonResponse(http::status::kCreated, IssuedJson(*issued).dump());
  response.SetHeader("Location", "/api/v1/users/" + issued->user.id);
  response.SetHeader("Cache-Control", "no-store");
  return response;
}

Response UsersHandler::Get(Request& request, const Caller&) {
  auto user = s_.users.Get(std::string(request.PathParam("uid")));
  if (!user.ok()) return Problem(user.error());
  return http::JsonResponse(http::status::kOk, UserJson(*user).dump());
}

Response UsersHandler::List(Request& request, const Caller&) {
  std::string after = request.QueryParam("cursor").value_or("");
  if (!after.empty() && !model::IsValidUserId(after)) {
    return Problem(InvalidArgument("cursor", "cursor is not one this server gave"));
  }
  auto page = LimitParam(request, kDefaultUserPage);
  if (!page.ok()) return Problem(page.error());
  const int limit = *page;
  auto users = s_.users.List(after, limit + 1);
  if (!users.ok()) return Problem(users.error());
  Json items = Json::array();
  bool more = static_cast<int>(users->size()) > limit;
  if (more) users->pop_back();
  for (const auto& u : *users) items.push_back(UserJson(u));
  Json j{{"items", std::move(items)}, {"next_cursor", nullptr}};
  if (more) j["next_cursor"] = users->back().id;
  return http::JsonResponse(http::status::kOk, j.dump());
}

UsersHandler::UsersHandler(Services& s, const config::RateLimitOptions& limits)
    : s_(s), rotations_(limits.enabled, limits.rotations_per_minute / 60, limits.rotation_burst) {}

Response UsersHandler::RotateToken(Request& request, const Caller&) {
  const std::string uid(request.PathParam("uid"));
  RateDecision rotation = rotations_.Take(uid, std::chrono::steady_clock::now());
  if (!rotation.allowed) {
    Response response = http::ProblemResponse(
        http::status::kTooManyRequests,
        "too many token rotations for this user; retry after the Retry-After delay");
    response.SetHeader("Retry-After", std::to_string(rotation.retry_after.count()));
    response.log_note = "RateLimitExceeded";
    return response;
  }
  auto issued = s_.users.RotateToken(uid);
  if (!issued.ok()) return Problem(issued.error());
  Response response = http::JsonResponse(http::status::kOk, IssuedJson(*issued).dump());
  response.SetHeader("Cache-Control", "no-store");
  return response;
}

}  // namespace analytics::api
