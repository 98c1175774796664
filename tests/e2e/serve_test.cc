// `analytics serve` as a process: answers over a real socket, stops cleanly on
// SIGTERM/SIGINT, writes its three logs, and fails fast on a busy port.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "e2e/child_process.h"
#include "jobs/job.h"

namespace analytics::e2e {
namespace {

using Json = nlohmann::json;

constexpr char kAdminToken[] = "e2e-admin-token-0123456789abcdef0123";
constexpr auto kStopWithin = seconds(5);

testing::HeaderList Bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

class Serve : public E2eTest {};

TEST_F(Serve, AnswersThenStopsCleanlyOnSigterm) {
  RunResult created = Run({"--json", "users", "create", "cli-user"});
  ASSERT_EQ(created.code(), 0) << created.Describe();
  const std::string cli_token = Json::parse(created.out).value("token", "");
  const int port = FreePort();
  auto server =
      Start({"serve", "--port", std::to_string(port)}, {{"ANALYTICS_ADMIN_TOKEN", kAdminToken}});
  ASSERT_TRUE(WaitHealthy(*server, port)) << server->Stderr();

  testing::HttpResult health = testing::Get(port, "/health");
  testing::HttpResult anonymous = testing::Post(port, "/api/v1/users", R"({"id":"carol"})");
  testing::HttpResult create =
      testing::Post(port, "/api/v1/users", R"({"id":"carol"})", Bearer(kAdminToken));
  const std::string carol_token = Json::parse(create.body, nullptr, false).value("token", "");
  testing::HttpResult as_carol = testing::Get(port, "/api/v1/users/carol", Bearer(carol_token));
  testing::HttpResult as_cli_user = testing::Get(port, "/api/v1/users/cli-user", Bearer(cli_token));
  server->Signal(SIGTERM);
  ExitStatus stopped = server->Wait(kStopWithin);

  EXPECT_EQ(health.status, 200) << health.body;
  EXPECT_EQ(Json::parse(health.body, nullptr, false).value("status", ""), "healthy") << health.body;
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  EXPECT_EQ(create.status, 201) << create.body;
  EXPECT_GE(carol_token.size(), 20u) << create.body;
  EXPECT_EQ(as_carol.status, 200) << as_carol.body;
  EXPECT_EQ(as_cli_user.status, 200) << "a token from `users create` works over HTTP";
  EXPECT_EQ(stopped.code, 0) << stopped.Describe() << "\n" << server->Stderr();
  RunResult list = Run({"--json", "users", "list"});
  EXPECT_TRUE(Contains(list.out, "\"carol\"")) << "the user created over HTTP is stored";
}

TEST_F(Serve, StopsCleanlyOnSigint) {
  const int port = FreePort();
  auto server = Start({"serve", "--port", std::to_string(port)});
  ASSERT_TRUE(WaitHealthy(*server, port)) << server->Stderr();

  server->Signal(SIGINT);
  ExitStatus stopped = server->Wait(kStopWithin);

  EXPECT_EQ(stopped.code, 0) << stopped.Describe() << "\n" << server->Stderr();
}

TEST_F(Serve, WritesJsonAccessAndErrorLogs) {
  const int port = FreePort();
  auto server = Start({"serve", "--port", std::to_string(port)});
  ASSERT_TRUE(WaitHealthy(*server, port)) << server->Stderr();
  testing::HttpResult health =
      testing::Get(port, "/health", {{"User-Agent", "e2e-agent"}, {"X-Request-Id", "e2e-rid-1"}});
  testing::HttpResult missing = testing::Get(port, "/api/v1/users/nobody");
  server->Signal(SIGTERM);
  ASSERT_EQ(server->Wait(kStopWithin).code, 0) << server->Stderr();

  const std::string dir = Path("var/log");
  EXPECT_TRUE(std::filesystem::is_regular_file(dir + "/error.log"));
  EXPECT_TRUE(std::filesystem::is_directory(dir + "/jobs"));

  // analytics.log: every line a JSON object with ts, level and event.
  std::vector<std::string> events;
  for (const std::string& line : Lines(ReadFileText(dir + "/analytics.log"))) {
    Json entry = Json::parse(line, nullptr, false);
    ASSERT_TRUE(entry.is_object()) << "not a JSON line: " << line;
    EXPECT_TRUE(entry.contains("ts") && entry.contains("level")) << line;
    events.push_back(entry.value("event", ""));
    if (entry.value("event", "") == "server_started") {
      EXPECT_EQ(entry.value("port", 0), port) << line;
    }
  }
  EXPECT_NE(std::find(events.begin(), events.end(), "server_started"), events.end());
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back(), "server_stopped");

  // access.log: combined format, client address first, then latency and rid=.
  EXPECT_EQ(health.Header("X-Request-Id"), "e2e-rid-1");
  const std::regex combined(
      R"re(^127\.0\.0\.1 \S+ \S+ \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] )re"
      R"re("(\S+) (\S+) HTTP/1\.1" (\d{3}) \d+ "[^"]*" "([^"]*)".* rid=(\S+).*$)re");
  bool saw_health = false, saw_missing = false;
  for (const std::string& line : Lines(ReadFileText(dir + "/access.log"))) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, combined)) << "not combined format: " << line;
    if (m[2] == "/health" && m[5] == "e2e-rid-1") {
      saw_health = true;
      EXPECT_EQ(m[1], "GET");
      EXPECT_EQ(m[3], "200");
      EXPECT_EQ(m[4], "e2e-agent");
    }
    if (m[2] == "/api/v1/users/nobody") {
      saw_missing = true;
      EXPECT_EQ(m[3], std::to_string(missing.status));
      EXPECT_EQ(m[5], missing.Header("X-Request-Id"));
    }
  }
  EXPECT_TRUE(saw_health) << ReadFileText(dir + "/access.log");
  EXPECT_TRUE(saw_missing) << ReadFileText(dir + "/access.log");
}

// SPEC §8, issue 12: a dashboard or alert never sees a missing series, so a
// fresh server already exports every job's run counter and last success (0).
TEST_F(Serve, FreshServerExportsEveryJobsSeries) {
  const int port = FreePort();
  auto server = Start({"serve", "--port", std::to_string(port)});
  ASSERT_TRUE(WaitHealthy(*server, port)) << server->Stderr();

  testing::HttpResult scrape = testing::Get(port, "/metrics");
  server->Signal(SIGTERM);
  ASSERT_EQ(server->Wait(kStopWithin).code, 0) << server->Stderr();

  ASSERT_EQ(scrape.status, 200) << scrape.body;
  ASSERT_FALSE(jobs::Catalog().empty());
  for (const jobs::JobDefinition& job : jobs::Catalog()) {
    for (const char* status : {"running", "succeeded", "failed"}) {
      std::string series =
          "analytics_job_runs_total{job=\"" + job.name + "\",status=\"" + status + "\"} 0\n";
      EXPECT_TRUE(Contains(scrape.body, series)) << series << "missing in\n" << scrape.body;
    }
    std::string success =
        "analytics_job_last_success_timestamp_seconds{job=\"" + job.name + "\"} 0\n";
    EXPECT_TRUE(Contains(scrape.body, success)) << success << "missing in\n" << scrape.body;
  }
  EXPECT_TRUE(Contains(scrape.body, "analytics_active_users 0\n")) << scrape.body;
  EXPECT_TRUE(Contains(scrape.body, "analytics_db_up 1\n")) << scrape.body;
}

TEST_F(Serve, BusyPortExitsNonZeroNamingTheAddress) {
  BusyPort busy;
  ASSERT_NE(busy.port(), 0);

  RunResult run = Run({"serve", "--port", std::to_string(busy.port())}, {}, seconds(10));

  EXPECT_FALSE(run.status.timed_out) << "must not hang on a busy port";
  EXPECT_NE(run.code(), 0) << run.Describe();
  EXPECT_EQ(run.status.signal, 0) << run.Describe();
  EXPECT_TRUE(Contains(run.err, "127.0.0.1:" + std::to_string(busy.port())));
}

TEST_F(Serve, PortFlagOverridesTheConfigFile) {
  BusyPort busy;
  WriteFileText(Path("config.yml"), "server:\n  port: " + std::to_string(busy.port()) + "\n");
  const int port = FreePort();

  auto server = Start({"--config", "config.yml", "serve", "--port", std::to_string(port)});

  ASSERT_TRUE(WaitHealthy(*server, port)) << server->Stderr();
  server->Signal(SIGTERM);
  EXPECT_EQ(server->Wait(kStopWithin).code, 0) << server->Stderr();
}

TEST_F(Serve, UnwritableLogDirectoryExitsNonZeroNamingIt) {
  WriteFileText(Path("config.yml"), "logging:\n  dir: /proc/no-such-dir/log\n");

  RunResult run = Run({"--config", "config.yml", "serve", "--port", std::to_string(FreePort())}, {},
                      seconds(10));

  EXPECT_FALSE(run.status.timed_out);
  EXPECT_NE(run.code(), 0) << run.Describe();
  EXPECT_TRUE(Contains(run.err, "/proc/no-such-dir/log"));
}

}  // namespace
}  // namespace analytics::e2e
