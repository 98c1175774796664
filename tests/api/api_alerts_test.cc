// GET /api/v1/admin/alerts: the alert engine's states and history as stored,
// on every backend.
#include "api/api_test_util.h"
#include "ops/alert_engine.h"
#include "storage/alert_repository.h"

namespace analytics::apitest {
namespace {

using AlertsApiTest = ApiTest;

TEST_P(AlertsApiTest, AdminSeesStatesSilencesAndHistorySince) {
  auto rules = ops::LoadAlertRules("");
  ASSERT_TRUE(rules.ok());
  ops::Notifier notifier({}, [](std::chrono::milliseconds) {});
  ops::AlertEngine engine(app_.app().db(), *rules, notifier);
  const Time now = app_.app().clock().Now();
  ASSERT_TRUE(engine.Evaluate(now - std::chrono::hours(2), {{"disk_usage", 91}}).ok());
  ASSERT_TRUE(engine.Evaluate(now - std::chrono::minutes(5), {{"health", 0}}).ok());
  Result<void> silenced = app_.app().db().InTransaction([&](storage::Transaction& tx) {
    return storage::AlertRepository(tx).Silence(
        {"High CPU Usage", now + std::chrono::hours(1), "load test", "ops", now});
  });
  ASSERT_TRUE(silenced.ok());
  Client admin = Admin();

  HttpResult recent = admin.Get("/api/v1/admin/alerts?since=1%20hour%20ago");
  HttpResult all = admin.Get("/api/v1/admin/alerts?since=1970-01-01T00:00:00Z");
  HttpResult bad = admin.Get("/api/v1/admin/alerts?since=soon");

  ASSERT_EQ(recent.status, 200) << recent.body;
  Json body = Body(recent);
  ASSERT_EQ(body["events"].size(), 1u) << recent.body;
  EXPECT_EQ(body["events"][0]["rule"], "API Down");
  EXPECT_EQ(body["events"][0]["state"], "pending");
  ASSERT_EQ(body["states"].size(), 2u);
  EXPECT_EQ(body["states"][1]["rule"], "Disk Space Low");
  EXPECT_EQ(body["states"][1]["state"], "firing");
  ASSERT_EQ(body["silences"].size(), 1u);
  EXPECT_EQ(body["silences"][0]["reason"], "load test");
  ASSERT_EQ(all.status, 200);
  ASSERT_EQ(Body(all)["events"].size(), 2u);
  EXPECT_EQ(Body(all)["events"][0]["delivery"].get<std::string>().rfind("incident ", 0), 0u);
  EXPECT_TRUE(IsProblem(bad, 400, "since"));
}

TEST_P(AlertsApiTest, OnlyTheAdminMayRead) {
  const std::string token = app_.CreateUser("alice");

  EXPECT_TRUE(IsProblem(As(token).Get("/api/v1/admin/alerts"), 403));
  EXPECT_TRUE(IsProblem(Anonymous().Get("/api/v1/admin/alerts"), 401));
}

ANALYTICS_API_TEST_ON_ALL_BACKENDS(AlertsApiTest);

}  // namespace
}  // namespace analytics::apitest
