// `analytics doctor` (runbook "Daily Health Check") under the real binary:
// passes on a healthy PostgreSQL + Redis setup, and fails naming the right
// check when PostgreSQL is stopped, when Redis is stopped, when a job's last
// run failed, and when error.log has ERROR lines in the window.
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "base/time.h"
#include "e2e/backend_env.h"

namespace analytics::e2e {
namespace {

using Json = nlohmann::json;

// The check named `name` of doctor's --json output (null when absent).
Json CheckOf(const Json& report, const std::string& name) {
  if (!report.is_object() || !report.contains("checks")) return nullptr;
  for (const auto& c : report["checks"]) {
    if (c.value("name", "") == name) return c;
  }
  return nullptr;
}

std::string StatusOf(const Json& report, const std::string& name) {
  Json check = CheckOf(report, name);
  return check.is_object() ? check.value("status", "") : "absent";
}

class CliDoctor : public ServicesSuite {
 protected:
  // doctor --json in the server's folder (its logs), probing `port`.
  RunResult Doctor(const std::string& name, int port, std::vector<std::string> extra = {}) {
    const std::string dir = Path(name);
    std::vector<std::string> args = {
        "--config", dir + "/config.yml",
        "--json",   "doctor",
        "--url",    "http://127.0.0.1:" + std::to_string(port) + "/health"};
    args.insert(args.end(), extra.begin(), extra.end());
    ChildProcess child(BinaryPath(), args, ServiceEnv(), dir);
    if (!child.started()) return RunResult{{}, "", "could not start"};
    ExitStatus status = child.Wait(seconds(30));
    return RunResult{status, child.Stdout(), child.Stderr()};
  }
  static Json Parse(const RunResult& run) { return Json::parse(run.out, nullptr, false); }
};

TEST_F(CliDoctor, HealthyPostgresAndRedisPass) {
  const int port = FreePort();
  auto server = StartServer("serve", port);

  RunResult run = Doctor("serve", port);

  ASSERT_EQ(run.code(), 0) << run.Describe();
  Json report = Parse(run);
  EXPECT_EQ(report.value("status", ""), "ok") << run.out;
  for (const char* name :
       {"api_health", "database", "db_connections", "cache", "cache_memory", "error_log",
        "rate_limited", "disk:logs", "disk:job_logs", "disk:backups"}) {
    EXPECT_EQ(StatusOf(report, name), "ok") << name << ": " << CheckOf(report, name).dump();
  }
  EXPECT_EQ(StatusOf(report, "disk:data"), "skip") << "PostgreSQL's disk is the server's";
  EXPECT_NE(CheckOf(report, "database").value("value", "").find("postgresql"), std::string::npos);
  for (const auto& c : report["checks"]) EXPECT_NE(c.value("status", ""), "fail") << c.dump();
}

TEST_F(CliDoctor, PostgresStoppedFailsTheDatabaseCheck) {
  const int port = FreePort();
  auto server = StartServer("serve", port);
  ASSERT_TRUE(services().Postgres("stop"));
  // The server re-checks its database at most once a second (/health's cache).
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (testing::Get(port, "/health").status != 503 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(50));  // polling /health
  }

  RunResult run = Doctor("serve", port);
  ASSERT_TRUE(services().Postgres("start"));

  EXPECT_EQ(run.code(), 1) << run.Describe();
  Json report = Parse(run);
  EXPECT_EQ(StatusOf(report, "database"), "fail") << run.out;
  EXPECT_EQ(StatusOf(report, "api_health"), "fail") << "/health is 503 without the database";
  EXPECT_EQ(StatusOf(report, "cache"), "ok") << run.out;
  EXPECT_TRUE(Contains(run.err, "database"));
}

TEST_F(CliDoctor, RedisStoppedFailsTheCacheCheck) {
  const int port = FreePort();
  auto server = StartServer("serve", port);
  ASSERT_TRUE(services().Redis("stop"));

  RunResult run = Doctor("serve", port);
  ASSERT_TRUE(services().Redis("start"));

  EXPECT_EQ(run.code(), 1) << run.Describe();
  Json report = Parse(run);
  EXPECT_EQ(StatusOf(report, "cache"), "fail") << run.out;
  EXPECT_EQ(StatusOf(report, "database"), "ok") << run.out;
  EXPECT_TRUE(Contains(run.err, "cache"));
}

TEST_F(CliDoctor, FailedLastRunOfAJobFailsNamingTheJob) {
  const int port = FreePort();
  auto server = StartServer("serve", port);
  ShellResult inserted = RunShell(
      "psql -q " + ShellQuote(services().database_url()) +
      " -c \"INSERT INTO job_runs (job, started_at, finished_at, status, error, host, pid) "
      "VALUES ('cache_warming', now(), now(), 'failed', 'redis said no', 'h', 1)\" 2>&1");
  ASSERT_EQ(inserted.code, 0) << inserted.out;

  RunResult run = Doctor("serve", port);

  EXPECT_EQ(run.code(), 1) << run.Describe();
  Json report = Parse(run);
  EXPECT_EQ(StatusOf(report, "job:cache_warming"), "fail") << run.out;
  EXPECT_EQ(CheckOf(report, "job:cache_warming").value("note", ""), "redis said no");
  EXPECT_TRUE(Contains(run.err, "job:cache_warming"));
  EXPECT_FALSE(Contains(run.err, "database")) << "only the job failed";
}

std::string IsoAgo(std::chrono::minutes ago) {
  return FormatTime(
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()) -
      ago);
}

TEST_F(CliDoctor, ErrorLinesInTheWindowFailAndOlderOnesDoNot) {
  const int port = FreePort();
  auto server = StartServer("serve", port);
  const std::string log = Path("serve") + "/var/log/error.log";
  ASSERT_TRUE(std::filesystem::exists(log));
  {
    std::ofstream out(log, std::ios::app);
    out << IsoAgo(std::chrono::minutes(60 * 30)) << " ERROR long_ago {}\n"
        << IsoAgo(std::chrono::minutes(45)) << " ERROR database_timeout {\"ms\":5000}\n";
  }

  RunResult day = Doctor("serve", port);
  RunResult last_10_minutes = Doctor("serve", port, {"--since", "10 minutes ago"});

  EXPECT_EQ(day.code(), 1) << day.Describe();
  Json report = Parse(day);
  EXPECT_EQ(StatusOf(report, "error_log"), "fail") << day.out;
  EXPECT_EQ(CheckOf(report, "error_log").value("value", "").rfind("1 since", 0), 0u) << day.out;
  EXPECT_TRUE(Contains(day.err, "error_log"));
  EXPECT_EQ(last_10_minutes.code(), 0) << last_10_minutes.Describe();
  EXPECT_EQ(StatusOf(Parse(last_10_minutes), "error_log"), "ok");
}

TEST_F(CliDoctor, BadSinceIsAUsageError) {
  RunResult run = Run({"doctor", "--since", "a while"}, ServiceEnv());
  EXPECT_EQ(run.code(), 2) << run.Describe();
  EXPECT_TRUE(Contains(run.err, "--since"));
}

}  // namespace
}  // namespace analytics::e2e
