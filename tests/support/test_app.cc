#include "support/test_app.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "base/check.h"

namespace analytics::test {

TestApp::TestApp(const std::function<void(config::Config&)>& tweak, const Clock* clock)
    : TestApp(Backend::kSqliteMemory, tweak, clock) {}

TestApp::TestApp(Backend backend, const std::function<void(config::Config&)>& tweak,
                 const Clock* clock)
    : lease_(std::make_unique<BackendLease>(backend, dir_)) {
  config_.database.url = lease_->database_url();
  config_.cache.url = lease_->cache_url();
  config_.server.port = 0;
  config_.server.workers = 4;
  config_.auth.admin_token = kAdminToken;
  config_.logging.dir = dir_.File("log");
  config_.jobs.log_dir = dir_.File("log/jobs");
  config_.rate_limit.enabled = false;
  if (tweak) tweak(config_);
  auto app = app::App::Build(config_, clock);
  ANALYTICS_CHECK(app.ok()) << "TestApp: " << app.error().message;
  app_ = std::move(*app);
  auto server = app_->StartServer();
  ANALYTICS_CHECK(server.ok()) << "TestApp: " << server.error().message;
  server_ = std::move(*server);
}

TestApp::~TestApp() {
  if (server_) server_->Stop();
}

std::string TestApp::CreateUser(const std::string& id) {
  auto issued = app_->users().Create(id);
  ANALYTICS_CHECK(issued.ok()) << "CreateUser: " << issued.error().message;
  return issued->token;
}

namespace {
std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}
}  // namespace

std::string TestApp::DatabaseBytes() const {
  if (lease_->backend() == Backend::kSqliteMemory) {
    std::string db = lease_->database_url().substr(std::string("sqlite:///").size());
    return ReadAll(db) + ReadAll(db + "-wal") + ReadAll(db + "-journal");
  }
  std::string out;
  FILE* dump =
      popen(("pg_dump --no-owner '" + lease_->database_url() + "' 2>/dev/null").c_str(), "r");
  ANALYTICS_CHECK(dump != nullptr) << "cannot run pg_dump";
  char buf[65536];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, dump)) > 0;) out.append(buf, n);
  ANALYTICS_CHECK(pclose(dump) == 0) << "pg_dump failed";
  return out;
}

std::pair<std::string, std::string> TestApp::Auth(const std::string& token) {
  return {"Authorization", "Bearer " + token};
}

}  // namespace analytics::test
