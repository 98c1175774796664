// A whole App on a fresh SQLite file, for the fuzz targets that go through the
// API (json_body, query, http): built once per process, seeded with users
// alice and bob and a few of alice's tasks, and kept until the process exits.
#pragma once

#include <string>
#include <string_view>

#include "api/api.h"
#include "app/app.h"
#include "http/request.h"
#include "http/response.h"

namespace analytics::fuzz {

// Fixed, so that corpus files can carry "Authorization: Bearer <it>".
inline constexpr std::string_view kAdminToken = "fuzz-admin-token-0123456789abcdef";

// Not thread-safe to build (Get is called from the fuzzer's one thread).
class FuzzApp {
 public:
  // The process's one FuzzApp, built on first use. Aborts if it cannot be built.
  static FuzzApp& Get();

  app::App& app() { return *app_; }
  // Runs `request` through the same pipeline the server calls (rate limit,
  // authentication, router, handler) in this thread, drains a streamed body
  // into the response's body, and aborts on a 500: for input a client sent,
  // a 500 is a bug (an error the handlers did not map, or an exception).
  http::Response Handle(http::Request& request);
  // The App's real server on a free loopback port, started on first use.
  int ServerPort();

 private:
  FuzzApp();

  std::string dir_;
  std::unique_ptr<app::App> app_;
  std::unique_ptr<api::Api> api_;
  std::unique_ptr<http::Server> server_;
};

// A request as the server would build it from `method` and `target` (path and
// query, percent-decoded), with the admin token and a JSON content type.
// Returns false when the target's query does not decode (the server's 400).
bool BuildRequest(http::Method method, std::string_view target, std::string body,
                  http::Request& out);

}  // namespace analytics::fuzz
