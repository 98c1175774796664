#include <nlohmann/json.hpp>

#include "api/handlers.h"
#include "api/json_input.h"
#include "jobs/status.h"

namespace analytics::api {
namespace {

using Json = nlohmann::ordered_json;

Json OptTime(const std::optional<Time>& t) { return t ? Json(FormatTime(*t)) : Json(nullptr); }

Json RunJson(const storage::JobRunRow& r) {
  return Json{{"id", r.id},
              {"job", r.job},
              {"args", r.args},
              {"started_at", FormatTime(r.started_at)},
              {"finished_at", OptTime(r.finished_at)},
              {"status", r.status},
              {"rows", r.rows},
              {"error", r.error.empty() ? Json(nullptr) : Json(r.error)},
              {"host", r.host}};
}

Result<Day> DayField(const Json& body, const char* name) {
  const Json& v = body.at(name);
  if (!v.is_string()) return InvalidArgument(name, std::string(name) + " must be YYYY-MM-DD");
  auto day = ParseDay(v.get_ref<const std::string&>());
  if (!day) return InvalidArgument(name, std::string(name) + " must be YYYY-MM-DD");
  return *day;
}

Result<jobs::JobArgs> ParseArgs(const Json& body) {
  jobs::JobArgs args;
  if (!body.is_object()) return InvalidArgument("body", "body must be a JSON object");
  for (const auto& [key, value] : body.items()) {
    if (key == "date" || key == "from" || key == "to") {
      auto day = DayField(body, key.c_str());
      if (!day.ok()) return day.error();
      (key == "date" ? args.date : key == "from" ? args.from : args.to) = *day;
    } else if (key == "top_users") {
      if (!value.is_number_integer() || value.get<std::int64_t>() < 1 ||
          value.get<std::int64_t>() > 1'000'000) {
        return InvalidArgument("top_users", "top_users must be an integer from 1 to 1000000");
      }
      args.top_users = value.get<int>();
    } else {
      return InvalidArgument(key, "unknown field '" + key + "'");
    }
  }
  return args;
}

}  // namespace

Response JobsHandler::Status(Request&, const Caller&) {
  auto statuses = jobs::Status(s_.jobs, "");
  if (!statuses.ok()) return Problem(statuses.error());
  Json list = Json::array();
  for (const auto& st : *statuses) {
    list.push_back(Json{
        {"job", st.job},
        {"state", jobs::ToString(st.state)},
        {"schedule", st.schedule},
        {"next_run", OptTime(st.next_run)},
        {"not_applicable", st.not_applicable.empty() ? Json(nullptr) : Json(st.not_applicable)},
        {"last_success", OptTime(st.last_success)},
        {"last_run", st.last_run ? RunJson(*st.last_run) : Json(nullptr)}});
  }
  return http::JsonResponse(http::status::kOk, Json{{"jobs", std::move(list)}}.dump());
}

// Runs the job to completion in this request (a day's aggregation takes
// seconds); the run is recorded in job_runs like a scheduled one.
Response JobsHandler::Run(Request& request, const Caller&) {
  std::string name(request.PathParam("name"));
  if (jobs::FindJob(name) == nullptr) return Problem(NotFound("no job named '" + name + "'"));
  jobs::JobArgs args;
  if (!request.body.empty()) {
    if (!HasJsonContentType(request)) return UnsupportedMediaType();
    auto body = ParseJsonBody(request);
    if (!body.ok()) return Problem(body.error());
    auto parsed = ParseArgs(*body);
    if (!parsed.ok()) return Problem(parsed.error());
    args = *parsed;
  }
  auto report = s_.jobs.Run(name, args);
  if (!report.ok()) {
    Error error = report.error();
    // The runner names the CLI's flags; here they are the body's fields.
    if (error.field.rfind("--", 0) == 0) error.field = error.field.substr(2);
    return Problem(error);
  }
  Json j{{"run_id", report->run_id},
         {"job", name},
         {"status", report->succeeded ? "succeeded" : "failed"},
         {"rows", report->result.rows},
         {"summary", report->result.summary},
         {"error", report->succeeded ? Json(nullptr) : Json(report->error)},
         {"duration_ms", report->duration.count()}};
  if (!report->succeeded) {
    // problem+json (RFC 9457) with the run's id and error as extension members.
    Response response =
        http::ProblemResponse(http::status::kInternal, "job failed: " + report->error);
    Json problem = Json::parse(response.body);
    problem["run_id"] = report->run_id;
    problem["job"] = name;
    response.body = problem.dump();
    return response;
  }
  return http::JsonResponse(http::status::kOk, j.dump());
}

}  // namespace analytics::api
