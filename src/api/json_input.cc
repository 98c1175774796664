#include "api/json_input.h"

#include "model/task.h"

namespace analytics::api {
namespace {

using nlohmann::json;

Result<std::string> GetString(const json& object, const std::string& key,
                              const std::string& field) {
  const json& v = object.at(key);
  if (!v.is_string()) return InvalidArgument(field, field + " must be a string");
  return v.get<std::string>();
}

Result<std::optional<Time>> GetOptionalTime(const json& object, const std::string& key,
                                            const std::string& field) {
  const json& v = object.at(key);
  if (v.is_null()) return std::optional<Time>{};
  if (!v.is_string()) {
    return InvalidArgument(field, field + " must be an ISO 8601 time string or null");
  }
  auto t = ParseTime(v.get_ref<const std::string&>());
  if (!t) {
    return InvalidArgument(field, field + " must be an ISO 8601 time with a zone, e.g. "
                                          "2024-01-15T10:00:00Z");
  }
  return std::optional<Time>{*t};
}

Result<model::TaskStatus> GetStatus(const json& object, const std::string& field) {
  auto s = GetString(object, "status", field);
  if (!s.ok()) return s.error();
  auto status = model::ParseStatus(*s);
  if (!status) {
    return InvalidArgument(field, field + " must be one of todo, in_progress, done, cancelled");
  }
  return *status;
}

Result<model::Priority> GetPriority(const json& object, const std::string& field) {
  auto s = GetString(object, "priority", field);
  if (!s.ok()) return s.error();
  auto priority = model::ParsePriority(*s);
  if (!priority) {
    return InvalidArgument(field, field + " must be one of low, medium, high, urgent");
  }
  return *priority;
}

Result<void> RejectUnknown(const json& object, std::initializer_list<std::string_view> known,
                           const std::string& prefix) {
  for (const auto& [key, value] : object.items()) {
    bool ok = false;
    for (std::string_view k : known) ok = ok || key == k;
    if (!ok) return InvalidArgument(prefix + key, "unknown field '" + prefix + key + "'");
  }
  return Ok();
}

}  // namespace

bool HasJsonContentType(const http::Request& request) {
  std::string_view type = request.Header("content-type");
  if (type.empty()) return true;
  auto semicolon = type.find(';');
  std::string base(type.substr(0, semicolon));
  while (!base.empty() && base.back() == ' ') base.pop_back();
  for (char& c : base) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return base == "application/json" || (base.size() > 5 && base.ends_with("+json"));
}

Result<json> ParseJsonBody(const http::Request& request) {
  if (request.body.empty()) return InvalidArgument("body", "request body is empty");
  // The parser stops at a NUL byte; JSON never contains a raw one, so refuse
  // rather than act on a prefix of what the client (or a proxy) sent.
  if (request.body.find('\0') != std::string::npos) {
    return InvalidArgument("body", "request body contains a NUL byte");
  }
  json parsed = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return InvalidArgument("body", "request body is not valid JSON (UTF-8)");
  }
  return parsed;
}

Result<tasks::NewTask> ParseNewTask(const json& object, const std::string& prefix) {
  if (!object.is_object()) {
    std::string field = prefix.empty() ? "body" : prefix.substr(0, prefix.size() - 1);
    return InvalidArgument(field, field + " must be a JSON object");
  }
  ANALYTICS_RETURN_IF_ERROR(RejectUnknown(
      object, {"title", "status", "priority", "due_at", "created_at", "completed_at"}, prefix));
  tasks::NewTask task;
  if (!object.contains("title")) {
    return InvalidArgument(prefix + "title", prefix + "title is required");
  }
  auto title = GetString(object, "title", prefix + "title");
  if (!title.ok()) return title.error();
  task.title = std::move(*title);
  if (object.contains("status")) {
    auto status = GetStatus(object, prefix + "status");
    if (!status.ok()) return status.error();
    task.status = *status;
  }
  if (object.contains("priority")) {
    auto priority = GetPriority(object, prefix + "priority");
    if (!priority.ok()) return priority.error();
    task.priority = *priority;
  }
  for (auto [key, target] : {std::pair{"due_at", &task.due_at},
                             std::pair{"created_at", &task.created_at},
                             std::pair{"completed_at", &task.completed_at}}) {
    if (!object.contains(key)) continue;
    auto t = GetOptionalTime(object, key, prefix + key);
    if (!t.ok()) return t.error();
    *target = *t;
  }
  return task;
}

Result<tasks::TaskPatch> ParseTaskPatch(const json& object) {
  if (!object.is_object()) return InvalidArgument("body", "body must be a JSON object");
  ANALYTICS_RETURN_IF_ERROR(RejectUnknown(object, {"title", "status", "priority", "due_at"}, ""));
  if (object.empty()) {
    return InvalidArgument("body", "nothing to change: give title, status, priority or due_at");
  }
  tasks::TaskPatch patch;
  if (object.contains("title")) {
    auto title = GetString(object, "title", "title");
    if (!title.ok()) return title.error();
    patch.title = std::move(*title);
  }
  if (object.contains("status")) {
    auto status = GetStatus(object, "status");
    if (!status.ok()) return status.error();
    patch.status = *status;
  }
  if (object.contains("priority")) {
    auto priority = GetPriority(object, "priority");
    if (!priority.ok()) return priority.error();
    patch.priority = *priority;
  }
  if (object.contains("due_at")) {
    auto due = GetOptionalTime(object, "due_at", "due_at");
    if (!due.ok()) return due.error();
    patch.due_at = *due;
  }
  return patch;
}

}  // namespace analytics::api
