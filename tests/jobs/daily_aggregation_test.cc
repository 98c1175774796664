// daily_aggregation against a brute-force reference of SPEC §3's daily rows,
// on every backend; a second run of the same days changes nothing.
#include <map>
#include <random>

#include "jobs/jobs_fixture.h"
#include "model/stats.h"
#include "storage/daily_repository.h"
#include "storage/stats_repository.h"

namespace analytics::test {
namespace {

class DailyJobsTest : public JobsTest {};

using model::Priority;
using model::Task;
using model::TaskStatus;
using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;

struct Expected {
  std::int64_t created = 0, completed = 0, total = 0, done = 0;
  double weight = 0, weight_done = 0;
};

// Brute force: for each user and day, straight from the definitions.
std::map<std::pair<std::string, Day>, Expected> Reference(const std::vector<Task>& tasks, Day from,
                                                          Day to) {
  std::map<std::pair<std::string, Day>, Expected> rows;
  std::map<std::string, bool> users;
  for (const Task& t : tasks) users[t.user_id] = true;
  for (const auto& [user, unused] : users) {
    for (Day d = from; d <= to; d += days{1}) {
      Time start{d}, end{d + days{1}};
      Expected e;
      bool active = false;
      for (const Task& t : tasks) {
        if (t.user_id != user || t.deleted || t.status == TaskStatus::kCancelled) continue;
        bool done_by_end = t.status == TaskStatus::kDone && *t.completed_at < end;
        if (t.created_at >= start && t.created_at < end) {
          ++e.created;
          active = true;
        }
        if (done_by_end && *t.completed_at >= start) {
          ++e.completed;
          active = true;
        }
        if (t.created_at >= end) continue;
        ++e.total;
        double w = model::Weight(t.priority);
        e.weight += w;
        if (done_by_end) {
          ++e.done;
          e.weight_done += w * ((!t.due_at || *t.completed_at <= *t.due_at) ? 1.0 : 0.5);
        }
      }
      if (active) rows[{user, d}] = e;
    }
  }
  return rows;
}

std::vector<model::DailyStats> AllRows(storage::Database& db, const std::vector<std::string>& users,
                                       Day from, Day to) {
  std::vector<model::DailyStats> all;
  auto done = db.Read([&](storage::Transaction& tx) -> Result<void> {
    for (const auto& u : users) {
      auto rows = storage::StatsRepository(tx, db.dialect()).DailyRows(u, from, to + days{1});
      if (!rows.ok()) return rows.error();
      all.insert(all.end(), rows->begin(), rows->end());
    }
    return Ok();
  });
  EXPECT_TRUE(done.ok());
  return all;
}

TEST_P(DailyJobsTest, DailyAggregationMatchesBruteForceAndIsIdempotent) {
  std::mt19937 rng(7);
  std::vector<std::string> users = {"ann", "bob", "cy"};
  std::vector<Task> tasks;
  Time now = clock_.Now();
  for (const auto& u : users) {
    ASSERT_TRUE(users_->Create(u).ok());
    std::vector<tasks::NewTask> batch;
    for (int i = 0; i < 400; ++i) {
      tasks::NewTask in;
      in.title = "t" + std::to_string(i);
      in.status = model::kAllStatuses[rng() % 4];
      in.priority = model::kAllPriorities[rng() % 4];
      in.created_at = now - minutes(rng() % (60 * 24 * 40));
      if (rng() % 2) in.due_at = *in.created_at + hours(rng() % (24 * 6));
      if (in.status == TaskStatus::kDone) {
        in.completed_at = std::min(now, *in.created_at + minutes(rng() % (60 * 24 * 8)));
      }
      batch.push_back(in);
    }
    auto created = tasks_->CreateBatch(Admin(), u, batch);
    ASSERT_TRUE(created.ok()) << created.error().message;
    for (std::size_t i = 0; i < created->size(); i += 13) {
      auto deleted = tasks_->Delete(Admin(), u, (*created)[i].id);
      ASSERT_TRUE(deleted.ok());
      (*created)[i] = *deleted;
    }
    tasks.insert(tasks.end(), created->begin(), created->end());
  }
  Day to = DayOf(now) - days{1};
  Day from = to - days{44};

  jobs::JobArgs args;
  args.from = from;
  args.to = to;
  auto report = runner_->Run("daily_aggregation", args);
  ASSERT_TRUE(report.ok()) << report.error().message;
  ASSERT_TRUE(report->succeeded) << report->error;

  auto expected = Reference(tasks, from, to);
  auto rows = AllRows(*db_, users, from, to);
  ASSERT_EQ(rows.size(), expected.size());
  EXPECT_EQ(report->result.rows, static_cast<std::int64_t>(expected.size()));
  for (const auto& row : rows) {
    SCOPED_TRACE(row.user_id + " " + FormatDay(row.date));
    auto it = expected.find({row.user_id, row.date});
    ASSERT_NE(it, expected.end());
    const Expected& e = it->second;
    EXPECT_EQ(row.tasks_created, e.created);
    EXPECT_EQ(row.tasks_completed, e.completed);
    EXPECT_EQ(row.total_tasks, e.total);
    EXPECT_EQ(row.completed_tasks, e.done);
    // Rounded to 2 decimals by the database; allow for its half-way rule.
    EXPECT_NEAR(row.completion_rate, model::Percent(e.done, e.total), 0.0051);
    EXPECT_NEAR(row.productivity_score, model::Percent(e.weight_done, e.weight), 0.0051);
  }

  clock_.Advance(hours(1));
  auto again = runner_->Run("daily_aggregation", args);
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(again->succeeded);
  auto rows_again = AllRows(*db_, users, from, to);
  ASSERT_EQ(rows_again.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows_again[i].user_id, rows[i].user_id);
    EXPECT_EQ(rows_again[i].date, rows[i].date);
    EXPECT_EQ(rows_again[i].tasks_created, rows[i].tasks_created);
    EXPECT_EQ(rows_again[i].completed_tasks, rows[i].completed_tasks);
    EXPECT_EQ(rows_again[i].completion_rate, rows[i].completion_rate);
    EXPECT_EQ(rows_again[i].productivity_score, rows[i].productivity_score);
  }
}

TEST_P(DailyJobsTest, DailyAggregationDefaultsToYesterdayAndRecordsTheRun) {
  ASSERT_TRUE(users_->Create("solo").ok());
  tasks::NewTask in{"yesterday's task", TaskStatus::kDone,        Priority::kHigh,
                    std::nullopt,       clock_.Now() - hours(20), clock_.Now() - hours(19)};
  ASSERT_TRUE(tasks_->Create(Admin(), "solo", in).ok());

  auto report = runner_->Run("daily_aggregation", {});

  ASSERT_TRUE(report.ok());
  ASSERT_TRUE(report->succeeded) << report->error;
  EXPECT_EQ(report->result.rows, 1);
  auto runs = runner_->Recent("daily_aggregation", 5);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ(runs->front().status, "succeeded");
  EXPECT_EQ(runs->front().rows, 1);
  EXPECT_FALSE(runs->front().host.empty());
  auto daily = stats_->Daily("solo", DayOf(clock_.Now()) - days{1}, DayOf(clock_.Now()));
  ASSERT_TRUE(daily.ok());
  ASSERT_EQ(daily->size(), 1u);
  EXPECT_EQ(daily->front().completion_rate, 100.0);
}

TEST_P(DailyJobsTest, ArchiveMovesOldRowsAndTheDailyEndpointStillReturnsThem) {
  ASSERT_TRUE(users_->Create("old").ok());
  Time now = clock_.Now();
  std::vector<tasks::NewTask> batch;
  for (int years_back : {3, 2, 1}) {
    Time at = now - days{365 * years_back + 10};
    batch.push_back({"t", TaskStatus::kTodo, Priority::kLow, std::nullopt, at, std::nullopt});
  }
  ASSERT_TRUE(tasks_->CreateBatch(Admin(), "old", batch).ok());
  jobs::JobArgs all;
  all.from = DayOf(now) - days{365 * 3 + 20};
  all.to = DayOf(now);
  ASSERT_TRUE(runner_->Run("daily_aggregation", all)->succeeded);

  auto report = runner_->Run("archive", {});

  ASSERT_TRUE(report.ok());
  ASSERT_TRUE(report->succeeded) << report->error;
  EXPECT_EQ(report->result.rows, 2);  // the rows from 3 and 2 years (+10 days) ago
  std::int64_t live = -1, archived = -1;
  ASSERT_TRUE(db_->Read([&](storage::Transaction& tx) -> Result<void> {
                   live = tx.Query("SELECT COUNT(*) FROM daily_analytics")->front().Int(0);
                   archived =
                       tx.Query("SELECT COUNT(*) FROM daily_analytics_archive")->front().Int(0);
                   return Ok();
                 })
                  .ok());
  EXPECT_EQ(live, 1);
  EXPECT_EQ(archived, 2);
  auto daily = stats_->Daily("old", *all.from, *all.to);
  ASSERT_TRUE(daily.ok());
  EXPECT_EQ(daily->size(), 3u);
  auto twice = runner_->Run("archive", {});
  ASSERT_TRUE(twice->succeeded);
  EXPECT_EQ(twice->result.rows, 0);
}

TEST_P(DailyJobsTest, RefreshViewsAndMaintenanceSucceed) {
  ASSERT_TRUE(users_->Create("v").ok());
  ASSERT_TRUE(
      tasks_->Create(Admin(), "v", {"a", TaskStatus::kDone, Priority::kUrgent, {}, {}, {}}).ok());
  ASSERT_TRUE(
      tasks_->Create(Admin(), "v", {"b", TaskStatus::kTodo, Priority::kLow, {}, {}, {}}).ok());

  auto refresh = runner_->Run("refresh_views", {});
  ASSERT_TRUE(refresh.ok());
  ASSERT_TRUE(refresh->succeeded) << refresh->error;
  std::int64_t total = -1, urgent = -1;
  double rate = -1;
  ASSERT_TRUE(
      db_->Read([&](storage::Transaction& tx) -> Result<void> {
           auto row = tx.Query(
               "SELECT total_tasks, completion_rate FROM user_task_stats WHERE user_id = 'v'");
           total = row->front().Int(0);
           rate = row->front().Double(1);
           urgent = tx.Query(
                          "SELECT task_count FROM user_priority_distribution WHERE "
                          "user_id = 'v' AND priority = 'urgent'")
                        ->front()
                        .Int(0);
           return Ok();
         })
          .ok());
  EXPECT_EQ(total, 2);
  EXPECT_EQ(rate, 50.0);
  EXPECT_EQ(urgent, 1);

  auto maintenance = runner_->Run("maintenance", {});
  ASSERT_TRUE(maintenance.ok());
  EXPECT_TRUE(maintenance->succeeded) << maintenance->error;
}

TEST_P(DailyJobsTest, CacheWarmingWritesKeysForActiveUsersMostActiveFirst) {
  for (const char* u : {"busy", "calm", "idle"}) ASSERT_TRUE(users_->Create(u).ok());
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(tasks_->Create(Admin(), "busy", {"x", {}, {}, {}, {}, {}}).ok());
  ASSERT_TRUE(tasks_->Create(Admin(), "calm", {"x", {}, {}, {}, {}, {}}).ok());

  jobs::JobArgs top_one;
  top_one.top_users = 1;
  auto report = runner_->Run("cache_warming", top_one);

  ASSERT_TRUE(report.ok());
  ASSERT_TRUE(report->succeeded) << report->error;
  EXPECT_EQ(report->result.rows, 6);  // overview + five stats for "busy" only
  auto busy = stats_->Overview("busy");
  ASSERT_TRUE(busy.ok());
  EXPECT_TRUE(busy->cache_hit);
  auto calm = stats_->Overview("calm");
  ASSERT_TRUE(calm.ok());
  EXPECT_FALSE(calm->cache_hit);
}

TEST_P(DailyJobsTest, BadArgumentsAndUnknownJobsAreRefusedWithoutARun) {
  jobs::JobArgs both;
  both.date = DayOf(clock_.Now());
  both.from = both.date;
  both.to = both.date;
  auto bad = runner_->Run("daily_aggregation", both);
  ASSERT_FALSE(bad.ok());  // refused before a run is recorded: a bad request, not a failed job
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().field, "--date");
  auto recent = runner_->Recent("daily_aggregation", 10);
  ASSERT_TRUE(recent.ok());
  EXPECT_TRUE(recent->empty()) << "a refused run was recorded";

  auto unknown = runner_->Run("no_such_job", {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);

  jobs::JobArgs dated;
  dated.date = DayOf(clock_.Now());
  auto wrong = runner_->Run("refresh_views", dated);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, DailyJobsTest, ::testing::ValuesIn(ConfiguredBackends()),
                         [](const auto& info) { return BackendName(info.param); });

}  // namespace
}  // namespace analytics::test
