// Tasks over HTTP (SPEC §2, §4): create, read, list with filters and cursor
// pagination, change, soft delete and restore, admin-only import fields.
#include <algorithm>
#include <set>

#include "api_test_util.h"
#include "base/time.h"

namespace analytics::apitest {
namespace {

class TasksApiTest : public ApiTest {
 protected:
  TasksApiTest() : token_(app_.CreateUser("u1")), user_(As(token_)) {}

  // Creates `n` tasks in one batch; returns their ids in order.
  std::vector<std::int64_t> CreateMany(int n, const std::string& prefix = "task") {
    Json items = Json::array();
    for (int i = 0; i < n; ++i) items.push_back(Json{{"title", prefix + std::to_string(i)}});
    HttpResult r = user_.Post(TasksPath("u1") + ":batch", items);
    EXPECT_EQ(r.status, 201) << r.body.substr(0, 300);
    std::vector<std::int64_t> ids;
    const Json parsed = Body(r);
    for (const Json& t : parsed["tasks"]) ids.push_back(t["id"]);
    return ids;
  }

  // Follows next_cursor from the first page of `query` with `limit`.
  std::vector<std::int64_t> ListAll(const std::string& query, int limit, int* pages) {
    std::vector<std::int64_t> ids;
    std::string cursor;
    *pages = 0;
    for (;;) {
      std::string path = TasksPath("u1") + "?limit=" + std::to_string(limit) + query +
                         (cursor.empty() ? "" : "&cursor=" + cursor);
      HttpResult r = user_.Get(path);
      EXPECT_EQ(r.status, 200) << r.body;
      if (r.status != 200) break;
      Json j = Body(r);
      EXPECT_LE(j["items"].size(), static_cast<std::size_t>(limit));
      for (const Json& t : j["items"]) ids.push_back(t["id"]);
      ++*pages;
      if (j["next_cursor"].is_null() || *pages > 1000) break;
      cursor = j["next_cursor"];
    }
    return ids;
  }

  std::vector<std::int64_t> ListIds(const std::string& query) {
    HttpResult r = user_.Get(TasksPath("u1") + "?limit=1000" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::int64_t> ids;
    const Json parsed = Body(r);
    for (const Json& t : parsed["items"]) ids.push_back(t["id"]);
    return ids;
  }

  std::string token_;
  Client user_;
};

TEST_P(TasksApiTest, CreateAppliesDefaultsAndSetsLocation) {
  HttpResult r = user_.Post(TasksPath("u1"), Json{{"title", "write tests"}});
  ASSERT_EQ(r.status, 201) << r.body;
  Json t = Body(r);
  ASSERT_TRUE(t["id"].is_number_integer());
  EXPECT_GT(t["id"].get<std::int64_t>(), 0);
  EXPECT_EQ(r.Header("location"), TaskPath("u1", t["id"]));
  EXPECT_EQ(t["user_id"], "u1");
  EXPECT_EQ(t["title"], "write tests");
  EXPECT_EQ(t["status"], "todo");
  EXPECT_EQ(t["priority"], "medium");
  EXPECT_TRUE(t["due_at"].is_null());
  EXPECT_TRUE(t["completed_at"].is_null());
  EXPECT_EQ(t["deleted"], false);
  EXPECT_TRUE(t["deleted_at"].is_null());
  ASSERT_TRUE(t["created_at"].is_string());
  EXPECT_TRUE(ParseTime(t["created_at"].get<std::string>()).has_value());
  EXPECT_TRUE(ParseTime(t["updated_at"].get<std::string>()).has_value());

  HttpResult got = user_.Get(r.Header("location"));
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(Body(got), t);
}

TEST_P(TasksApiTest, CreateWithEveryOptionalField) {
  Json t = CreateTask(user_, "u1",
                      Json{{"title", "ship"},
                           {"status", "done"},
                           {"priority", "urgent"},
                           {"due_at", "2030-01-02T03:04:05Z"}});
  EXPECT_EQ(t["status"], "done");
  EXPECT_EQ(t["priority"], "urgent");
  EXPECT_EQ(t["due_at"], "2030-01-02T03:04:05Z");
  EXPECT_TRUE(t["completed_at"].is_string()) << t.dump();
  // Offsets are normalised to UTC.
  Json offset =
      CreateTask(user_, "u1", Json{{"title", "o"}, {"due_at", "2030-01-02T05:04:05+02:00"}});
  EXPECT_EQ(offset["due_at"], "2030-01-02T03:04:05Z");
  Json null_due = CreateTask(user_, "u1", Json{{"title", "n"}, {"due_at", nullptr}});
  EXPECT_TRUE(null_due["due_at"].is_null());
}

TEST_P(TasksApiTest, ListFiltersByStatusPriorityAndDeleted) {
  const std::int64_t a =
      CreateTask(user_, "u1", Json{{"title", "a"}, {"status", "done"}, {"priority", "high"}})["id"];
  const std::int64_t b = CreateTask(user_, "u1", Json{{"title", "b"}, {"priority", "high"}})["id"];
  const std::int64_t c =
      CreateTask(user_, "u1", Json{{"title", "c"}, {"status", "done"}, {"priority", "low"}})["id"];
  const std::int64_t d =
      CreateTask(user_, "u1", Json{{"title", "d"}, {"status", "in_progress"}})["id"];
  const std::int64_t e =
      CreateTask(user_, "u1", Json{{"title", "e"}, {"status", "cancelled"}})["id"];
  ASSERT_EQ(user_.Delete(TaskPath("u1", c)).status, 200);

  using Ids = std::vector<std::int64_t>;
  EXPECT_EQ(ListIds(""), (Ids{a, b, d, e}));
  EXPECT_EQ(ListIds("&status=done"), (Ids{a}));
  EXPECT_EQ(ListIds("&status=done&include_deleted=true"), (Ids{a, c}));
  EXPECT_EQ(ListIds("&priority=high"), (Ids{a, b}));
  EXPECT_EQ(ListIds("&priority=high&status=todo"), (Ids{b}));
  EXPECT_EQ(ListIds("&status=cancelled"), (Ids{e}));
  EXPECT_EQ(ListIds("&status=in_progress"), (Ids{d}));
  EXPECT_EQ(ListIds("&priority=urgent"), Ids{});
  EXPECT_EQ(ListIds("&include_deleted=true"), (Ids{a, b, c, d, e}));
  EXPECT_EQ(ListIds("&include_deleted=false"), (Ids{a, b, d, e}));

  EXPECT_TRUE(IsProblem(user_.Get(TasksPath("u1") + "?status=finished"), 400, "status"));
  EXPECT_TRUE(IsProblem(user_.Get(TasksPath("u1") + "?priority=critical"), 400, "priority"));
  EXPECT_TRUE(
      IsProblem(user_.Get(TasksPath("u1") + "?include_deleted=maybe"), 400, "include_deleted"));
}

TEST_P(TasksApiTest, CursorPaginationHasNoDuplicatesOrGaps) {
  const std::vector<std::int64_t> created = CreateMany(23);
  ASSERT_EQ(created.size(), 23u);
  int pages = 0;
  EXPECT_EQ(ListAll("", 5, &pages), created);
  EXPECT_EQ(pages, 5);
  EXPECT_EQ(ListAll("", 1, &pages), created);
  EXPECT_EQ(pages, 23);
  EXPECT_EQ(ListAll("", 1000, &pages), created);
  EXPECT_EQ(pages, 1);
  // A page size dividing the count exactly: the last full page says there is no more.
  std::vector<std::int64_t> first_20(created.begin(), created.begin() + 20);
  for (std::int64_t id : {created[20], created[21], created[22]}) {
    ASSERT_EQ(user_.Delete(TaskPath("u1", id)).status, 200);
  }
  EXPECT_EQ(ListAll("", 5, &pages), first_20);
  EXPECT_EQ(pages, 4);
  // With include_deleted, the deleted ones come back, in order.
  EXPECT_EQ(ListAll("&include_deleted=true", 7, &pages), created);

  // A filter keeps the cursor consistent: only high-priority tasks, paged.
  std::vector<std::int64_t> high;
  for (std::size_t i = 0; i < 20; i += 3) {
    ASSERT_EQ(user_.Patch(TaskPath("u1", created[i]), Json{{"priority", "high"}}).status, 200);
    high.push_back(created[i]);
  }
  EXPECT_EQ(ListAll("&priority=high", 2, &pages), high);
  EXPECT_EQ(pages, 4);

  EXPECT_TRUE(IsProblem(user_.Get(TasksPath("u1") + "?cursor=garbage"), 400, "cursor"));
  EXPECT_TRUE(IsProblem(user_.Get(TasksPath("u1") + "?cursor="), 400, "cursor"));
}

TEST_P(TasksApiTest, LimitBounds) {
  CreateMany(3);
  for (const char* bad :
       {"0", "1001", "-1", "abc", "", "1.5", "1e2", "99999999999999999999", "%2B5", "5%20"}) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(IsProblem(user_.Get(TasksPath("u1") + "?limit=" + bad), 400, "limit"));
  }
  HttpResult one = user_.Get(TasksPath("u1") + "?limit=1");
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(Body(one)["items"].size(), 1u);
  EXPECT_TRUE(Body(one)["next_cursor"].is_string());
  HttpResult max = user_.Get(TasksPath("u1") + "?limit=1000");
  ASSERT_EQ(max.status, 200);
  EXPECT_EQ(Body(max)["items"].size(), 3u);
  EXPECT_TRUE(Body(max)["next_cursor"].is_null());
}

TEST_P(TasksApiTest, PatchToDoneSetsCompletedAtAndLeavingDoneClearsIt) {
  Json t = CreateTask(user_, "u1", "finish me");
  const std::int64_t id = t["id"];
  HttpResult done = user_.Patch(TaskPath("u1", id), Json{{"status", "done"}});
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(Body(done)["status"], "done");
  ASSERT_TRUE(Body(done)["completed_at"].is_string()) << done.body;
  const std::string completed_at = Body(done)["completed_at"];
  EXPECT_GE(*ParseTime(completed_at), *ParseTime(t["created_at"].get<std::string>()));

  // Other changes keep completed_at.
  HttpResult renamed =
      user_.Patch(TaskPath("u1", id), Json{{"title", "renamed"}, {"priority", "low"}});
  ASSERT_EQ(renamed.status, 200);
  EXPECT_EQ(Body(renamed)["completed_at"], completed_at);
  EXPECT_EQ(Body(renamed)["title"], "renamed");
  EXPECT_EQ(Body(renamed)["priority"], "low");
  // Setting done again changes nothing.
  HttpResult again = user_.Patch(TaskPath("u1", id), Json{{"status", "done"}});
  EXPECT_EQ(Body(again)["completed_at"], completed_at);

  HttpResult reopened = user_.Patch(TaskPath("u1", id), Json{{"status", "in_progress"}});
  ASSERT_EQ(reopened.status, 200);
  EXPECT_TRUE(Body(reopened)["completed_at"].is_null()) << reopened.body;
  EXPECT_EQ(Body(user_.Get(TaskPath("u1", id)))["completed_at"], nullptr);

  HttpResult cancelled_from_done = user_.Patch(TaskPath("u1", id), Json{{"status", "done"}});
  ASSERT_TRUE(Body(cancelled_from_done)["completed_at"].is_string());
  HttpResult cancelled = user_.Patch(TaskPath("u1", id), Json{{"status", "cancelled"}});
  EXPECT_TRUE(Body(cancelled)["completed_at"].is_null());

  // due_at set and cleared.
  HttpResult due = user_.Patch(TaskPath("u1", id), Json{{"due_at", "2031-05-06T07:08:09Z"}});
  EXPECT_EQ(Body(due)["due_at"], "2031-05-06T07:08:09Z");
  HttpResult undue = user_.Patch(TaskPath("u1", id), Json{{"due_at", nullptr}});
  EXPECT_TRUE(Body(undue)["due_at"].is_null());

  EXPECT_TRUE(IsProblem(user_.Patch(TaskPath("u1", id), Json::object()), 400, "body"));
}

TEST_P(TasksApiTest, SoftDeleteRestoreAndConflicts) {
  Json t = CreateTask(user_, "u1", "to delete");
  const std::int64_t id = t["id"];
  HttpResult deleted = user_.Delete(TaskPath("u1", id));
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(Body(deleted)["deleted"], true);
  EXPECT_TRUE(Body(deleted)["deleted_at"].is_string());
  EXPECT_TRUE(ListIds("").empty());
  EXPECT_EQ(ListIds("&include_deleted=true"), std::vector<std::int64_t>{id});
  // Reading it directly still works and says it is deleted.
  HttpResult got = user_.Get(TaskPath("u1", id));
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(Body(got)["deleted"], true);

  EXPECT_TRUE(IsProblem(user_.Delete(TaskPath("u1", id)), 409));
  EXPECT_TRUE(IsProblem(user_.Patch(TaskPath("u1", id), Json{{"title", "x"}}), 409));
  EXPECT_EQ(Body(user_.Get(TaskPath("u1", id)))["title"], "to delete");

  HttpResult restored = user_.Post(TaskPath("u1", id) + "/restore", "");
  ASSERT_EQ(restored.status, 200) << restored.body;
  EXPECT_EQ(Body(restored)["deleted"], false);
  EXPECT_TRUE(Body(restored)["deleted_at"].is_null());
  EXPECT_EQ(ListIds(""), std::vector<std::int64_t>{id});
  EXPECT_TRUE(IsProblem(user_.Post(TaskPath("u1", id) + "/restore", ""), 409));
  EXPECT_EQ(user_.Patch(TaskPath("u1", id), Json{{"title", "x"}}).status, 200);
}

TEST_P(TasksApiTest, UnknownTaskAndOtherUsersTaskAre404) {
  const std::string bob_token = app_.CreateUser("bob");
  Client bob = As(bob_token);
  Json bobs = CreateTask(bob, "bob", "bob's secret");
  const std::int64_t bob_id = bobs["id"];
  CreateTask(user_, "u1", "mine");
  Client admin = Admin();

  for (std::int64_t id : {std::int64_t{999999}, bob_id}) {
    SCOPED_TRACE(id);
    for (Client* c : {&user_, &admin}) {
      HttpResult get = c->Get(TaskPath("u1", id));
      EXPECT_TRUE(IsProblem(get, 404));
      EXPECT_EQ(get.body.find("secret"), std::string::npos);
      EXPECT_TRUE(IsProblem(c->Patch(TaskPath("u1", id), Json{{"title", "stolen"}}), 404));
      EXPECT_TRUE(IsProblem(c->Delete(TaskPath("u1", id)), 404));
      EXPECT_TRUE(IsProblem(c->Post(TaskPath("u1", id) + "/restore", ""), 404));
    }
  }
  // Bob's task is untouched.
  HttpResult still = bob.Get(TaskPath("bob", bob_id));
  ASSERT_EQ(still.status, 200);
  EXPECT_EQ(Body(still), bobs);
  // Unknown users: 404 for the admin.
  EXPECT_TRUE(IsProblem(admin.Get(TasksPath("ghost")), 404));
  EXPECT_TRUE(IsProblem(admin.Post(TasksPath("ghost"), Json{{"title", "x"}}), 404));
  EXPECT_TRUE(IsProblem(admin.Get(TaskPath("ghost", bob_id)), 404));
}

TEST_P(TasksApiTest, ImportFieldsOnlyWithAdminToken) {
  Client admin = Admin();
  HttpResult imported = admin.Post(TasksPath("u1"), Json{{"title", "old"},
                                                         {"status", "done"},
                                                         {"created_at", "2024-01-15T10:00:00Z"},
                                                         {"completed_at", "2024-01-16T11:30:00Z"}});
  ASSERT_EQ(imported.status, 201) << imported.body;
  EXPECT_EQ(Body(imported)["created_at"], "2024-01-15T10:00:00Z");
  EXPECT_EQ(Body(imported)["completed_at"], "2024-01-16T11:30:00Z");
  HttpResult only_created = admin.Post(
      TasksPath("u1"), Json{{"title", "old2"}, {"created_at", "2023-12-01T00:00:00.5Z"}});
  ASSERT_EQ(only_created.status, 201) << only_created.body;
  EXPECT_EQ(Body(only_created)["created_at"], "2023-12-01T00:00:00.5Z");

  const Json before = Snapshot("u1");
  HttpResult created_by_user =
      user_.Post(TasksPath("u1"), Json{{"title", "x"}, {"created_at", "2024-01-15T10:00:00Z"}});
  EXPECT_TRUE(IsProblem(created_by_user, 403, "created_at"));
  HttpResult completed_by_user = user_.Post(
      TasksPath("u1"),
      Json{{"title", "x"}, {"status", "done"}, {"completed_at", "2024-01-16T10:00:00Z"}});
  EXPECT_TRUE(IsProblem(completed_by_user, 403, "completed_at"));
  Json batch = Json::array({Json{{"title", "a"}}, Json{{"title", "b"}},
                            Json{{"title", "c"}, {"created_at", "2024-01-15T10:00:00Z"}}});
  EXPECT_TRUE(IsProblem(user_.Post(TasksPath("u1") + ":batch", batch), 403, "[2].created_at"));
  EXPECT_EQ(Snapshot("u1"), before);

  // Consistency rules for imports.
  EXPECT_TRUE(IsProblem(
      admin.Post(TasksPath("u1"), Json{{"title", "x"}, {"completed_at", "2024-01-16T10:00:00Z"}}),
      400, "completed_at"));
  EXPECT_TRUE(IsProblem(admin.Post(TasksPath("u1"), Json{{"title", "x"},
                                                         {"status", "done"},
                                                         {"created_at", "2024-01-16T10:00:00Z"},
                                                         {"completed_at", "2024-01-15T10:00:00Z"}}),
                        400, "completed_at"));
  EXPECT_TRUE(IsProblem(
      admin.Post(TasksPath("u1"), Json{{"title", "x"}, {"created_at", "2999-01-01T00:00:00Z"}}),
      400, "created_at"));
  EXPECT_EQ(Snapshot("u1"), before);
}

TEST_P(TasksApiTest, BatchCreatesInInputOrder) {
  Json items = Json::array();
  const char* priorities[] = {"low", "medium", "high", "urgent"};
  for (int i = 0; i < 50; ++i) {
    items.push_back(Json{{"title", "b" + std::to_string(i)}, {"priority", priorities[i % 4]}});
  }
  HttpResult r = user_.Post(TasksPath("u1") + ":batch", items);
  ASSERT_EQ(r.status, 201) << r.body.substr(0, 300);
  Json j = Body(r);
  EXPECT_EQ(j["created"], 50);
  ASSERT_EQ(j["tasks"].size(), 50u);
  std::int64_t previous = 0;
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(j["tasks"][i]["title"], "b" + std::to_string(i));
    EXPECT_EQ(j["tasks"][i]["priority"], priorities[i % 4]);
    const std::int64_t id = j["tasks"][i]["id"];
    EXPECT_GT(id, previous);
    previous = id;
    HttpResult got = user_.Get(TaskPath("u1", id));
    EXPECT_EQ(Body(got)["title"], "b" + std::to_string(i));
  }
  EXPECT_EQ(ListIds("").size(), 50u);
  // The object form {"tasks": [...]} is accepted as well.
  HttpResult wrapped =
      user_.Post(TasksPath("u1") + ":batch", Json{{"tasks", Json::array({Json{{"title", "w"}}})}});
  EXPECT_EQ(wrapped.status, 201) << wrapped.body;
}

TEST_P(TasksApiTest, BatchIsAllOrNothing) {
  CreateMany(4, "existing");
  const Json before = Snapshot("u1");
  Json items = Json::array();
  for (int i = 0; i < 6; ++i) items.push_back(Json{{"title", "n" + std::to_string(i)}});
  items[3]["priority"] = "critical";
  EXPECT_TRUE(IsProblem(user_.Post(TasksPath("u1") + ":batch", items), 400, "[3].priority"));
  EXPECT_EQ(Snapshot("u1"), before);

  items[3]["priority"] = "high";
  items[5].erase("title");
  EXPECT_TRUE(IsProblem(user_.Post(TasksPath("u1") + ":batch", items), 400, "[5].title"));
  items[5]["title"] = "   ";
  EXPECT_TRUE(IsProblem(user_.Post(TasksPath("u1") + ":batch", items), 400, "[5].title"));
  items[5]["title"] = "ok";
  items[0]["bogus"] = 1;
  EXPECT_TRUE(IsProblem(user_.Post(TasksPath("u1") + ":batch", items), 400, "[0].bogus"));
  items[0].erase("bogus");
  items[1] = "not an object";
  EXPECT_TRUE(IsProblem(user_.Post(TasksPath("u1") + ":batch", items), 400, "[1]"));
  EXPECT_EQ(Snapshot("u1"), before);

  EXPECT_TRUE(IsProblem(user_.Post(TasksPath("u1") + ":batch", Json::array()), 400));
  EXPECT_TRUE(IsProblem(user_.Post(TasksPath("u1") + ":batch", Json{{"title", "x"}}), 400, "body"));
  Json too_many = Json::array();
  for (int i = 0; i < 10001; ++i) too_many.push_back(Json{{"title", "t"}});
  EXPECT_TRUE(IsProblem(user_.Post(TasksPath("u1") + ":batch", too_many), 400));
  EXPECT_EQ(Snapshot("u1"), before);
}

TEST_P(TasksApiTest, BatchOfExactlyTenThousandIsAccepted) {
  Json items = Json::array();
  for (int i = 0; i < 10000; ++i) items.push_back(Json{{"title", "t" + std::to_string(i)}});
  // 20,000 rows (tasks and audit) in one transaction: allow a sanitizer build
  // on a loaded machine more than the client's default 10 s to answer.
  analytics::testing::Connection slow(port(), "127.0.0.1", std::chrono::seconds(120));
  HttpResult r = slow.Send("POST", TasksPath("u1") + ":batch", items.dump(),
                           {{"Authorization", "Bearer " + user_.token()}});
  ASSERT_EQ(r.status, 201) << r.body.substr(0, 300);
  Json j = Body(r);
  ASSERT_EQ(j["tasks"].size(), 10000u);
  EXPECT_EQ(j["tasks"][9999]["title"], "t9999");
  HttpResult overview = user_.Get(AnalyticsPath("u1", "overview"));
  EXPECT_EQ(Body(overview)["task_totals"]["total"], 10000);
}

ANALYTICS_API_TEST_ON_ALL_BACKENDS(TasksApiTest);

}  // namespace
}  // namespace analytics::apitest
