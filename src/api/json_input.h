// Reading request bodies: JSON objects with typed fields, every error naming
// the field (SPEC §4: 400 naming the field; 415 for a body that is not JSON).
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "http/request.h"
#include "tasks/task_service.h"

namespace analytics::api {

// The body parsed as JSON. Errors: kInvalidArgument (field "body") for
// malformed JSON or invalid UTF-8; kUnprocessable is never used here.
// A Content-Type other than application/json is reported by the caller as 415.
Result<nlohmann::json> ParseJsonBody(const http::Request& request);
// True when the request declares a JSON body (or declares nothing).
bool HasJsonContentType(const http::Request& request);

// A new task from a JSON object; unknown fields are rejected by name.
Result<tasks::NewTask> ParseNewTask(const nlohmann::json& object, const std::string& prefix);
// A patch from a JSON object (title, status, priority, due_at).
Result<tasks::TaskPatch> ParseTaskPatch(const nlohmann::json& object);

}  // namespace analytics::api
