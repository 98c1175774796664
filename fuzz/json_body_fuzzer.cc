// Every JSON body the API reads. The input's first line names the reader, the
// rest is the body ("create\n{...}"); an input whose first line names none is
// a body whole, its first byte choosing the reader.
//
// The parsers of api/json_input.h run directly (fast, no storage): a task, a
// patch, and a tasks:batch body, which is also checked against a whole-tree
// reading of the same body (same tasks, or the same first error). The bodies
// read inside handlers (users, jobs, cache invalidation) and the writes go
// through FuzzApp's API over SQLite; a 500 there is a failure.
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "api/json_input.h"
#include "fuzz_app.h"
#include "fuzz_check.h"

namespace {

using analytics::Error;
using analytics::Result;
using analytics::fuzz::Fail;
using analytics::http::Method;
using analytics::http::Request;
namespace api = analytics::api;
namespace tasks = analytics::tasks;
using nlohmann::json;

bool SameTask(const tasks::NewTask& a, const tasks::NewTask& b) {
  return a.title == b.title && a.status == b.status && a.priority == b.priority &&
         a.due_at == b.due_at && a.created_at == b.created_at && a.completed_at == b.completed_at;
}

bool SameError(const Error& a, const Error& b) {
  return a.code == b.code && a.field == b.field && a.message == b.message;
}

// What ParseNewTaskBatch must give, computed from a whole JSON tree.
Result<std::vector<tasks::NewTask>> BatchFromTree(const Request& request) {
  if (auto bytes = api::CheckBodyBytes(request); !bytes.ok()) return bytes.error();
  const json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    return analytics::InvalidArgument("body", "request body is not valid JSON (UTF-8)");
  }
  const json* items = &body;
  if (body.is_object()) {
    auto member = body.find("tasks");
    items = member == body.end() ? nullptr : &*member;
  }
  if (items == nullptr || !items->is_array()) {
    return analytics::InvalidArgument("body", "body must be a JSON array of tasks");
  }
  if (items->size() > tasks::kMaxBatchSize) {
    return analytics::InvalidArgument("body", "at most 10000 tasks per batch");
  }
  std::vector<tasks::NewTask> out;
  for (std::size_t i = 0; i < items->size(); ++i) {
    auto task = api::ParseNewTask((*items)[i], "[" + std::to_string(i) + "].");
    if (!task.ok()) return task.error();
    out.push_back(std::move(*task));
  }
  return out;
}

void CheckBatch(const Request& request) {
  auto streamed = api::ParseNewTaskBatch(request);
  auto tree = BatchFromTree(request);
  if (streamed.ok() != tree.ok()) {
    Fail("tasks:batch: streamed and tree readings disagree on success",
         streamed.ok() ? tree.error().field : streamed.error().field);
  }
  if (!streamed.ok()) {
    if (!SameError(streamed.error(), tree.error())) {
      Fail("tasks:batch: streamed and tree readings report different errors",
           streamed.error().field + " / " + tree.error().field);
    }
    return;
  }
  if (streamed->size() != tree->size()) Fail("tasks:batch: different task counts");
  for (std::size_t i = 0; i < tree->size(); ++i) {
    if (!SameTask((*streamed)[i], (*tree)[i])) Fail("tasks:batch: different tasks");
  }
}

void Direct(std::string_view reader, const Request& request) {
  if (reader == "batch") return CheckBatch(request);
  auto body = api::ParseJsonBody(request);
  if (!body.ok()) return;
  if (reader == "task") {
    (void)api::ParseNewTask(*body, "");
  } else {
    (void)api::ParseTaskPatch(*body);
  }
}

struct ApiReader {
  std::string_view name;
  Method method;
  std::string_view target;
};

constexpr ApiReader kApiReaders[] = {
    {"users", Method::kPost, "/api/v1/users"},
    {"create", Method::kPost, "/api/v1/users/alice/tasks"},
    {"update", Method::kPatch, "/api/v1/users/alice/tasks/2"},
    {"tasks:batch", Method::kPost, "/api/v1/users/alice/tasks:batch"},
    {"jobs", Method::kPost, "/api/v1/admin/jobs/daily_aggregation/run"},
    {"invalidate", Method::kPost, "/api/v1/admin/cache/invalidate"},
};
constexpr std::string_view kDirectReaders[] = {"task", "patch", "batch"};
constexpr std::size_t kReaders = std::size(kDirectReaders) + std::size(kApiReaders);

std::string_view ReaderName(std::size_t i) {
  return i < std::size(kDirectReaders) ? kDirectReaders[i]
                                       : kApiReaders[i - std::size(kDirectReaders)].name;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view first_line = input.substr(0, newline);
  std::size_t reader = kReaders;
  for (std::size_t i = 0; i < kReaders; ++i) {
    if (first_line == ReaderName(i)) reader = i;
  }
  std::string_view body = input;
  if (reader == kReaders) {
    reader = data[0] % kReaders;
  } else {
    body = newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);
  }

  if (reader < std::size(kDirectReaders)) {
    Request request;
    request.body = std::string(body);
    Direct(kDirectReaders[reader], request);
    return 0;
  }
  const ApiReader& api_reader = kApiReaders[reader - std::size(kDirectReaders)];
  auto& app = analytics::fuzz::FuzzApp::Get();
  Request request;
  if (!analytics::fuzz::BuildRequest(api_reader.method, api_reader.target, std::string(body),
                                     request)) {
    Fail("a fixed target does not build", api_reader.target);
  }
  app.Handle(request);
  return 0;
}
