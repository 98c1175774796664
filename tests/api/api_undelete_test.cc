// POST /api/v1/admin/users/{uid}/undelete (TaskService::Undelete over HTTP),
// on every backend: admin only, the window's deletions come back with the
// overview, a dry run changes nothing, bad parameters are 400 naming them.
#include "api_test_util.h"

namespace analytics::apitest {
namespace {

const std::string kUndelete = "/api/v1/admin/users/u1/undelete";

class UndeleteApiTest : public ApiTest {
 protected:
  UndeleteApiTest() : token_(app_.CreateUser("u1")), user_(As(token_)) {}

  std::string token_;
  Client user_;
};

TEST_P(UndeleteApiTest, RestoresTheWindowsDeletionsAndTheNumbers) {
  const std::int64_t a = CreateTask(user_, "u1", Json{{"title", "a"}, {"status", "done"}})["id"];
  const std::int64_t b = CreateTask(user_, "u1", "b")["id"];
  CreateTask(user_, "u1", "kept");
  const Json before = Snapshot("u1");
  ASSERT_EQ(user_.Delete(TaskPath("u1", a)).status, 200);
  ASSERT_EQ(user_.Delete(TaskPath("u1", b)).status, 200);
  const Json deleted = Snapshot("u1");
  Client admin = Admin();

  HttpResult forbidden = user_.Post(kUndelete + "?since=1h", "");
  HttpResult dry = admin.Post(kUndelete + "?since=1%20hour%20ago&dry_run=true", "");
  const Json after_dry = Snapshot("u1");
  HttpResult undone = admin.Post(kUndelete + "?since=1%20hour%20ago", "");
  const Json after = Snapshot("u1");

  EXPECT_TRUE(IsProblem(forbidden, 403));
  ASSERT_EQ(dry.status, 200) << dry.body;
  EXPECT_EQ(Body(dry)["count"], 2);
  EXPECT_TRUE(Body(dry)["request_id"].is_null());
  EXPECT_EQ(after_dry, deleted);
  ASSERT_EQ(undone.status, 200) << undone.body;
  const Json body = Body(undone);
  EXPECT_EQ(body["count"], 2);
  EXPECT_EQ(body["tasks"][0]["id"], a);
  EXPECT_EQ(body["tasks"][1]["id"], b);
  EXPECT_TRUE(body["tasks"][0]["deleted_at"].is_string());
  EXPECT_EQ(body["request_id"], undone.Header("x-request-id"));
  EXPECT_EQ(after["overview"], before["overview"]);
  EXPECT_EQ(Body(admin.Post(kUndelete + "?since=1h", ""))["count"], 0);
}

TEST_P(UndeleteApiTest, BadParametersAre400NamingThem) {
  Client admin = Admin();

  EXPECT_TRUE(IsProblem(admin.Post(kUndelete, ""), 400, "since"));
  EXPECT_TRUE(IsProblem(admin.Post(kUndelete + "?since=soon", ""), 400, "since"));
  EXPECT_TRUE(IsProblem(admin.Post(kUndelete + "?since=1h&until=later", ""), 400, "until"));
  EXPECT_TRUE(IsProblem(admin.Post(kUndelete + "?since=1h&until=2h", ""), 400, "until"));
  EXPECT_TRUE(IsProblem(admin.Post(kUndelete + "?since=1h&dry_run=maybe", ""), 400, "dry_run"));
  EXPECT_TRUE(IsProblem(admin.Post("/api/v1/admin/users/nobody/undelete?since=1h", ""), 404));
}

ANALYTICS_API_TEST_ON_ALL_BACKENDS(UndeleteApiTest);

}  // namespace
}  // namespace analytics::apitest
