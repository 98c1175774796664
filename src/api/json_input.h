// Reading request bodies: JSON objects with typed fields, every error naming
// the field (SPEC §4: 400 naming the field; 415 for a body that is not JSON).
// json_input.cc reads bodies; task_input.cc reads tasks and patches from them.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

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

// The checks ParseJsonBody makes before parsing: a body, and no NUL byte.
Result<void> CheckBodyBytes(const http::Request& request);

// A new task from a JSON object; unknown fields are rejected by name.
Result<tasks::NewTask> ParseNewTask(const nlohmann::json& object, const std::string& prefix);
// The tasks of a tasks:batch body: a JSON array of task objects, or an object
// whose "tasks" member is one (its other members are ignored). Errors name
// the field: "body" for malformed JSON, for a body that is not such an array,
// or for more than tasks::kMaxBatchSize tasks; "[i].field" for the first
// invalid task. Read as it streams (SAX), never as a whole JSON tree.
Result<std::vector<tasks::NewTask>> ParseNewTaskBatch(const http::Request& request);
// A patch from a JSON object (title, status, priority, due_at).
Result<tasks::TaskPatch> ParseTaskPatch(const nlohmann::json& object);

}  // namespace analytics::api
