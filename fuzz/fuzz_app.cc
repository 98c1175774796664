#include "fuzz_app.h"

#include <cstdlib>
#include <filesystem>

#include "base/check.h"
#include "base/text.h"
#include "fuzz_check.h"

namespace analytics::fuzz {
namespace {

std::string MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "analytics-fuzz.XXXXXX").string();
  ANALYTICS_CHECK(mkdtemp(pattern.data()) != nullptr) << "cannot create " << pattern;
  return pattern;
}

std::string RemoveAtExitDir;

}  // namespace

FuzzApp& FuzzApp::Get() {
  // Never destroyed: libFuzzer ends with exit() while server threads may run.
  static FuzzApp* app = new FuzzApp();
  return *app;
}

FuzzApp::FuzzApp() : dir_(MakeTempDir()) {
  config::Config config;
  config.database.url = "sqlite:///" + dir_ + "/fuzz.db";
  config.cache.url = "memory";
  config.server.port = 0;
  config.server.workers = 2;
  config.auth.admin_token = std::string(kAdminToken);
  config.logging.dir = dir_ + "/log";
  config.jobs.log_dir = dir_ + "/log/jobs";
  config.jobs.scheduler_enabled = false;
  config.backup.dir = dir_ + "/backups";
  config.rate_limit.enabled = false;
  auto built = app::App::Build(config);
  ANALYTICS_CHECK(built.ok()) << "FuzzApp: " << built.error().message;
  app_ = std::move(*built);

  app::App& a = *app_;
  api_ = std::make_unique<api::Api>(
      api::Services{a.users(), a.tasks(), a.stats(), a.metrics(), a.jobs(), a.clock(), a.signals(),
                    a.incidents()},
      api::ApiOptions{config.rate_limit, config.server.metrics_require_admin});

  for (const char* user : {"alice", "bob"}) {
    ANALYTICS_CHECK(a.users().Create(user).ok()) << "FuzzApp: cannot create " << user;
  }
  const char* seeds[] = {
      R"({"title":"write report","priority":"high","due_at":"2024-01-20T17:00:00Z"})",
      R"({"title":"review","status":"done","created_at":"2024-01-10T09:00:00Z","completed_at":"2024-01-12T10:30:00Z"})",
      R"({"title":"plan","status":"in_progress","priority":"low"})",
  };
  for (const char* body : seeds) {
    http::Request request;
    ANALYTICS_CHECK(BuildRequest(http::Method::kPost, "/api/v1/users/alice/tasks", body, request));
    http::Response response = Handle(request);
    ANALYTICS_CHECK(response.status == http::status::kCreated) << response.body;
  }
  RemoveAtExitDir = dir_;
  std::atexit([] { std::filesystem::remove_all(RemoveAtExitDir); });
}

http::Response FuzzApp::Handle(http::Request& request) {
  http::Response response = api_->Handle(request);
  if (response.stream) {
    std::string piece;
    for (;;) {
      piece.clear();
      Result<bool> more = response.stream(piece);
      if (!more.ok()) Fail("a streamed body failed: " + more.error().message, request.target);
      response.body += piece;
      if (!*more) break;
    }
  }
  if (response.status == http::status::kInternal) {
    Fail("500 for " + std::string(http::ToString(request.method)) + " " + request.target,
         response.body);
  }
  return response;
}

int FuzzApp::ServerPort() {
  if (!server_) {
    auto server = app_->StartServer();
    ANALYTICS_CHECK(server.ok()) << "FuzzApp: " << server.error().message;
    server_ = std::move(*server);
  }
  return server_->port();
}

bool BuildRequest(http::Method method, std::string_view target, std::string body,
                  http::Request& out) {
  out.method = method;
  out.method_text = std::string(http::ToString(method));
  out.target = std::string(target);
  const std::size_t question = target.find('?');
  auto path = PercentDecode(target.substr(0, question), false);
  if (!path) return false;
  out.path = std::move(*path);
  if (question != std::string_view::npos) {
    auto query = http::ParseQuery(target.substr(question + 1));
    if (!query) return false;
    out.query = std::move(*query);
  }
  out.body = std::move(body);
  out.remote_address = "127.0.0.1";
  out.request_id = "fuzz";
  out.headers = {{"authorization", "Bearer " + std::string(kAdminToken)},
                 {"content-type", "application/json"}};
  return true;
}

}  // namespace analytics::fuzz
