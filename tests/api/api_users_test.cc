// Users over HTTP (SPEC §4): create, read, rotate tokens, list.
#include <set>

#include "api_test_util.h"
#include "base/time.h"

namespace analytics::apitest {
namespace {

class UsersApiTest : public ApiTest {};

TEST_P(UsersApiTest, AdminCreatesUserWithTokenAndCreatedAt) {
  Client admin = Admin();
  HttpResult r = admin.Post(kUsers, Json{{"id", "alice"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Header("content-type").rfind("application/json", 0), 0u);
  EXPECT_EQ(r.Header("location"), "/api/v1/users/alice");
  EXPECT_EQ(r.Header("cache-control"), "no-store");
  Json j = Body(r);
  ASSERT_TRUE(j.is_object()) << r.body;
  EXPECT_EQ(j["id"], "alice");
  ASSERT_TRUE(j["token"].is_string());
  const std::string token = j["token"];
  EXPECT_GE(token.size(), 32u);
  ASSERT_TRUE(j["created_at"].is_string());
  auto created = ParseTime(j["created_at"].get<std::string>());
  ASSERT_TRUE(created.has_value()) << j["created_at"];
  EXPECT_EQ(j["created_at"].get<std::string>().back(), 'Z');
  EXPECT_LE(std::chrono::abs(*created - SystemClock().Now()), std::chrono::minutes(1));

  // The token acts as alice.
  Client alice = As(token);
  HttpResult me = alice.Get(UserPath("alice"));
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(Body(me)["id"], "alice");
  EXPECT_EQ(Body(me)["created_at"], j["created_at"]);
  EXPECT_FALSE(Body(me).contains("token"));
}

TEST_P(UsersApiTest, TwoUsersGetDifferentTokens) {
  Client admin = Admin();
  HttpResult a = admin.Post(kUsers, Json{{"id", "a"}});
  HttpResult b = admin.Post(kUsers, Json{{"id", "b"}});
  ASSERT_EQ(a.status, 201);
  ASSERT_EQ(b.status, 201);
  EXPECT_NE(Body(a)["token"], Body(b)["token"]);
}

TEST_P(UsersApiTest, DuplicateIdIs409) {
  Client admin = Admin();
  ASSERT_EQ(admin.Post(kUsers, Json{{"id", "dup"}}).status, 201);
  HttpResult again = admin.Post(kUsers, Json{{"id", "dup"}});
  EXPECT_TRUE(IsProblem(again, 409));
  EXPECT_EQ(Body(again).value("token", ""), "");
}

TEST_P(UsersApiTest, InvalidIdsAre400NamingId) {
  Client admin = Admin();
  const std::vector<Json> bad_ids = {"",
                                     "has space",
                                     "a/b",
                                     std::string(65, 'x'),
                                     "'; DROP TABLE tasks; --",
                                     "caf\u00e9",
                                     "x\ny",
                                     "a:b",
                                     "%2e%2e",
                                     "..?",
                                     5,
                                     nullptr,
                                     true,
                                     Json::array({"a"}),
                                     Json::object()};
  for (const Json& id : bad_ids) {
    SCOPED_TRACE(id.dump());
    EXPECT_TRUE(IsProblem(admin.Post(kUsers, Json{{"id", id}}), 400, "id"));
  }
  EXPECT_TRUE(IsProblem(admin.Post(kUsers, Json::object()), 400, "id"));
  // The boundary: 64 characters of the allowed alphabet is fine.
  const std::string longest = std::string(60, 'a') + "_.-9";
  HttpResult ok = admin.Post(kUsers, Json{{"id", longest}});
  EXPECT_EQ(ok.status, 201) << ok.body;
  // None of the rejected ids was created.
  HttpResult list = admin.Get(kUsers);
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(Body(list)["items"].size(), 1u) << list.body;
  EXPECT_EQ(Body(list)["items"][0]["id"], longest);
}

TEST_P(UsersApiTest, OwnerAndAdminReadTheUser) {
  const std::string token = app_.CreateUser("owner");
  HttpResult by_owner = As(token).Get(UserPath("owner"));
  ASSERT_EQ(by_owner.status, 200) << by_owner.body;
  HttpResult by_admin = Admin().Get(UserPath("owner"));
  ASSERT_EQ(by_admin.status, 200) << by_admin.body;
  EXPECT_EQ(Body(by_owner), Body(by_admin));
  EXPECT_EQ(Body(by_admin)["id"], "owner");
  EXPECT_TRUE(Body(by_admin)["created_at"].is_string());
  EXPECT_TRUE(IsProblem(Admin().Get(UserPath("nobody")), 404));
}

TEST_P(UsersApiTest, RotateIssuesNewTokenAndOldOneStopsAtOnce) {
  const std::string old_token = app_.CreateUser("rot");
  Client old_client = As(old_token);
  ASSERT_EQ(old_client.Get(UserPath("rot")).status, 200);

  HttpResult r = old_client.Post(UserPath("rot") + "/tokens", "");
  ASSERT_TRUE(r.status == 200 || r.status == 201) << r.status << r.body;
  EXPECT_EQ(r.Header("cache-control"), "no-store");
  Json j = Body(r);
  ASSERT_TRUE(j["token"].is_string()) << r.body;
  const std::string new_token = j["token"];
  EXPECT_NE(new_token, old_token);
  EXPECT_EQ(j["id"], "rot");

  // Same connection, next request: the old token is refused.
  HttpResult refused = old_client.Get(UserPath("rot"));
  EXPECT_TRUE(IsProblem(refused, 401));
  EXPECT_EQ(refused.Header("www-authenticate").rfind("Bearer", 0), 0u);
  EXPECT_TRUE(IsProblem(old_client.Get(TasksPath("rot")), 401));
  EXPECT_EQ(As(new_token).Get(UserPath("rot")).status, 200);

  // The admin may rotate too; then the second token stops working.
  HttpResult by_admin = Admin().Post(UserPath("rot") + "/tokens", "");
  ASSERT_TRUE(by_admin.status == 200 || by_admin.status == 201) << by_admin.body;
  const std::string third = Body(by_admin)["token"];
  EXPECT_TRUE(IsProblem(As(new_token).Get(UserPath("rot")), 401));
  EXPECT_EQ(As(third).Get(UserPath("rot")).status, 200);
  EXPECT_TRUE(IsProblem(Admin().Post(UserPath("ghost") + "/tokens", ""), 404));
}

TEST_P(UsersApiTest, AdminListsUsersPageByPage) {
  Client admin = Admin();
  std::vector<std::string> ids;
  for (int i = 0; i < 23; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "user%02d", i);
    ids.push_back(id);
    ASSERT_EQ(admin.Post(kUsers, Json{{"id", id}}).status, 201);
  }
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  for (;;) {
    std::string path = kUsers + "?limit=10" + (cursor.empty() ? "" : "&cursor=" + cursor);
    HttpResult r = admin.Get(path);
    ASSERT_EQ(r.status, 200) << r.body;
    Json j = Body(r);
    ASSERT_TRUE(j["items"].is_array());
    EXPECT_LE(j["items"].size(), 10u);
    for (const Json& u : j["items"]) {
      seen.push_back(u["id"]);
      EXPECT_TRUE(u["created_at"].is_string());
      EXPECT_FALSE(u.contains("token"));
      EXPECT_FALSE(u.contains("token_hash"));
    }
    ++pages;
    ASSERT_TRUE(j.contains("next_cursor"));
    if (j["next_cursor"].is_null()) break;
    cursor = j["next_cursor"];
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, ids);  // sorted, no duplicates, no gaps

  EXPECT_TRUE(IsProblem(admin.Get(kUsers + "?limit=0"), 400, "limit"));
  EXPECT_TRUE(IsProblem(admin.Get(kUsers + "?limit=1001"), 400, "limit"));
  EXPECT_TRUE(IsProblem(admin.Get(kUsers + "?limit=x"), 400, "limit"));
  EXPECT_TRUE(IsProblem(admin.Get(kUsers + "?cursor=%27%3B"), 400, "cursor"));
}

TEST_P(UsersApiTest, ListPageBoundaryEndsWithNullCursor) {
  Client admin = Admin();
  for (const char* id : {"a1", "a2", "a3", "a4"}) {
    ASSERT_EQ(admin.Post(kUsers, Json{{"id", id}}).status, 201);
  }
  HttpResult first = admin.Get(kUsers + "?limit=2");
  ASSERT_EQ(first.status, 200);
  ASSERT_TRUE(Body(first)["next_cursor"].is_string());
  HttpResult second =
      admin.Get(kUsers + "?limit=2&cursor=" + Body(first)["next_cursor"].get<std::string>());
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(Body(second)["items"].size(), 2u);
  EXPECT_TRUE(Body(second)["next_cursor"].is_null()) << second.body;
}

ANALYTICS_API_TEST_ON_ALL_BACKENDS(UsersApiTest);

}  // namespace
}  // namespace analytics::apitest
