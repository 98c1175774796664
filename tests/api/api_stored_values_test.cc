// Times outside the years 0001..9999 (UTC) never get in, and a stored value
// that does not read (written by another program) answers 500 with a logged
// reason: the process never aborts, and the next request is served
// (issue 11, item 1: a due_at of 9999-12-31T23:59:59-01:00 used to abort the
// server on every read of that user's tasks).
#include "api_test_util.h"

namespace analytics::apitest {
namespace {

// Instants whose UTC value lies outside 0001-01-01T00:00:00Z..9999-12-31T23:59:59.999999Z.
const std::vector<std::string> kOutOfRange = {
    "9999-12-31T23:59:59-01:00",  // 10000-01-01T00:59:59Z
    "9999-12-31T23:00:00-01:00",  // exactly 10000-01-01T00:00:00Z
    "0000-01-01T00:00:00+01:00",  // year -1
    "0001-01-01T00:30:00+01:00",  // 0000-12-31T23:30:00Z
    "0000-06-01T00:00:00Z",       // year 0
    "10000-01-01T00:00:00Z",
};

class StoredValuesApiTest : public ApiTest {
 protected:
  StoredValuesApiTest() { token_ = app_.CreateUser("sv"); }
  Client User() { return As(token_); }

  // Runs one statement directly on the app's database, as another program would.
  void Execute(const std::string& sql, const storage::Params& params) {
    Result<void> done =
        app_.app().db().InTransaction([&](storage::Transaction& tx) -> Result<void> {
          auto changed = tx.Execute(sql, params);
          if (!changed.ok()) return changed.error();
          EXPECT_EQ(*changed, 1) << sql;
          return Ok();
        });
    ASSERT_TRUE(done.ok()) << done.error().message;
  }

  std::string token_;
};

TEST_P(StoredValuesApiTest, TimesOutsideYears1To9999AreRefusedNamingTheField) {
  Client user = User();
  Client admin = Admin();
  const std::int64_t id = CreateTask(user, "sv", "keep")["id"];

  for (const std::string& t : kOutOfRange) {
    SCOPED_TRACE(t);
    EXPECT_TRUE(
        IsProblem(user.Post(TasksPath("sv"), Json{{"title", "x"}, {"due_at", t}}), 400, "due_at"));
    EXPECT_TRUE(IsProblem(user.Patch(TaskPath("sv", id), Json{{"due_at", t}}), 400, "due_at"));
    EXPECT_TRUE(IsProblem(
        user.Post(TasksPath("sv") + ":batch", Json::array({{{"title", "x"}, {"due_at", t}}})), 400,
        "[0].due_at"));
    EXPECT_TRUE(IsProblem(admin.Post(TasksPath("sv"), Json{{"title", "x"}, {"created_at", t}}), 400,
                          "created_at"));
    EXPECT_TRUE(IsProblem(
        admin.Post(TasksPath("sv"), Json{{"title", "x"}, {"status", "done"}, {"completed_at", t}}),
        400, "completed_at"));
  }
  for (const char* name : {"from", "to"}) {
    SCOPED_TRACE(name);
    const std::string q = std::string("?") + name + "=";
    EXPECT_TRUE(IsProblem(user.Get(AnalyticsPath("sv", "trends") + q + "0000-01-01"), 400, name));
    EXPECT_TRUE(IsProblem(user.Get(AnalyticsPath("sv", "daily") + q + "0000-12-31"), 400, name));
    EXPECT_TRUE(IsProblem(
        user.Get(UserPath("sv") + "/export?dataset=tasks&" + name + "=9999-12-31T23:59:59-01:00"),
        400, name));
  }

  // The edges themselves are in range, round trip, and read back.
  HttpResult edge = user.Post(TasksPath("sv"),
                              Json{{"title", "edge"}, {"due_at", "9999-12-31T23:59:59.999999Z"}});
  ASSERT_EQ(edge.status, 201) << edge.body;
  EXPECT_EQ(Body(edge)["due_at"], "9999-12-31T23:59:59.999999Z");
  HttpResult first =
      user.Post(TasksPath("sv"), Json{{"title", "first"}, {"due_at", "0000-12-31T23:30:00-00:30"}});
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(Body(first)["due_at"], "0001-01-01T00:00:00Z");
  HttpResult list = user.Get(TasksPath("sv"));
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(Body(list)["items"].size(), 3u);
  EXPECT_EQ(user.Get(UserPath("sv") + "/export?dataset=tasks&format=csv").status, 200);
}

TEST_P(StoredValuesApiTest, AnUnreadableStoredTimeIs500AndTheServerLivesOn) {
  Client user = User();
  const std::int64_t id = CreateTask(user, "sv", "victim")["id"];
  // Year 10000: PostgreSQL stores it; on SQLite it is text like any other.
  Execute("UPDATE tasks SET due_at = '10000-01-01T00:59:59Z' WHERE id = $1", {id});

  for (int round = 0; round < 3; ++round) {
    HttpResult list = user.Get(TasksPath("sv"));
    EXPECT_TRUE(IsProblem(list, 500));
    EXPECT_EQ(list.body.find("10000"), std::string::npos) << "stored text leaked: " << list.body;
    EXPECT_TRUE(IsProblem(user.Get(TaskPath("sv", id)), 500));
    EXPECT_TRUE(Healthy());
  }
  HttpResult csv = user.Get(UserPath("sv") + "/export?dataset=tasks&format=csv");
  EXPECT_TRUE(csv.status == 500 || !csv.complete) << csv.status << " " << csv.body;
  EXPECT_EQ(csv.body.find("10000-01-01"), std::string::npos);
  EXPECT_TRUE(Healthy());

  // Mended, the same reads answer again.
  Execute("UPDATE tasks SET due_at = NULL WHERE id = $1", {id});
  EXPECT_EQ(user.Get(TasksPath("sv")).status, 200);
  EXPECT_EQ(user.Get(TaskPath("sv", id)).status, 200);
}

ANALYTICS_API_TEST_ON_ALL_BACKENDS(StoredValuesApiTest);

}  // namespace
}  // namespace analytics::apitest
