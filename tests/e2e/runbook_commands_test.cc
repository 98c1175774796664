// The runbook top to bottom in our own commands (docs/runbook.md), as a new
// operator would run them against `analytics serve` on a private PostgreSQL
// + Redis pair: daily and weekly health checks, the morning and evening
// routines, incident response, cache management, alerting and the emergency
// notification. No step may fail for want of a command.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "e2e/backend_env.h"

namespace analytics::e2e {
namespace {

using Json = nlohmann::json;

class RunbookCommands : public ServicesSuite {
 protected:
  // One config for the server and every command: absolute log, job-log and
  // backup folders (so `doctor` and the reports read the server's logs), a
  // one-second sample interval, no scheduler or rate limit.
  std::string WriteConfig(int port) {
    const std::string dir = Path("ops");
    std::filesystem::create_directories(dir);
    const std::string config = dir + "/config.yml";
    WriteFileText(config, "server:\n  port: " + std::to_string(port) +
                              "\nrate_limit:\n  enabled: false\njobs:\n  scheduler_enabled: "
                              "false\n  log_dir: " +
                              dir + "/log/jobs\nlogging:\n  dir: " + dir +
                              "/log\nbackup:\n  dir: " + dir +
                              "/backups\nalerts:\n  sample_interval_s: 1\n");
    return config;
  }
  RunResult Cli(const std::string& config, std::vector<std::string> args,
                milliseconds timeout = seconds(60)) {
    args.insert(args.begin(), {"--config", config});
    return Run(args, ServiceEnv(), timeout);
  }
  static Json Parse(const RunResult& run) { return Json::parse(run.out, nullptr, false); }
};

TEST_F(RunbookCommands, EveryProcedureHasAWorkingCommand) {
  const int port = FreePort();
  const std::string config = WriteConfig(port);
  const std::string dir = Path("ops");
  ChildProcess server(BinaryPath(), {"--config", config, "serve"}, ServiceEnv(), dir);
  ASSERT_TRUE(WaitHealthy(server, port, seconds(30))) << server.Stderr();
  ApiClient admin(port, kServicesAdminToken);
  ASSERT_FALSE(admin.CreateUser("rb-ops").empty());
  for (int t = 0; t < 5; ++t) {
    testing::HttpResult created =
        admin.Send("POST", "/api/v1/users/rb-ops/tasks", R"({"title":"t","status":"done"})");
    ASSERT_EQ(created.status, 201) << created.body;
  }
  for (int r = 0; r < 3; ++r) EXPECT_EQ(admin.Overview("rb-ops").status, 200);

  // Daily health check: one command, exit 0 on a healthy pair.
  RunResult doctor = Cli(config, {"--json", "doctor"});
  EXPECT_EQ(doctor.code(), 0) << doctor.Describe();
  EXPECT_EQ(Parse(doctor).value("status", ""), "ok") << doctor.out;

  // Weekly: the performance report counts the requests made above (the
  // server writes its access log at most a second behind).
  RunResult weekly;
  for (int attempt = 0; attempt < 50; ++attempt) {
    weekly = Cli(config, {"--json", "report", "performance", "--days", "7"});
    if (weekly.out.find("analytics/overview") != std::string::npos) break;
    std::this_thread::sleep_for(milliseconds(100));
  }
  ASSERT_EQ(weekly.code(), 0) << weekly.Describe();
  EXPECT_TRUE(Contains(weekly.out, "/api/v1/users/{uid}/analytics/overview"));

  // Morning routine: alerts, the aggregation job, anomalies of yesterday.
  RunResult alerts = Cli(config, {"alerts", "check", "--since", "24 hours ago"});
  EXPECT_EQ(alerts.code(), 0) << alerts.Describe();
  EXPECT_TRUE(Contains(alerts.out, "API Down"));
  RunResult aggregated = Cli(config, {"job", "run", "daily_aggregation"});
  EXPECT_EQ(aggregated.code(), 0) << aggregated.Describe();
  RunResult job = Cli(config, {"job", "status", "daily_aggregation"});
  EXPECT_EQ(job.code(), 0) << job.Describe();
  RunResult anomalies = Cli(config, {"anomalies"});
  EXPECT_EQ(anomalies.code(), 0) << anomalies.Describe();

  // Evening routine: views, cache warming, the day's summary.
  EXPECT_EQ(Cli(config, {"job", "run", "refresh_views"}).code(), 0);
  RunResult warm = Cli(config, {"cache", "warm", "--top-users", "1000"});
  EXPECT_EQ(warm.code(), 0) << warm.Describe();
  RunResult daily = Cli(config, {"--json", "report", "daily", "--date", "today"});
  EXPECT_EQ(daily.code(), 0) << daily.Describe();

  // Incident response: declare, list, resolve.
  RunResult created = Cli(config, {"--json", "incident", "create", "--severity", "P0", "--title",
                                   "Analytics System Outage"});
  ASSERT_EQ(created.code(), 0) << created.Describe();
  const std::int64_t id = Parse(created).value("id", std::int64_t{0});
  ASSERT_GT(id, 0) << created.out;
  RunResult open = Cli(config, {"incident", "list", "--open"});
  EXPECT_TRUE(Contains(open.out, "Analytics System Outage"));
  RunResult resolved = Cli(config, {"incident", "resolve", std::to_string(id), "--note", "ok"});
  EXPECT_EQ(resolved.code(), 0) << resolved.Describe();

  // Cache management: stats, one user's keys, our keys only.
  RunResult stats = Cli(config, {"cache", "stats"});
  EXPECT_EQ(stats.code(), 0) << stats.Describe();
  EXPECT_EQ(Cli(config, {"cache", "invalidate", "rb-ops"}).code(), 0);
  EXPECT_EQ(services().RedisCli("SET other:key 1").out, "OK\n");
  EXPECT_EQ(Cli(config, {"cache", "flush"}).code(), 0);
  EXPECT_EQ(services().RedisCli("GET other:key").out, "1\n") << "flush keeps others' keys";

  // Alerting: the rules export; silence and unsilence a runbook rule.
  RunResult exported = Cli(config, {"alerts", "export", "--format", "prometheus"});
  EXPECT_EQ(exported.code(), 0) << exported.Describe();
  EXPECT_TRUE(Contains(exported.out, "alert: APIDown"));
  RunResult silenced =
      Cli(config, {"alerts", "silence", "High CPU Usage", "--for", "2h", "--reason", "load test"});
  EXPECT_EQ(silenced.code(), 0) << silenced.Describe();
  EXPECT_EQ(Cli(config, {"alerts", "unsilence", "High CPU Usage"}).code(), 0);

  // Emergency notification with no target configured: says so, non-zero.
  RunResult notify = Cli(config, {"notify", "--message", "System shutdown"});
  EXPECT_NE(notify.code(), 0) << notify.Describe();
  EXPECT_TRUE(Contains(notify.err, "target"));

  // The server was sampling all along: /admin/stats has the request rate.
  testing::HttpResult series = admin.Send("GET", "/api/v1/admin/stats?signals=request_rate", "");
  EXPECT_EQ(series.status, 200) << series.body;
  EXPECT_TRUE(Contains(series.body, "request_rate"));
}

}  // namespace
}  // namespace analytics::e2e
