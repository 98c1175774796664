// Authentication and authorisation over HTTP (SPEC §4): every user-scoped
// route refuses other users' tokens (403, revealing nothing), missing or bad
// tokens (401), user tokens on admin routes (403); tokens are stored hashed.
#include <fstream>
#include <iterator>
#include <sstream>

#include "api_test_util.h"
#include "users/token.h"

namespace analytics::apitest {
namespace {

struct Call {
  std::string method;
  std::string path;  // with {uid} and {id} to fill in
  std::string body;
};

// Every route of routes.cc whose path holds {uid}, with a valid body where
// one is needed (so only the access check can refuse it).
std::vector<Call> UserScopedCalls() {
  const std::string u = "/api/v1/users/{uid}";
  std::vector<Call> calls = {
      {"GET", u, ""},
      {"POST", u + "/tokens", ""},
      {"POST", u + "/tasks", R"({"title":"planted"})"},
      {"GET", u + "/tasks", ""},
      {"GET", u + "/tasks?include_deleted=true&limit=1000", ""},
      {"POST", u + "/tasks:batch", R"([{"title":"planted"}])"},
      {"GET", u + "/tasks/{id}", ""},
      {"PATCH", u + "/tasks/{id}", R"({"title":"planted"})"},
      {"DELETE", u + "/tasks/{id}", ""},
      {"POST", u + "/tasks/{id}/restore", ""},
      {"GET", u + "/analytics/overview", ""},
      {"GET", u + "/analytics/trends", ""},
      {"GET", u + "/analytics/trends?granularity=month", ""},
      {"GET", u + "/analytics/daily", ""},
      {"GET", u + "/export", ""},
      {"GET", u + "/export?format=ndjson", ""},
      {"GET", u + "/export?dataset=daily", ""},
  };
  for (const char* stat : {"task_totals", "completion_rate", "priority_distribution",
                           "status_distribution", "productivity_score"}) {
    calls.push_back({"GET", u + "/analytics/" + stat, ""});
  }
  return calls;
}

const std::vector<Call> kAdminCalls = {
    {"POST", "/api/v1/users", R"({"id":"intruder"})"},
    {"GET", "/api/v1/users", ""},
    {"POST", "/api/v1/admin/cache/invalidate", ""},
    {"POST", "/api/v1/admin/cache/invalidate", R"({"user_id":"bob"})"},
    {"GET", "/api/v1/admin/jobs", ""},
    {"POST", "/api/v1/admin/jobs/daily_aggregation/run", ""},
    {"GET", "/api/v1/admin/incidents", ""},
    {"POST", "/api/v1/admin/incidents", R"({"severity":"P0","title":"x"})"},
    {"POST", "/api/v1/admin/incidents/1/resolve", ""},
};

std::string Fill(std::string path, const std::string& uid, std::int64_t id) {
  for (auto [key, value] : {std::pair<std::string, std::string>{"{uid}", uid},
                            std::pair<std::string, std::string>{"{id}", std::to_string(id)}}) {
    for (std::size_t at; (at = path.find(key)) != std::string::npos;)
      path.replace(at, key.size(), value);
  }
  return path;
}

class SecurityApiTest : public ApiTest {
 protected:
  SecurityApiTest() {
    alice_token_ = app_.CreateUser("alice");
    bob_token_ = app_.CreateUser("bob");
    Client bob = As(bob_token_);
    bob_task_ = CreateTask(bob, "bob", "bob-secret-title");
    Json deleted = CreateTask(bob, "bob", "bob-secret-deleted");
    EXPECT_EQ(bob.Delete(TaskPath("bob", deleted["id"])).status, 200);
    bob_deleted_id_ = deleted["id"];
    Client alice = As(alice_token_);
    CreateTask(alice, "alice", "alice's own");
  }

  std::string alice_token_;
  std::string bob_token_;
  Json bob_task_;
  std::int64_t bob_deleted_id_ = 0;
};

TEST_P(SecurityApiTest, OtherUsersTokenGets403AndLearnsNothing) {
  const Json before = Snapshot("bob");
  Client alice = As(alice_token_);
  const std::int64_t bob_id = bob_task_["id"];
  for (const Call& call : UserScopedCalls()) {
    for (std::int64_t id : {bob_id, bob_deleted_id_}) {
      const std::string path = Fill(call.path, "bob", id);
      SCOPED_TRACE(call.method + " " + path);
      HttpResult r = alice.Send(call.method, path, call.body, {});
      EXPECT_TRUE(IsProblem(r, 403));
      EXPECT_EQ(r.body.find("bob-secret"), std::string::npos) << r.body;
      EXPECT_EQ(r.body.find(bob_task_["created_at"].get<std::string>()), std::string::npos);
      EXPECT_TRUE(r.Header("x-cache").empty());
      // The same answer whether the user or task exists or not: no oracle.
      HttpResult ghost_user = alice.Send(call.method, Fill(call.path, "ghost", id), call.body, {});
      EXPECT_EQ(ghost_user.status, 403);
      EXPECT_EQ(ghost_user.body, r.body);
      HttpResult ghost_task =
          alice.Send(call.method, Fill(call.path, "bob", 987654), call.body, {});
      EXPECT_EQ(ghost_task.status, 403);
      EXPECT_EQ(ghost_task.body, r.body);
    }
  }
  // Near misses of bob's id are other users too.
  for (const char* uid : {"Bob", "bob.", "bob%20", "alice%2F..%2Fbob"}) {
    HttpResult r = alice.Get(TasksPath(uid));
    EXPECT_TRUE(r.status == 403 || r.status == 404) << uid << " " << r.status;
    EXPECT_EQ(r.body.find("bob-secret"), std::string::npos);
  }
  // Nothing of bob's changed, and bob's token still works (no rotation happened).
  EXPECT_EQ(Snapshot("bob"), before);
  EXPECT_EQ(As(bob_token_).Get(UserPath("bob")).status, 200);
  // Alice's own routes keep working with the same token.
  EXPECT_EQ(alice.Get(TasksPath("alice")).status, 200);
}

TEST_P(SecurityApiTest, MissingOrBadTokenIs401WithChallenge) {
  const std::int64_t bob_id = bob_task_["id"];
  const std::vector<HeaderList> bad_auth = {
      {},
      {{"Authorization", "Bearer not-a-real-token"}},
      {{"Authorization", "Bearer "}},
      {{"Authorization", "Basic " + bob_token_}},
      {{"Authorization", bob_token_}},
      {{"Authorization", "Bearer " + bob_token_ + "x"}},
      {{"Authorization", "Bearer " + bob_token_.substr(0, bob_token_.size() - 1)}},
      {{"Authorization", "Bearer " + std::string(test::kAdminToken) + "0"}},
      {{"Authorization", "Bearer ' OR '1'='1"}},
  };
  const Json before = Snapshot("bob");
  Client anonymous = Anonymous();
  for (const Call& call : UserScopedCalls()) {
    const std::string path = Fill(call.path, "bob", bob_id);
    for (std::size_t i = 0; i < bad_auth.size(); ++i) {
      SCOPED_TRACE(call.method + " " + path + " auth #" + std::to_string(i));
      HttpResult r = anonymous.Send(call.method, path, call.body, bad_auth[i]);
      EXPECT_TRUE(IsProblem(r, 401));
      EXPECT_EQ(r.Header("www-authenticate").rfind("Bearer", 0), 0u)
          << r.Header("www-authenticate");
      EXPECT_EQ(r.body.find("bob-secret"), std::string::npos);
    }
  }
  for (const Call& call : kAdminCalls) {
    SCOPED_TRACE(call.method + " " + call.path);
    HttpResult r = anonymous.Send(call.method, call.path, call.body, {});
    EXPECT_TRUE(IsProblem(r, 401));
    EXPECT_FALSE(r.Header("www-authenticate").empty());
  }
  EXPECT_EQ(Snapshot("bob"), before);
  // The bearer scheme name is case-insensitive (RFC 7235).
  EXPECT_EQ(anonymous.Get(UserPath("bob"), {{"Authorization", "bearer " + bob_token_}}).status,
            200);
}

TEST_P(SecurityApiTest, UserTokenOnAdminRoutesIs403) {
  Client alice = As(alice_token_);
  for (const Call& call : kAdminCalls) {
    SCOPED_TRACE(call.method + " " + call.path);
    HttpResult r = alice.Send(call.method, call.path, call.body, {});
    EXPECT_TRUE(IsProblem(r, 403));
    EXPECT_EQ(r.body.find("bob"), std::string::npos) << r.body;
  }
  // No user was created and the cache was not flushed by the refused calls.
  HttpResult users = Admin().Get(kUsers);
  ASSERT_EQ(users.status, 200);
  EXPECT_EQ(Body(users)["items"].size(), 2u) << users.body;
  // The admin token works on all of them.
  Client admin = Admin();
  EXPECT_EQ(admin.Get(kUsers).status, 200);
  EXPECT_EQ(admin.Post("/api/v1/admin/cache/invalidate", "").status, 200);
}

TEST_P(SecurityApiTest, AdminTokenActsOnEveryUser) {
  Client admin = Admin();
  const std::int64_t bob_id = bob_task_["id"];
  EXPECT_EQ(admin.Get(TaskPath("bob", bob_id)).status, 200);
  EXPECT_EQ(admin.Get(AnalyticsPath("alice", "overview")).status, 200);
  EXPECT_EQ(admin.Get(UserPath("bob") + "/export").status, 200);
  HttpResult created = admin.Post(TasksPath("alice"), Json{{"title", "from admin"}});
  ASSERT_EQ(created.status, 201);
  EXPECT_EQ(Body(created)["user_id"], "alice");
}

TEST_P(SecurityApiTest, TokensAreStoredOnlyAsSha256Hashes) {
  // The hash is SHA-256 in lower-case hex (FIPS 180-2 test vector).
  EXPECT_EQ(users::HashToken("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

  Client admin = Admin();
  HttpResult created = admin.Post(kUsers, Json{{"id", "carol"}});
  ASSERT_EQ(created.status, 201);
  const std::string carol_first = Body(created)["token"];
  HttpResult rotated = As(carol_first).Post(UserPath("carol") + "/tokens", "");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  const std::string carol = Body(rotated)["token"];
  ASSERT_EQ(As(carol).Get(UserPath("carol")).status, 200);

  const std::string bytes = app_.DatabaseBytes();
  ASSERT_GT(bytes.size(), 0u);
  ASSERT_NE(bytes.find("bob-secret-title"), std::string::npos)
      << "the test reads the wrong file: task data is not in it";
  for (const std::string& token :
       {alice_token_, bob_token_, carol_first, carol, std::string(test::kAdminToken)}) {
    SCOPED_TRACE(token);
    ASSERT_FALSE(token.empty());
    EXPECT_EQ(bytes.find(token), std::string::npos) << "plain token found in the database";
  }
  // What is stored is the 64-hex SHA-256 of each current token.
  for (const std::string& token : {alice_token_, bob_token_, carol}) {
    const std::string hash = users::HashToken(token);
    EXPECT_EQ(hash.size(), 64u);
    EXPECT_EQ(hash.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_NE(bytes.find(hash), std::string::npos) << "token hash not stored";
  }
}

TEST_P(SecurityApiTest, TokensDoNotLeakIntoOtherResponses) {
  Client admin = Admin();
  for (const std::string& path : {kUsers, UserPath("bob"), TasksPath("bob"),
                                  AnalyticsPath("bob", "overview"), UserPath("bob") + "/export"}) {
    HttpResult r = admin.Get(path);
    ASSERT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.body.find(bob_token_), std::string::npos) << path;
    EXPECT_EQ(r.body.find(users::HashToken(bob_token_)), std::string::npos) << path;
    EXPECT_EQ(r.body.find("token_hash"), std::string::npos) << path;
  }
}

ANALYTICS_API_TEST_ON_ALL_BACKENDS(SecurityApiTest);

}  // namespace
}  // namespace analytics::apitest
