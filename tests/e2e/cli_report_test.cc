// `analytics report performance|daily` under the real binary: a server gets
// a known set of requests, then the reports' counts equal them exactly and
// their percentiles lie within one bucket of the server's own /metrics
// histogram of the same requests.
#include <gtest/gtest.h>

#include <cmath>
#include <csignal>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>

#include "base/time.h"
#include "e2e/backend_env.h"

namespace analytics::e2e {
namespace {

using Json = nlohmann::json;

constexpr char kAdmin[] = "e2e-report-admin-token-0123456789abcdef";

testing::HeaderList Admin() { return {{"Authorization", std::string("Bearer ") + kAdmin}}; }

// One route's histogram of /metrics: upper bounds and cumulative counts.
struct Buckets {
  std::vector<std::pair<double, double>> le_count;  // sorted by le; +Inf last
};

Buckets BucketsOf(const std::string& metrics, const std::string& method, const std::string& route) {
  Buckets b;
  std::istringstream in(metrics);
  const std::regex le_re("le=\"([^\"]+)\"\\}\\s+([0-9.e+]+)");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("analytics_http_request_duration_seconds_bucket{", 0) != 0) continue;
    if (line.find("method=\"" + method + "\"") == std::string::npos) continue;
    if (line.find("route=\"" + route + "\"") == std::string::npos) continue;
    std::smatch m;
    if (!std::regex_search(line, m, le_re)) continue;
    const double le = m[1] == "+Inf" ? INFINITY : std::stod(m[1]);
    b.le_count.emplace_back(le, std::stod(m[2]));
  }
  std::sort(b.le_count.begin(), b.le_count.end());
  return b;
}

// True when `value` lies in the bucket holding the histogram's q-quantile
// (nearest rank) or in one of its neighbours.
::testing::AssertionResult WithinOneBucket(const Buckets& b, double q, double value) {
  if (b.le_count.empty()) return ::testing::AssertionFailure() << "no histogram";
  const double n = b.le_count.back().second;
  const double rank = std::max(1.0, std::ceil(q * n));
  std::size_t k = 0;
  while (k < b.le_count.size() && b.le_count[k].second < rank) ++k;
  const double low = k >= 2 ? b.le_count[k - 2].first : 0;
  const double high = k + 1 < b.le_count.size() ? b.le_count[k + 1].first : INFINITY;
  if (value > low && value <= high) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "p" << q * 100 << " = " << value << " s outside (" << low << ", " << high << "]";
}

const Json* RouteOf(const Json& report, const std::string& method, const std::string& route) {
  for (const auto& r : report["routes"]) {
    if (r.value("method", "") == method && r.value("route", "") == route) return &r;
  }
  return nullptr;
}

class CliReport : public E2eTest {
 protected:
  // 3 user creations, 12 task creations, 5 overview reads, 2 unknown paths;
  // returns the server's /metrics text after them.
  std::string MakeKnownRequests(int port) {
    testing::Connection c(port);
    for (int u = 0; u < 3; ++u) {
      const std::string uid = "user" + std::to_string(u);
      EXPECT_EQ(c.Post("/api/v1/users", R"({"id":")" + uid + R"("})", Admin()).status, 201);
      for (int t = 0; t < 4; ++t) {
        EXPECT_EQ(c.Post("/api/v1/users/" + uid + "/tasks",
                         R"({"title":"t","status":"todo","priority":"low"})", Admin())
                      .status,
                  201);
      }
    }
    for (int i = 0; i < 5; ++i) {
      EXPECT_EQ(c.Send("GET", "/api/v1/users/user1/analytics/overview", "", Admin()).status, 200);
    }
    for (int i = 0; i < 2; ++i) EXPECT_EQ(c.Send("GET", "/no/such/path").status, 404);
    return c.Send("GET", "/metrics", "", Admin()).body;
  }
};

TEST_F(CliReport, CountsEqualTheRequestsMadeAndPercentilesMatchTheHistogram) {
  WriteFileText(Path("config.yml"),
                "rate_limit:\n  enabled: false\njobs:\n  scheduler_enabled: false\n");
  const Env env = {{"ANALYTICS_ADMIN_TOKEN", kAdmin}};
  ASSERT_EQ(Run({"--config", Path("config.yml"), "job", "run", "daily_aggregation"}, env).code(),
            0);
  const int port = FreePort();
  auto server =
      Start({"--config", Path("config.yml"), "serve", "--port", std::to_string(port)}, env);
  ASSERT_TRUE(WaitHealthy(*server, port));

  const std::string metrics = MakeKnownRequests(port);
  ASSERT_FALSE(HasFatalFailure());
  server->Signal(SIGTERM);
  ASSERT_EQ(server->Wait(seconds(20)).code, 0);
  const std::string today = FormatDay(DayOf(
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now())));
  ASSERT_EQ(RunShell("sqlite3 " + ShellQuote(Path("var/analytics.db")) +
                     " \"INSERT INTO alert_events (rule, severity, state, value, at) VALUES "
                     "('High Error Rate', 'P0', 'firing', 12.5, '" +
                     today + "T00:00:01.000000Z')\"")
                .code,
            0);

  RunResult perf = Run({"--config", Path("config.yml"), "--json", "report", "performance"}, env);
  RunResult daily =
      Run({"--config", Path("config.yml"), "--json", "report", "daily", "--date", today}, env);
  RunResult table = Run({"--config", Path("config.yml"), "report", "performance"}, env);

  ASSERT_EQ(perf.code(), 0) << perf.Describe();
  Json p = Json::parse(perf.out, nullptr, false);
  const std::map<std::pair<std::string, std::string>, int> made = {
      {{"POST", "/api/v1/users"}, 3},
      {{"POST", "/api/v1/users/{uid}/tasks"}, 12},
      {{"GET", "/api/v1/users/{uid}/analytics/overview"}, 5},
      {{"GET", "unmatched"}, 2},
  };
  for (const auto& [key, count] : made) {
    const Json* route = RouteOf(p, key.first, key.second);
    ASSERT_NE(route, nullptr) << key.first << " " << key.second << " missing: " << perf.out;
    EXPECT_EQ(route->value("requests", -1), count) << key.second;
    EXPECT_EQ(route->value("errors", -1), 0) << key.second;
    if (key.second == "unmatched") continue;
    const Buckets buckets = BucketsOf(metrics, key.first, key.second);
    ASSERT_FALSE(buckets.le_count.empty()) << key.second << " not in /metrics:\n" << metrics;
    EXPECT_EQ(buckets.le_count.back().second, count) << "/metrics counts " << key.second;
    for (auto [q, field] : {std::pair{0.50, "p50_seconds"}, std::pair{0.95, "p95_seconds"},
                            std::pair{0.99, "p99_seconds"}}) {
      EXPECT_TRUE(WithinOneBucket(buckets, q, route->value(field, -1.0))) << key.second;
    }
  }
  ASSERT_EQ(p["user_growth"].size(), 1u) << perf.out;
  EXPECT_EQ(p["user_growth"][0].value("new_users", 0), 3);
  EXPECT_TRUE(p["slow_queries"].empty());
  EXPECT_TRUE(Contains(p.value("slow_queries_hint", ""), "SQLite"));
  EXPECT_EQ(table.code(), 0) << table.Describe();
  EXPECT_TRUE(Contains(table.out, "/api/v1/users/{uid}/tasks"));

  ASSERT_EQ(daily.code(), 0) << daily.Describe();
  Json d = Json::parse(daily.out, nullptr, false);
  EXPECT_EQ(d.value("requests", -1), p["total"].value("requests", -2)) << daily.out;
  EXPECT_EQ(d.value("errors", -1), 0);
  EXPECT_EQ(d.value("new_users", -1), 3);
  EXPECT_EQ(d.value("new_tasks", -1), 12);
  ASSERT_EQ(d["jobs"].size(), 1u) << daily.out;
  EXPECT_EQ(d["jobs"][0].value("job", ""), "daily_aggregation");
  EXPECT_EQ(d["jobs"][0].value("succeeded", 0), 1);
  ASSERT_EQ(d["alerts_fired"].size(), 1u) << daily.out;
  EXPECT_EQ(d["alerts_fired"][0].value("rule", ""), "High Error Rate");
}

TEST_F(CliReport, BadArgumentsAreUsageErrors) {
  RunResult days = Run({"report", "performance", "--days", "0"});
  RunResult date = Run({"report", "daily", "--date", "2024-02-30"});

  EXPECT_EQ(days.code(), 2) << days.Describe();
  EXPECT_EQ(date.code(), 2) << date.Describe();
  EXPECT_TRUE(Contains(date.err, "--date"));
}

}  // namespace
}  // namespace analytics::e2e
