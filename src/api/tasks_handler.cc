#include <charconv>
#include <nlohmann/json.hpp>

#include "api/handlers.h"
#include "api/json_input.h"
#include "base/relative_time.h"
#include "model/task_json.h"

namespace analytics::api {
namespace {

constexpr int kDefaultPage = 100;

tasks::WriteContext Context(const Request& request, const Caller& caller) {
  return tasks::WriteContext{caller, request.request_id};
}

Response TaskResponse(int status, const model::Task& task) {
  return http::JsonResponse(status, model::ToJson(task));
}

// Cursors are opaque to clients: "t" + the last id seen, in base 36.
std::string EncodeCursor(std::int64_t id) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, id, 36);
  return "t" + std::string(buf, end);
}

Result<std::int64_t> DecodeCursor(const std::string& cursor) {
  std::int64_t id = 0;
  if (cursor.size() < 2 || cursor[0] != 't') {
    return InvalidArgument("cursor", "cursor is not one this server gave");
  }
  auto [end, ec] = std::from_chars(cursor.data() + 1, cursor.data() + cursor.size(), id, 36);
  if (ec != std::errc{} || end != cursor.data() + cursor.size() || id < 0) {
    return InvalidArgument("cursor", "cursor is not one this server gave");
  }
  return id;
}

}  // namespace

Response TasksHandler::Create(Request& request, const Caller& caller) {
  if (!HasJsonContentType(request)) return UnsupportedMediaType();
  auto body = ParseJsonBody(request);
  if (!body.ok()) return Problem(body.error());
  auto input = ParseNewTask(*body, "");
  if (!input.ok()) return Problem(input.error());
  auto task =
      s_.tasks.Create(Context(request, caller), std::string(request.PathParam("uid")), *input);
  if (!task.ok()) return Problem(task.error());
  Response response = TaskResponse(http::status::kCreated, *task);
  response.SetHeader("Location",
                     "/api/v1/users/" + task->user_id + "/tasks/" + std::to_string(task->id));
  return response;
}

Response TasksHandler::CreateBatch(Request& request, const Caller& caller) {
  if (!HasJsonContentType(request)) return UnsupportedMediaType();
  auto inputs = ParseNewTaskBatch(request);
  if (!inputs.ok()) return Problem(inputs.error());
  auto created = s_.tasks.CreateBatch(Context(request, caller),
                                      std::string(request.PathParam("uid")), std::move(*inputs));
  if (!created.ok()) return Problem(created.error());
  // Sized up front: a 10,000-task answer is about 3 MB, and growing a string
  // that large by doubling copies it and faults in fresh pages at each step.
  std::size_t size = 64;
  for (const model::Task& t : *created) size += 256 + t.user_id.size() + t.title.size();
  std::string json;
  json.reserve(size);
  json += "{\"created\":" + std::to_string(created->size()) + ",\"tasks\":[";
  for (std::size_t i = 0; i < created->size(); ++i) {
    if (i > 0) json += ',';
    model::AppendJson(json, (*created)[i]);
  }
  json += "]}";
  return http::JsonResponse(http::status::kCreated, std::move(json));
}

Response TasksHandler::List(Request& request, const Caller&) {
  storage::TaskFilter filter;
  filter.user_id = std::string(request.PathParam("uid"));
  auto limit = LimitParam(request, kDefaultPage);
  if (!limit.ok()) return Problem(limit.error());
  filter.limit = *limit;
  if (auto text = request.QueryParam("status")) {
    filter.status = model::ParseStatus(*text);
    if (!filter.status) {
      return Problem(
          InvalidArgument("status", "status must be one of todo, in_progress, done, cancelled"));
    }
  }
  if (auto text = request.QueryParam("priority")) {
    filter.priority = model::ParsePriority(*text);
    if (!filter.priority) {
      return Problem(
          InvalidArgument("priority", "priority must be one of low, medium, high, urgent"));
    }
  }
  auto include_deleted = BoolParam(request, "include_deleted", false);
  if (!include_deleted.ok()) return Problem(include_deleted.error());
  filter.include_deleted = *include_deleted;
  if (auto cursor = request.QueryParam("cursor")) {
    auto after = DecodeCursor(*cursor);
    if (!after.ok()) return Problem(after.error());
    filter.after_id = *after;
  }
  auto user = s_.users.Get(filter.user_id);
  if (!user.ok()) return Problem(user.error());

  int page = filter.limit;
  filter.limit = page + 1;  // one extra row tells whether another page follows
  auto list = s_.tasks.List(filter);
  if (!list.ok()) return Problem(list.error());
  bool more = static_cast<int>(list->size()) > page;
  if (more) list->resize(page);
  std::string json = "{\"items\":[";
  for (std::size_t i = 0; i < list->size(); ++i) {
    if (i > 0) json += ',';
    model::AppendJson(json, (*list)[i]);
  }
  json += "],\"next_cursor\":";
  json += more ? "\"" + EncodeCursor(list->back().id) + "\"" : "null";
  json += "}";
  return http::JsonResponse(http::status::kOk, std::move(json));
}

Response TasksHandler::Get(Request& request, const Caller&) {
  auto id = ParseTaskId(request.PathParam("id"));
  if (!id.ok()) return Problem(id.error());
  auto task = s_.tasks.Get(std::string(request.PathParam("uid")), *id);
  if (!task.ok()) return Problem(task.error());
  return TaskResponse(http::status::kOk, *task);
}

Response TasksHandler::Update(Request& request, const Caller& caller) {
  auto id = ParseTaskId(request.PathParam("id"));
  if (!id.ok()) return Problem(id.error());
  if (!HasJsonContentType(request)) return UnsupportedMediaType();
  auto body = ParseJsonBody(request);
  if (!body.ok()) return Problem(body.error());
  auto patch = ParseTaskPatch(*body);
  if (!patch.ok()) return Problem(patch.error());
  auto task =
      s_.tasks.Update(Context(request, caller), std::string(request.PathParam("uid")), *id, *patch);
  if (!task.ok()) return Problem(task.error());
  return TaskResponse(http::status::kOk, *task);
}

Response TasksHandler::Delete(Request& request, const Caller& caller) {
  auto id = ParseTaskId(request.PathParam("id"));
  if (!id.ok()) return Problem(id.error());
  auto task = s_.tasks.Delete(Context(request, caller), std::string(request.PathParam("uid")), *id);
  if (!task.ok()) return Problem(task.error());
  return TaskResponse(http::status::kOk, *task);
}

Response TasksHandler::Restore(Request& request, const Caller& caller) {
  auto id = ParseTaskId(request.PathParam("id"));
  if (!id.ok()) return Problem(id.error());
  auto task =
      s_.tasks.Restore(Context(request, caller), std::string(request.PathParam("uid")), *id);
  if (!task.ok()) return Problem(task.error());
  return TaskResponse(http::status::kOk, *task);
}

Response TasksHandler::Undelete(Request& request, const Caller& caller) {
  const Time now = s_.clock.Now();
  auto since_text = request.QueryParam("since");
  if (!since_text) return Problem(InvalidArgument("since", "since is required"));
  auto since = ParseSinceOrError(*since_text, now, "since");
  if (!since.ok()) return Problem(since.error());
  Result<Time> until = now;
  if (auto text = request.QueryParam("until")) until = ParseSinceOrError(*text, now, "until");
  if (!until.ok()) return Problem(until.error());
  auto dry_run = BoolParam(request, "dry_run", false);
  if (!dry_run.ok()) return Problem(dry_run.error());
  const std::string uid(request.PathParam("uid"));
  auto undone = s_.tasks.Undelete(Context(request, caller), uid, *since, *until, *dry_run);
  if (!undone.ok()) return Problem(undone.error());
  nlohmann::ordered_json tasks = nlohmann::ordered_json::array();
  for (const auto& u : *undone) {
    tasks.push_back(
        {{"id", u.task.id}, {"title", u.task.title}, {"deleted_at", FormatTime(u.deleted_at)}});
  }
  nlohmann::ordered_json body = {
      {"user_id", uid},
      {"since", FormatTime(*since)},
      {"until", FormatTime(*until)},
      {"dry_run", *dry_run},
      {"request_id",
       *dry_run ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(request.request_id)},
      {"count", undone->size()},
      {"tasks", std::move(tasks)}};
  return http::JsonResponse(http::status::kOk, body.dump());
}

}  // namespace analytics::api
