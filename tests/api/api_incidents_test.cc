// /api/v1/admin/incidents: create, list (newest first, ?open=true), resolve;
// validation names the field; admin only.
#include <gtest/gtest.h>

#include <string>

#include "api_test_util.h"

namespace analytics::apitest {
namespace {

const std::string kIncidents = "/api/v1/admin/incidents";

class IncidentsApiTest : public ApiTest {};

TEST_P(IncidentsApiTest, CreateListAndResolve) {
  Client admin = Admin();

  HttpResult made = admin.Post(kIncidents, Json{{"severity", "P0"},
                                                {"title", "Analytics System Outage"},
                                                {"description", "API answers 503"}});
  HttpResult other = admin.Post(kIncidents, Json{{"severity", "P3"}, {"title", "slow export"}});

  ASSERT_EQ(made.status, 201) << made.body;
  Json incident = Body(made);
  EXPECT_EQ(incident["severity"], "P0");
  EXPECT_EQ(incident["title"], "Analytics System Outage");
  EXPECT_EQ(incident["description"], "API answers 503");
  EXPECT_EQ(incident["status"], "open");
  EXPECT_EQ(incident["created_by"], "admin");
  EXPECT_TRUE(incident["resolved_at"].is_null());
  const std::int64_t id = incident["id"].get<std::int64_t>();
  EXPECT_EQ(made.Header("location"), kIncidents + "/" + std::to_string(id));
  ASSERT_EQ(other.status, 201) << other.body;
  EXPECT_EQ(Body(other)["description"], "");

  HttpResult resolved =
      admin.Post(kIncidents + "/" + std::to_string(id) + "/resolve", Json{{"note", "restarted"}});
  ASSERT_EQ(resolved.status, 200) << resolved.body;
  EXPECT_EQ(Body(resolved)["status"], "resolved");
  EXPECT_EQ(Body(resolved)["resolved_by"], "admin");
  EXPECT_EQ(Body(resolved)["resolution_note"], "restarted");
  EXPECT_TRUE(Body(resolved)["resolved_at"].is_string());

  HttpResult all = admin.Get(kIncidents);
  HttpResult open = admin.Get(kIncidents + "?open=true");
  ASSERT_EQ(all.status, 200) << all.body;
  ASSERT_EQ(Body(all)["incidents"].size(), 2u);
  EXPECT_EQ(Body(all)["incidents"][0]["title"], "slow export");
  EXPECT_EQ(Body(all)["incidents"][1]["status"], "resolved");
  ASSERT_EQ(open.status, 200) << open.body;
  ASSERT_EQ(Body(open)["incidents"].size(), 1u);
  EXPECT_EQ(Body(open)["incidents"][0]["title"], "slow export");
}

TEST_P(IncidentsApiTest, BadInputIs400NamingTheField) {
  Client admin = Admin();

  EXPECT_TRUE(
      IsProblem(admin.Post(kIncidents, Json{{"severity", "P5"}, {"title", "x"}}), 400, "severity"));
  EXPECT_TRUE(IsProblem(admin.Post(kIncidents, Json{{"title", "x"}}), 400, "severity"));
  EXPECT_TRUE(IsProblem(admin.Post(kIncidents, Json{{"severity", "P1"}}), 400, "title"));
  EXPECT_TRUE(
      IsProblem(admin.Post(kIncidents, Json{{"severity", "P1"}, {"title", "  "}}), 400, "title"));
  EXPECT_TRUE(
      IsProblem(admin.Post(kIncidents, Json{{"severity", 1}, {"title", "x"}}), 400, "severity"));
  EXPECT_TRUE(IsProblem(
      admin.Post(kIncidents, Json{{"severity", "P1"}, {"title", "x"}, {"description", 3}}), 400,
      "description"));
  EXPECT_TRUE(
      IsProblem(admin.Post(kIncidents, Json{{"severity", "P1"}, {"title", "x"}, {"owner", "me"}}),
                400, "owner"));
  EXPECT_TRUE(IsProblem(admin.Post(kIncidents, std::string_view("{")), 400, "body"));
  EXPECT_TRUE(IsProblem(admin.Post(kIncidents, std::string_view("")), 400, "body"));
  EXPECT_TRUE(IsProblem(admin.Get(kIncidents + "?open=maybe"), 400, "open"));
  EXPECT_TRUE(IsProblem(admin.Post(kIncidents + "/abc/resolve", std::string_view("")), 400, "id"));
  EXPECT_EQ(Body(admin.Get(kIncidents))["incidents"].size(), 0u);
}

TEST_P(IncidentsApiTest, ResolvingAnUnknownOrResolvedIncidentSaysSo) {
  Client admin = Admin();
  HttpResult made = admin.Post(kIncidents, Json{{"severity", "P2"}, {"title", "disk"}});
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string path = kIncidents + "/" + std::to_string(Body(made)["id"].get<int>());

  HttpResult first = admin.Post(path + "/resolve", std::string_view(""));
  HttpResult second = admin.Post(path + "/resolve", std::string_view(""));
  HttpResult unknown = admin.Post(kIncidents + "/987654/resolve", std::string_view(""));

  EXPECT_EQ(first.status, 200) << first.body;
  EXPECT_TRUE(Body(first)["resolution_note"] == "");
  EXPECT_TRUE(IsProblem(second, 409));
  EXPECT_TRUE(IsProblem(unknown, 404));
}

TEST_P(IncidentsApiTest, UsersMayNotSeeOrCreateIncidents) {
  std::string token = app_.CreateUser("alice");
  Client alice = As(token);

  EXPECT_TRUE(IsProblem(alice.Get(kIncidents), 403));
  EXPECT_TRUE(IsProblem(alice.Post(kIncidents, Json{{"severity", "P0"}, {"title", "x"}}), 403));
  EXPECT_TRUE(IsProblem(Anonymous().Get(kIncidents), 401));
  EXPECT_EQ(Body(Admin().Get(kIncidents))["incidents"].size(), 0u);
}

ANALYTICS_API_TEST_ON_ALL_BACKENDS(IncidentsApiTest);

}  // namespace
}  // namespace analytics::apitest
