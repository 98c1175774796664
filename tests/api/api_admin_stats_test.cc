// GET /api/v1/admin/stats over a real socket on each backend: series from
// the signal store, the parameters' validation (400 naming the field), the
// point cap, and who may call it. Also `promtool check metrics` on a real
// scrape of /metrics.
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "api_test_util.h"
#include "storage/signal_repository.h"

namespace analytics::apitest {
namespace {

const Time kT0 = ParseTime("2024-03-01T12:00:00Z").value();

class AdminStatsApiTest : public ApiTest {
 protected:
  void Append(Time at, const std::string& source, std::map<std::string, double> values) {
    Result<void> done = app_.app().db().InTransaction([&](storage::Transaction& tx) {
      return storage::SignalRepository(tx).Append(at, source, values);
    });
    ASSERT_TRUE(done.ok()) << done.error().message;
  }
};

TEST_P(AdminStatsApiTest, ReturnsEachSignalsSeriesInSteps) {
  for (int i = 0; i < 8; ++i) {
    Append(kT0 + std::chrono::seconds(15 * i), "a",
           {{"request_rate", double(i)}, {"error_rate", 1}, {"health", 1}});
  }
  Append(kT0, "b", {{"request_rate", 10}});
  HttpResult r = Admin().Get(
      "/api/v1/admin/stats?from=2024-03-01T12:00:00Z&to=2024-03-01T12:02:00Z&step=1m"
      "&signals=request_rate,health,cpu_usage");
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = Body(r);
  EXPECT_EQ(j["from"], "2024-03-01T12:00:00Z");
  EXPECT_EQ(j["to"], "2024-03-01T12:02:00Z");
  EXPECT_EQ(j["step_s"], 60);
  ASSERT_EQ(j["series"].size(), 3u);
  const Json& rate = j["series"][0];
  EXPECT_EQ(rate["name"], "request_rate");
  EXPECT_EQ(rate["unit"], "requests/s");
  ASSERT_EQ(rate["points"].size(), 2u);
  EXPECT_EQ(rate["points"][0]["at"], "2024-03-01T12:00:00Z");
  // Source a's mean over the minute (0..3) plus source b's 10.
  EXPECT_DOUBLE_EQ(rate["points"][0]["value"].get<double>(), 1.5 + 10);
  EXPECT_DOUBLE_EQ(rate["points"][1]["value"].get<double>(), 5.5);
  EXPECT_EQ(j["series"][1]["points"].size(), 2u);
  EXPECT_EQ(j["series"][2]["name"], "cpu_usage");
  EXPECT_TRUE(j["series"][2]["points"].empty());

  // Defaults: every signal, the last hour, about 300 points (a 12 s step).
  HttpResult all = Admin().Get("/api/v1/admin/stats");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(Body(all)["series"].size(), storage::SignalNames().size());
  EXPECT_EQ(Body(all)["step_s"], 12);
  // A day is midnight UTC.
  HttpResult days = Admin().Get("/api/v1/admin/stats?from=2024-03-01&to=2024-03-02&step=1h");
  ASSERT_EQ(days.status, 200) << days.body;
  EXPECT_EQ(Body(days)["series"][2]["points"].size(), 1u);  // request_rate at 12:00
}

TEST_P(AdminStatsApiTest, BadParametersAre400NamingThem) {
  Client admin = Admin();
  const std::string base = "/api/v1/admin/stats?";
  EXPECT_TRUE(IsProblem(admin.Get(base + "from=yesterday"), 400, "from"));
  EXPECT_TRUE(IsProblem(admin.Get(base + "to=2024-13-01"), 400, "to"));
  EXPECT_TRUE(IsProblem(admin.Get(base + "from=2024-03-02T00:00:00Z&to=2024-03-01T00:00:00Z"), 400,
                        "from"));
  EXPECT_TRUE(IsProblem(admin.Get(base + "step=0"), 400, "step"));
  EXPECT_TRUE(IsProblem(admin.Get(base + "step=-5"), 400, "step"));
  EXPECT_TRUE(IsProblem(admin.Get(base + "step=5x"), 400, "step"));
  EXPECT_TRUE(IsProblem(admin.Get(base + "step=99999999999999999999"), 400, "step"));
  // A day in 1-second steps is 86,400 points: over the cap.
  EXPECT_TRUE(IsProblem(admin.Get(base + "from=2024-03-01&to=2024-03-02&step=1"), 400, "step"));
  EXPECT_TRUE(IsProblem(admin.Get(base + "signals=request_rate,bogus"), 400, "signals"));
  EXPECT_TRUE(IsProblem(admin.Get(base + "signals="), 400, "signals"));
  EXPECT_TRUE(Healthy());
}

TEST_P(AdminStatsApiTest, OnlyTheAdminMayRead) {
  const std::string token = app_.CreateUser("u1");
  EXPECT_TRUE(IsProblem(As(token).Get("/api/v1/admin/stats"), 403));
  EXPECT_TRUE(IsProblem(Anonymous().Get("/api/v1/admin/stats"), 401));
  EXPECT_TRUE(IsProblem(As("not-a-token").Get("/api/v1/admin/stats"), 401));
}

// promtool (Debian's prometheus package, scripts/install-deps.sh) accepts a
// real scrape taken after requests of several routes and statuses, so every
// histogram and labelled family has data.
TEST_P(AdminStatsApiTest, PromtoolAcceptsARealScrape) {
  const std::string token = app_.CreateUser("p1");
  Client user = As(token);
  CreateTask(user, "p1", "one");
  ASSERT_EQ(user.Get(TasksPath("p1")).status, 200);
  ASSERT_EQ(user.Get(AnalyticsPath("p1", "overview")).status, 200);
  ASSERT_EQ(user.Get(TasksPath("other")).status, 403);
  ASSERT_EQ(Anonymous().Get("/nowhere").status, 404);
  ASSERT_EQ(Admin().Get("/api/v1/admin/stats").status, 200);
  HttpResult scrape = Anonymous().Get("/metrics");
  ASSERT_EQ(scrape.status, 200) << scrape.body;
  for (const char* family :
       {"analytics_http_request_duration_seconds_bucket",
        "analytics_db_query_duration_seconds_bucket", "analytics_db_pool_waiting",
        "analytics_active_users", "analytics_cache_hits_total", "analytics_job_runs_total",
        "process_cpu_seconds_total"}) {
    EXPECT_NE(scrape.body.find(family), std::string::npos) << family;
  }
  const std::string file = app_.dir() + "/scrape.txt";
  std::ofstream(file) << scrape.body;
  const std::string out = app_.dir() + "/promtool.out";
  const int rc = std::system(("promtool check metrics < " + file + " > " + out + " 2>&1").c_str());
  std::ifstream in(out);
  const std::string said((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_NE(rc, -1);
  EXPECT_EQ(WEXITSTATUS(rc), 0) << "promtool check metrics (install: scripts/install-deps.sh): "
                                << said;
}

ANALYTICS_API_TEST_ON_ALL_BACKENDS(AdminStatsApiTest);

}  // namespace
}  // namespace analytics::apitest
