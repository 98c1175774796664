// Analytics over HTTP (SPEC §3, §4, §5): overview and the five stats with
// their freshness headers, read-your-writes through a warm cache (also under
// concurrent writers and readers), trends and daily rows.
#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "api_test_util.h"
#include "base/time.h"

namespace analytics::apitest {
namespace {

const char* const kStats[] = {"task_totals", "completion_rate", "priority_distribution",
                              "status_distribution", "productivity_score"};

int Weight(const std::string& priority) {
  if (priority == "low") return 1;
  if (priority == "medium") return 2;
  if (priority == "high") return 3;
  return 4;
}

double Round2(double v) { return std::round(v * 100) / 100; }

// What a user's tasks should add up to (no due dates, so nothing is overdue
// and every done task counts fully toward productivity).
struct Model {
  struct Task {
    std::string status = "todo";
    std::string priority = "medium";
    bool deleted = false;
  };
  std::map<std::int64_t, Task> tasks;

  Json Expected() const {
    Json totals{{"total", 0}, {"todo", 0},      {"in_progress", 0},
                {"done", 0},  {"cancelled", 0}, {"overdue", 0}};
    Json priorities{{"low", 0}, {"medium", 0}, {"high", 0}, {"urgent", 0}};
    Json statuses{{"todo", 0}, {"in_progress", 0}, {"done", 0}, {"cancelled", 0}};
    int weight = 0, weight_done = 0, done = 0, not_cancelled = 0;
    for (const auto& [id, t] : tasks) {
      if (t.deleted) continue;
      totals["total"] = totals["total"].get<int>() + 1;
      totals[t.status] = totals[t.status].get<int>() + 1;
      statuses[t.status] = statuses[t.status].get<int>() + 1;
      priorities[t.priority] = priorities[t.priority].get<int>() + 1;
      if (t.status == "cancelled") continue;
      ++not_cancelled;
      weight += Weight(t.priority);
      if (t.status == "done") {
        ++done;
        weight_done += Weight(t.priority);
      }
    }
    return Json{{"task_totals", totals},
                {"completion_rate", not_cancelled ? Round2(100.0 * done / not_cancelled) : 0.0},
                {"priority_distribution", priorities},
                {"status_distribution", statuses},
                {"productivity_score", weight ? Round2(100.0 * weight_done / weight) : 0.0}};
  }
};

// Compares the numbers of an overview body with the model's; "" when equal.
std::string Mismatch(const Json& body, const Json& expected) {
  for (const auto& [key, want] : expected.items()) {
    if (!body.contains(key)) return "missing " + key;
    const Json& got = body[key];
    if (want.is_number_float()) {
      if (!got.is_number() || std::abs(got.get<double>() - want.get<double>()) > 0.005) {
        return key + ": got " + got.dump() + ", want " + want.dump();
      }
    } else if (got != want) {
      return key + ": got " + got.dump() + ", want " + want.dump();
    }
  }
  return "";
}

class StatsApiTest : public ApiTest {
 protected:
  StatsApiTest() : token_(app_.CreateUser("s1")), user_(As(token_)) {}

  HttpResult Overview() { return user_.Get(AnalyticsPath("s1", "overview")); }

  std::string token_;
  Client user_;
};

TEST_P(StatsApiTest, OverviewOfNewUserHasEveryKeyAtZero) {
  HttpResult r = Overview();
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = Body(r);
  EXPECT_EQ(j["user_id"], "s1");
  ASSERT_TRUE(j["as_of"].is_string());
  EXPECT_TRUE(ParseTime(j["as_of"].get<std::string>()).has_value());
  EXPECT_EQ(j["task_totals"], (Json{{"total", 0},
                                    {"todo", 0},
                                    {"in_progress", 0},
                                    {"done", 0},
                                    {"cancelled", 0},
                                    {"overdue", 0}}));
  EXPECT_EQ(j["priority_distribution"],
            (Json{{"low", 0}, {"medium", 0}, {"high", 0}, {"urgent", 0}}));
  EXPECT_EQ(j["status_distribution"],
            (Json{{"todo", 0}, {"in_progress", 0}, {"done", 0}, {"cancelled", 0}}));
  ASSERT_TRUE(j["completion_rate"].is_number());
  EXPECT_EQ(j["completion_rate"].get<double>(), 0.0);
  ASSERT_TRUE(j["productivity_score"].is_number());
  EXPECT_EQ(j["productivity_score"].get<double>(), 0.0);
  EXPECT_EQ(j.size(), 7u) << r.body;
}

TEST_P(StatsApiTest, MissThenHitWithAgeAndSameAsOf) {
  HttpResult first = Overview();
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.Header("x-cache"), "miss");
  HttpResult second = Overview();
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.Header("x-cache"), "hit");
  for (const HttpResult* r : {&first, &second}) {
    const std::string age = r->Header("age");
    ASSERT_FALSE(age.empty());
    EXPECT_EQ(age.find_first_not_of("0123456789"), std::string::npos) << age;
    EXPECT_LE(std::stoi(age), 5);
  }
  EXPECT_EQ(Body(first)["as_of"], Body(second)["as_of"]);
  EXPECT_EQ(Body(first), Body(second));
  // The admin reads the same cached entry.
  HttpResult by_admin = Admin().Get(AnalyticsPath("s1", "overview"));
  EXPECT_EQ(by_admin.Header("x-cache"), "hit");
  EXPECT_EQ(Body(by_admin), Body(first));
}

TEST_P(StatsApiTest, NumbersFollowTheMetricDefinitions) {
  CreateTask(user_, "s1",
             Json{{"title", "late done"},
                  {"status", "done"},
                  {"priority", "high"},
                  {"due_at", "2020-01-01T00:00:00Z"}});
  CreateTask(user_, "s1", Json{{"title", "done"}, {"status", "done"}, {"priority", "low"}});
  CreateTask(user_, "s1", Json{{"title", "overdue"}, {"due_at", "2020-01-01T00:00:00Z"}});
  CreateTask(user_, "s1",
             Json{{"title", "cancelled"},
                  {"status", "cancelled"},
                  {"priority", "urgent"},
                  {"due_at", "2020-01-01T00:00:00Z"}});
  CreateTask(user_, "s1",
             Json{{"title", "wip"}, {"status", "in_progress"}, {"due_at", "2099-01-01T00:00:00Z"}});
  const std::int64_t gone = CreateTask(
      user_, "s1", Json{{"title", "deleted"}, {"status", "done"}, {"priority", "urgent"}})["id"];
  ASSERT_EQ(user_.Delete(TaskPath("s1", gone)).status, 200);

  HttpResult r = Overview();
  ASSERT_EQ(r.status, 200);
  Json j = Body(r);
  EXPECT_EQ(j["task_totals"], (Json{{"total", 5},
                                    {"todo", 1},
                                    {"in_progress", 1},
                                    {"done", 2},
                                    {"cancelled", 1},
                                    {"overdue", 1}}));
  EXPECT_EQ(j["priority_distribution"],
            (Json{{"low", 1}, {"medium", 2}, {"high", 1}, {"urgent", 1}}));
  EXPECT_EQ(j["status_distribution"],
            (Json{{"todo", 1}, {"in_progress", 1}, {"done", 2}, {"cancelled", 1}}));
  EXPECT_DOUBLE_EQ(j["completion_rate"].get<double>(), 50.0);
  // (3 * 0.5 + 1) / (3 + 1 + 2 + 2) = 31.25 %
  EXPECT_DOUBLE_EQ(j["productivity_score"].get<double>(), 31.25);

  // Each stat on its own matches the overview.
  for (const char* stat : kStats) {
    SCOPED_TRACE(stat);
    HttpResult one = user_.Get(AnalyticsPath("s1", stat));
    ASSERT_EQ(one.status, 200) << one.body;
    Json s = Body(one);
    EXPECT_EQ(s["user_id"], "s1");
    EXPECT_TRUE(s["as_of"].is_string());
    EXPECT_EQ(s[stat], j[stat]);
    EXPECT_EQ(s.size(), 3u) << one.body;
    EXPECT_EQ(one.Header("x-cache"), "miss");
    EXPECT_FALSE(one.Header("age").empty());
    HttpResult again = user_.Get(AnalyticsPath("s1", stat));
    EXPECT_EQ(again.Header("x-cache"), "hit");
    EXPECT_EQ(Body(again), s);
  }
}

TEST_P(StatsApiTest, UnknownMetricIs404) {
  for (const char* bad : {"bogus", "overviews", "TASK_TOTALS", "task_totals.json", ".."}) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(IsProblem(user_.Get(AnalyticsPath("s1", bad)), 404));
  }
  EXPECT_TRUE(IsProblem(user_.Get(AnalyticsPath("s1", "%00")), 400, "path"));
  EXPECT_TRUE(IsProblem(Admin().Get(AnalyticsPath("nobody", "overview")), 404));
  EXPECT_TRUE(IsProblem(Admin().Get(AnalyticsPath("nobody", "task_totals")), 404));
}

TEST_P(StatsApiTest, ReadYourWritesThroughAWarmCache) {
  Model model;
  std::mt19937 rng(12345);
  const char* statuses[] = {"todo", "in_progress", "done", "cancelled"};
  const char* priorities[] = {"low", "medium", "high", "urgent"};
  auto pick = [&](auto& array) { return std::string(array[rng() % 4]); };
  auto live = [&](bool deleted) {
    std::vector<std::int64_t> ids;
    for (const auto& [id, t] : model.tasks) {
      if (t.deleted == deleted) ids.push_back(id);
    }
    return ids;
  };

  ASSERT_EQ(Overview().status, 200);
  for (int i = 0; i < 80; ++i) {
    SCOPED_TRACE("iteration " + std::to_string(i));
    // The cache is warm before each write.
    HttpResult warm = Overview();
    ASSERT_EQ(warm.Header("x-cache"), "hit");
    const char* stat = kStats[i % 5];
    user_.Get(AnalyticsPath("s1", stat));
    ASSERT_EQ(user_.Get(AnalyticsPath("s1", stat)).Header("x-cache"), "hit");

    HttpResult write;
    std::vector<std::int64_t> alive = live(false), dead = live(true);
    const int op = alive.empty() ? 0 : static_cast<int>(rng() % 5);
    if (op == 0 || (op == 4 && dead.empty())) {
      Model::Task t{pick(statuses), pick(priorities), false};
      write = user_.Post(TasksPath("s1"),
                         Json{{"title", "t"}, {"status", t.status}, {"priority", t.priority}});
      ASSERT_EQ(write.status, 201) << write.body;
      model.tasks[Body(write)["id"]] = t;
    } else if (op == 1 || op == 2) {
      std::int64_t id = alive[rng() % alive.size()];
      Json patch =
          op == 1 ? Json{{"status", pick(statuses)}} : Json{{"priority", pick(priorities)}};
      write = user_.Patch(TaskPath("s1", id), patch);
      ASSERT_EQ(write.status, 200) << write.body;
      if (op == 1) model.tasks[id].status = patch["status"];
      if (op == 2) model.tasks[id].priority = patch["priority"];
    } else if (op == 3) {
      std::int64_t id = alive[rng() % alive.size()];
      write = user_.Delete(TaskPath("s1", id));
      ASSERT_EQ(write.status, 200) << write.body;
      model.tasks[id].deleted = true;
    } else {
      std::int64_t id = dead[rng() % dead.size()];
      write = user_.Post(TaskPath("s1", id) + "/restore", "");
      ASSERT_EQ(write.status, 200) << write.body;
      model.tasks[id].deleted = false;
    }

    const Json expected = model.Expected();
    HttpResult after = Overview();
    ASSERT_EQ(after.status, 200);
    // Write-through: the write cached the new overview, so this is a hit.
    EXPECT_EQ(after.Header("x-cache"), "hit");
    EXPECT_EQ(Mismatch(Body(after), expected), "") << after.body;
    HttpResult one = user_.Get(AnalyticsPath("s1", stat));
    EXPECT_EQ(one.Header("x-cache"), "miss");
    EXPECT_EQ(Body(one)[stat], Body(after)[stat]);
    HttpResult cached = Overview();
    EXPECT_EQ(cached.Header("x-cache"), "hit");
    EXPECT_EQ(Mismatch(Body(cached), expected), "") << cached.body;
  }
}

TEST_P(StatsApiTest, ReadYourWritesUnderConcurrentWritersAndReaders) {
  constexpr int kUsers = 3;
  constexpr int kWrites = 30;
  std::vector<std::string> tokens;
  for (int u = 0; u < kUsers; ++u) tokens.push_back(app_.CreateUser("c" + std::to_string(u)));

  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::mutex mu;
  std::string first_failure;
  auto fail = [&](const std::string& what) {
    if (failures++ == 0) {
      std::lock_guard lock(mu);
      first_failure = what;
    }
  };

  std::vector<std::thread> threads;
  for (int u = 0; u < kUsers; ++u) {
    const std::string uid = "c" + std::to_string(u);
    // A reader keeps the user's entries warm (and races the writer's invalidations).
    threads.emplace_back([&, uid] {
      Client reader = Admin();
      while (!stop.load()) {
        if (reader.Get(AnalyticsPath(uid, "overview")).status != 200) fail(uid + ": reader");
        reader.Get(AnalyticsPath(uid, "task_totals"));
      }
    });
    threads.emplace_back([&, uid, token = tokens[u]] {
      Client writer(port(), token);
      int total = 0, done = 0;
      std::vector<std::int64_t> ids;
      for (int i = 0; i < kWrites && failures.load() == 0; ++i) {
        HttpResult w;
        if (i % 3 == 2 && !ids.empty()) {
          w = writer.Patch(TaskPath(uid, ids.back()), Json{{"status", "done"}});
          if (w.status != 200) return fail(uid + ": patch " + w.body);
          ++done;
          ids.pop_back();
        } else {
          w = writer.Post(TasksPath(uid), Json{{"title", "w" + std::to_string(i)}});
          if (w.status != 201) return fail(uid + ": create " + w.body);
          ids.push_back(Body(w)["id"]);
          ++total;
        }
        // The write is acknowledged: every read from now on must show it.
        for (int k = 0; k < 2; ++k) {
          HttpResult o = writer.Get(AnalyticsPath(uid, "overview"));
          Json j = Body(o);
          if (o.status != 200 || j["task_totals"]["total"] != total ||
              j["task_totals"]["done"] != done) {
            return fail(uid + " after write " + std::to_string(i) + " (total " +
                        std::to_string(total) + ", done " + std::to_string(done) + ", X-Cache " +
                        o.Header("x-cache") + "): " + o.body);
          }
          HttpResult t = writer.Get(AnalyticsPath(uid, "task_totals"));
          if (Body(t)["task_totals"]["total"] != total) {
            return fail(uid + " task_totals after write " + std::to_string(i) + ": " + t.body);
          }
        }
      }
    });
  }
  // Writers are the odd threads; join them first, then stop the readers.
  for (std::size_t i = 1; i < threads.size(); i += 2) threads[i].join();
  stop = true;
  for (std::size_t i = 0; i < threads.size(); i += 2) threads[i].join();
  EXPECT_EQ(failures.load(), 0) << first_failure;
}

TEST_P(StatsApiTest, AdminCacheInvalidationCausesMisses) {
  ASSERT_EQ(Overview().status, 200);
  ASSERT_EQ(Overview().Header("x-cache"), "hit");
  Client admin = Admin();
  HttpResult one = admin.Post("/api/v1/admin/cache/invalidate", Json{{"user_id", "s1"}});
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(Body(one)["invalidated"], "s1");
  EXPECT_EQ(Overview().Header("x-cache"), "miss");
  ASSERT_EQ(Overview().Header("x-cache"), "hit");
  HttpResult all = admin.Post("/api/v1/admin/cache/invalidate", "");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(Body(all)["invalidated"], "all");
  EXPECT_EQ(Overview().Header("x-cache"), "miss");
  EXPECT_TRUE(IsProblem(admin.Post("/api/v1/admin/cache/invalidate", Json{{"user_id", "a b"}}), 400,
                        "user_id"));
  EXPECT_TRUE(IsProblem(admin.Post("/api/v1/admin/cache/invalidate", Json{{"everything", true}}),
                        400, "everything"));
}

class UncachedStatsApiTest : public ApiTest {
 protected:
  UncachedStatsApiTest()
      : ApiTest([](config::Config& c) {
          c.cache.ttl_overview = std::chrono::seconds(0);
          c.cache.ttl_metrics = std::chrono::seconds(0);
        }) {}
};

TEST_P(UncachedStatsApiTest, TtlZeroMeansEveryReadIsAMiss) {
  Client user = As(app_.CreateUser("z"));
  for (int i = 0; i < 3; ++i) {
    HttpResult r = user.Get(AnalyticsPath("z", "overview"));
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.Header("x-cache"), "miss");
    EXPECT_EQ(r.Header("age"), "0");
    HttpResult s = user.Get(AnalyticsPath("z", "completion_rate"));
    EXPECT_EQ(s.Header("x-cache"), "miss");
  }
}

// Trends and daily rows over imported history (January 2024).
class TrendsApiTest : public StatsApiTest {
 protected:
  void SetUp() override {
    StatsApiTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    Client admin = Admin();
    CreateTask(admin, "s1", Json{{"title", "a"}, {"created_at", "2024-01-02T10:00:00Z"}});
    CreateTask(admin, "s1",
               Json{{"title", "b"},
                    {"status", "done"},
                    {"created_at", "2024-01-09T10:00:00Z"},
                    {"completed_at", "2024-01-11T10:00:00Z"}});
  }

  Json Trends(const std::string& query) {
    HttpResult r = user_.Get(AnalyticsPath("s1", "trends") + query);
    EXPECT_EQ(r.status, 200) << r.body;
    return Body(r);
  }

  static Json Point(const char* start, int created, int completed, double rate) {
    return Json{{"period_start", start},
                {"tasks_created", created},
                {"tasks_completed", completed},
                {"completion_rate", rate}};
  }
};

TEST_P(TrendsApiTest, WeeksStartOnMonday) {
  Json j = Trends("?granularity=week&from=2024-01-03&to=2024-01-20");
  EXPECT_EQ(j["granularity"], "week");
  EXPECT_EQ(j["user_id"], "s1");
  EXPECT_TRUE(j["as_of"].is_string());
  EXPECT_EQ(j["series"],
            Json::array({Point("2024-01-01", 1, 0, 0.0), Point("2024-01-08", 1, 1, 50.0),
                         Point("2024-01-15", 0, 0, 50.0)}));
  // Across a year boundary: 2024-12-31 is a Tuesday of the week from Monday 2024-12-30.
  Json edge = Trends("?granularity=week&from=2024-12-31&to=2025-01-05");
  ASSERT_EQ(edge["series"].size(), 1u) << edge.dump();
  EXPECT_EQ(edge["series"][0]["period_start"], "2024-12-30");
  // Every period of a long range starts on a Monday, seven days apart.
  Json long_range = Trends("?granularity=week&from=2023-06-01&to=2024-06-01");
  Day previous{};
  for (const Json& p : long_range["series"]) {
    auto day = ParseDay(p["period_start"].get<std::string>());
    ASSERT_TRUE(day.has_value());
    EXPECT_EQ(std::chrono::weekday(*day), std::chrono::Monday) << p.dump();
    if (previous != Day{}) {
      EXPECT_EQ((*day - previous).count(), 7);
    }
    previous = *day;
  }
  EXPECT_EQ(long_range["series"].size(), 53u);
}

TEST_P(TrendsApiTest, DaysAndMonths) {
  Json days = Trends("?granularity=day&from=2024-01-08&to=2024-01-12");
  EXPECT_EQ(days["series"],
            Json::array({Point("2024-01-08", 0, 0, 0.0), Point("2024-01-09", 1, 0, 0.0),
                         Point("2024-01-10", 0, 0, 0.0), Point("2024-01-11", 0, 1, 50.0),
                         Point("2024-01-12", 0, 0, 50.0)}));
  EXPECT_EQ(days["from"], "2024-01-08");
  EXPECT_EQ(days["to"], "2024-01-12");
  Json months = Trends("?granularity=month&from=2024-01-15&to=2024-03-02");
  EXPECT_EQ(months["series"],
            Json::array({Point("2024-01-01", 2, 1, 50.0), Point("2024-02-01", 0, 0, 50.0),
                         Point("2024-03-01", 0, 0, 50.0)}));
  // Day is the default granularity, over the last 30 days up to today.
  const std::string today_before = FormatDay(DayOf(SystemClock().Now()));
  Json fallback = Trends("");
  const std::string today_after = FormatDay(DayOf(SystemClock().Now()));
  EXPECT_EQ(fallback["granularity"], "day");
  ASSERT_EQ(fallback["series"].size(), 30u);
  const std::string last = fallback["series"][29]["period_start"];
  EXPECT_TRUE(last == today_before || last == today_after) << last;
}

TEST_P(TrendsApiTest, DeletedAndCancelledTasksAreNotCounted) {
  Client admin = Admin();
  CreateTask(
      admin, "s1",
      Json{
          {"title", "cancelled"}, {"status", "cancelled"}, {"created_at", "2024-01-03T10:00:00Z"}});
  const std::int64_t gone = CreateTask(admin, "s1",
                                       Json{{"title", "gone"},
                                            {"status", "done"},
                                            {"created_at", "2024-01-04T10:00:00Z"},
                                            {"completed_at", "2024-01-04T11:00:00Z"}})["id"];
  ASSERT_EQ(admin.Delete(TaskPath("s1", gone)).status, 200);
  Json j = Trends("?granularity=week&from=2024-01-01&to=2024-01-14");
  EXPECT_EQ(j["series"],
            Json::array({Point("2024-01-01", 1, 0, 0.0), Point("2024-01-08", 1, 1, 50.0)}));
  // Restoring the deleted task brings it back at once (trends are never cached).
  ASSERT_EQ(admin.Post(TaskPath("s1", gone) + "/restore", "").status, 200);
  j = Trends("?granularity=week&from=2024-01-01&to=2024-01-14");
  EXPECT_EQ(j["series"],
            Json::array({Point("2024-01-01", 2, 1, 50.0), Point("2024-01-08", 1, 1, 66.67)}));
}

TEST_P(TrendsApiTest, BadParametersAre400NamingThem) {
  const std::string path = AnalyticsPath("s1", "trends");
  EXPECT_TRUE(IsProblem(user_.Get(path + "?granularity=hour"), 400, "granularity"));
  EXPECT_TRUE(IsProblem(user_.Get(path + "?granularity="), 400, "granularity"));
  EXPECT_TRUE(IsProblem(user_.Get(path + "?from=2024-02-01&to=2024-01-01"), 400, "from"));
  HttpResult too_long = user_.Get(path + "?from=2000-01-01&to=2024-01-01");
  EXPECT_TRUE(IsProblem(too_long, 400));
  EXPECT_TRUE(IsProblem(user_.Get(path + "?from=0001-01-01&to=9999-12-31"), 400));
  EXPECT_EQ(user_.Get(path + "?granularity=month&from=2014-01-02&to=2024-01-01").status, 200);
  for (const char* bad : {"2024-13-01", "2024-02-30", "yesterday", "2024-1-1", "", "20240101",
                          "2024-01-01T25:00:00Z", "%27%20OR%201%3D1"}) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(IsProblem(user_.Get(path + "?from=" + bad + "&to=2024-01-31"), 400, "from"));
    EXPECT_TRUE(IsProblem(user_.Get(path + "?from=2024-01-01&to=" + bad), 400, "to"));
  }
  EXPECT_TRUE(IsProblem(Admin().Get(AnalyticsPath("nobody", "trends")), 404));
}

TEST_P(TrendsApiTest, DailyReturnsItemsArray) {
  HttpResult r = user_.Get(AnalyticsPath("s1", "daily") + "?from=2024-01-01&to=2024-01-31");
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = Body(r);
  EXPECT_EQ(j["user_id"], "s1");
  EXPECT_EQ(j["from"], "2024-01-01");
  EXPECT_EQ(j["to"], "2024-01-31");
  EXPECT_TRUE(j["as_of"].is_string());
  ASSERT_TRUE(j["items"].is_array());
  for (const Json& row : j["items"]) {
    EXPECT_TRUE(row.contains("date"));
    EXPECT_TRUE(row.contains("completion_rate"));
  }
  HttpResult fallback = user_.Get(AnalyticsPath("s1", "daily"));
  ASSERT_EQ(fallback.status, 200);
  EXPECT_TRUE(Body(fallback)["items"].is_array());
  const std::string path = AnalyticsPath("s1", "daily");
  EXPECT_TRUE(IsProblem(user_.Get(path + "?from=2024-02-01&to=2024-01-01"), 400, "from"));
  EXPECT_TRUE(IsProblem(user_.Get(path + "?from=nope"), 400, "from"));
  EXPECT_TRUE(IsProblem(user_.Get(path + "?to=2024-02-31"), 400, "to"));
  EXPECT_TRUE(IsProblem(user_.Get(path + "?from=1900-01-01&to=2024-01-01"), 400));
  EXPECT_TRUE(IsProblem(Admin().Get(AnalyticsPath("nobody", "daily")), 404));
}

ANALYTICS_API_TEST_ON_ALL_BACKENDS(StatsApiTest);
ANALYTICS_API_TEST_ON_ALL_BACKENDS(UncachedStatsApiTest);
ANALYTICS_API_TEST_ON_ALL_BACKENDS(TrendsApiTest);

}  // namespace
}  // namespace analytics::apitest
