// GET/POST /api/v1/admin/incidents and POST …/incidents/{id}/resolve: the
// admin API over ops::IncidentService (the same rows as `analytics incident`).
#include <charconv>
#include <nlohmann/json.hpp>
#include <utility>

#include "api/handlers.h"
#include "api/json_input.h"
#include "ops/incident_service.h"

namespace analytics::api {
namespace {

using Json = nlohmann::json;

// The string member `name` of `body`, "" when absent. Errors name it.
Result<std::string> StringField(const Json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::string();
  if (!it->is_string()) return InvalidArgument(name, std::string(name) + " must be a string");
  return it->get<std::string>();
}

// The body as an object whose members are all in `allowed`; an empty body is {}.
Result<Json> ObjectBody(const Request& request, std::initializer_list<const char*> allowed) {
  if (request.body.empty()) return Json::object();
  auto body = ParseJsonBody(request);
  if (!body.ok()) return body.error();
  if (!body->is_object()) return InvalidArgument("body", "body must be a JSON object");
  for (const auto& [key, value] : body->items()) {
    bool known = false;
    for (const char* name : allowed) known = known || key == name;
    if (!known) return InvalidArgument(key, "unknown field '" + key + "'");
  }
  return body;
}

Result<std::int64_t> ParseIncidentId(std::string_view text) {
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id < 1) {
    return InvalidArgument("id", "incident id must be a positive integer");
  }
  return id;
}

}  // namespace

Response OpsHandler::ListIncidents(Request& request, const Caller&) {
  auto open_only = BoolParam(request, "open", false);
  if (!open_only.ok()) return Problem(open_only.error());
  auto limit = LimitParam(request, 100);
  if (!limit.ok()) return Problem(limit.error());
  auto rows = s_.incidents.List(*open_only, *limit);
  if (!rows.ok()) return Problem(rows.error());
  return http::JsonResponse(http::status::kOk, "{\"incidents\":" + ops::IncidentsJson(*rows) + "}");
}

Response OpsHandler::CreateIncident(Request& request, const Caller&) {
  if (!HasJsonContentType(request)) return UnsupportedMediaType();
  if (request.body.empty()) return Problem(InvalidArgument("body", "body is required"));
  auto body = ObjectBody(request, {"severity", "title", "description"});
  if (!body.ok()) return Problem(body.error());
  ops::NewIncident incident;
  for (auto [name, out] :
       {std::pair{"severity", &incident.severity}, std::pair{"title", &incident.title},
        std::pair{"description", &incident.description}}) {
    auto value = StringField(*body, name);
    if (!value.ok()) return Problem(value.error());
    *out = std::move(*value);
  }
  if (incident.severity.empty())
    return Problem(InvalidArgument("severity", "severity is required"));
  auto made = s_.incidents.Create(incident, "admin");
  if (!made.ok()) return Problem(made.error());
  Response response = http::JsonResponse(http::status::kCreated, ops::IncidentJson(*made));
  response.SetHeader("Location", "/api/v1/admin/incidents/" + std::to_string(made->id));
  return response;
}

Response OpsHandler::ResolveIncident(Request& request, const Caller&) {
  auto id = ParseIncidentId(request.PathParam("id"));
  if (!id.ok()) return Problem(id.error());
  if (!HasJsonContentType(request)) return UnsupportedMediaType();
  auto body = ObjectBody(request, {"note"});
  if (!body.ok()) return Problem(body.error());
  auto note = StringField(*body, "note");
  if (!note.ok()) return Problem(note.error());
  auto resolved = s_.incidents.Resolve(*id, "admin", *note);
  if (!resolved.ok()) return Problem(resolved.error());
  return http::JsonResponse(http::status::kOk, ops::IncidentJson(*resolved));
}

}  // namespace analytics::api
