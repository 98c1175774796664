// The service's numbers against a brute-force reference computed straight
// from SPEC §3's definitions, over thousands of random task writes
// (cancelled, deleted, restored, batches, overdue with due dates in the past,
// today and the future, a clock crossing midnight, late completions), read
// through the cache as clients read them, on every backend.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "base/clock.h"
#include "cache/open_cache.h"
#include "model/stats.h"
#include "stats/stats_service.h"
#include "storage/open_database.h"
#include "storage/task_repository.h"
#include "support/backends.h"
#include "support/temp_dir.h"
#include "tasks/task_service.h"
#include "users/user_service.h"

namespace analytics {
namespace {

using model::Priority;
using model::Task;
using model::TaskStatus;
using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;

struct Reference {
  model::TaskTotals totals;
  double completion_rate = 0;
  model::PriorityDistribution priorities;
  double productivity = 0;
};

Reference Compute(const std::map<std::int64_t, Task>& tasks, Time now) {
  Reference r;
  double weight = 0, weight_done = 0;
  std::int64_t not_cancelled = 0;
  for (const auto& [id, t] : tasks) {
    if (t.deleted) continue;
    ++r.totals.total;
    switch (t.status) {
      case TaskStatus::kTodo:
        ++r.totals.todo;
        break;
      case TaskStatus::kInProgress:
        ++r.totals.in_progress;
        break;
      case TaskStatus::kDone:
        ++r.totals.done;
        break;
      case TaskStatus::kCancelled:
        ++r.totals.cancelled;
        break;
    }
    bool open = t.status == TaskStatus::kTodo || t.status == TaskStatus::kInProgress;
    if (open && t.due_at && *t.due_at < now) ++r.totals.overdue;
    switch (t.priority) {
      case Priority::kLow:
        ++r.priorities.low;
        break;
      case Priority::kMedium:
        ++r.priorities.medium;
        break;
      case Priority::kHigh:
        ++r.priorities.high;
        break;
      case Priority::kUrgent:
        ++r.priorities.urgent;
        break;
    }
    if (t.status == TaskStatus::kCancelled) continue;
    ++not_cancelled;
    double w = model::Weight(t.priority);
    weight += w;
    if (t.status == TaskStatus::kDone) {
      bool on_time = !t.due_at || *t.completed_at <= *t.due_at;
      weight_done += w * (on_time ? 1.0 : 0.5);
    }
  }
  r.completion_rate = model::Percent(r.totals.done, not_cancelled);
  r.productivity = model::Percent(weight_done, weight);
  return r;
}

// SPEC §3 overdue, by brute force.
std::int64_t Overdue(const std::map<std::int64_t, Task>& tasks, Time now) {
  std::int64_t n = 0;
  for (const auto& [id, t] : tasks) {
    bool open = t.status == TaskStatus::kTodo || t.status == TaskStatus::kInProgress;
    if (!t.deleted && open && t.due_at && *t.due_at < now) ++n;
  }
  return n;
}

class StatsReferenceTest : public ::testing::TestWithParam<test::Backend> {
 protected:
  void SetUp() override {
    ANALYTICS_REQUIRE_BACKEND(GetParam());
    lease_ = std::make_unique<test::BackendLease>(GetParam(), dir_);
    cache_options_.url = lease_->cache_url();
    config::DatabaseOptions db_options;
    db_options.url = lease_->database_url();
    auto db = storage::OpenDatabase(db_options);
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(*db);
    ASSERT_TRUE(storage::Migrate(*db_).ok());
    auto cache = cache::OpenCache(cache_options_, clock_);
    ASSERT_TRUE(cache.ok()) << cache.error().message;
    cache_ = std::move(*cache);
    users_ = std::make_unique<users::UserService>(*db_, clock_, "admin");
    tasks_ = std::make_unique<tasks::TaskService>(*db_, *cache_, clock_);
    stats_ = std::make_unique<stats::StatsService>(*db_, *cache_, clock_, cache_options_);
  }

  // Overdue as CountOverdue computes it at `now`, whatever the clock says.
  std::int64_t CountOverdue(const std::string& user_id, Time now) {
    std::int64_t n = -1;
    auto read = db_->Read([&](storage::Transaction& tx) -> Result<void> {
      auto count = storage::TaskRepository(tx).CountOverdue(user_id, now);
      if (!count.ok()) return count.error();
      n = *count;
      return Ok();
    });
    EXPECT_TRUE(read.ok()) << read.error().message;
    return n;
  }

  // open_due_days as stored and as recomputed from the tasks.
  std::pair<storage::OpenDueDays, storage::OpenDueDays> OpenDueDays(const std::string& user_id) {
    std::pair<storage::OpenDueDays, storage::OpenDueDays> both;
    auto read = db_->Read([&](storage::Transaction& tx) -> Result<void> {
      storage::TaskRepository repo(tx);
      auto stored = repo.LoadOpenDueDays(user_id);
      if (!stored.ok()) return stored.error();
      auto recomputed = repo.ComputeOpenDueDaysFromTasks(user_id);
      if (!recomputed.ok()) return recomputed.error();
      both = {std::move(*stored), std::move(*recomputed)};
      return Ok();
    });
    EXPECT_TRUE(read.ok()) << read.error().message;
    return both;
  }

  test::TempDir dir_;
  std::unique_ptr<test::BackendLease> lease_;
  FakeClock clock_{Time{Day{std::chrono::year{2025} / 3 / 1}}};
  config::CacheOptions cache_options_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<cache::Cache> cache_;
  std::unique_ptr<users::UserService> users_;
  std::unique_ptr<tasks::TaskService> tasks_;
  std::unique_ptr<stats::StatsService> stats_;
};

void ExpectMatches(const Reference& ref, const model::Overview& got, const std::string& where) {
  SCOPED_TRACE(where);
  EXPECT_EQ(got.task_totals.total, ref.totals.total);
  EXPECT_EQ(got.task_totals.todo, ref.totals.todo);
  EXPECT_EQ(got.task_totals.in_progress, ref.totals.in_progress);
  EXPECT_EQ(got.task_totals.done, ref.totals.done);
  EXPECT_EQ(got.task_totals.cancelled, ref.totals.cancelled);
  EXPECT_EQ(got.task_totals.overdue, ref.totals.overdue);
  EXPECT_EQ(got.priority_distribution.low, ref.priorities.low);
  EXPECT_EQ(got.priority_distribution.medium, ref.priorities.medium);
  EXPECT_EQ(got.priority_distribution.high, ref.priorities.high);
  EXPECT_EQ(got.priority_distribution.urgent, ref.priorities.urgent);
  EXPECT_DOUBLE_EQ(got.completion_rate, ref.completion_rate);
  EXPECT_DOUBLE_EQ(got.productivity_score, ref.productivity);
}

TEST_P(StatsReferenceTest, RandomWritesMatchBruteForceThroughTheCache) {
  ASSERT_TRUE(users_->Create("u1").ok());
  std::mt19937 rng(20261128);
  std::map<std::int64_t, Task> model;
  tasks::WriteContext admin{model::Caller{true, {}}, "test"};
  auto pick = [&]() -> std::int64_t {
    auto it = model.begin();
    std::advance(it, rng() % model.size());
    return it->first;
  };
  // Due dates over ~60 days around now; one in four today (UTC), before or after now.
  auto random_time_around = [&](Time now) {
    if (rng() % 4 == 0) return Time{DayOf(now)} + minutes(rng() % (24 * 60));
    return now + hours(static_cast<int>(rng() % (24 * 60)) - 24 * 40);
  };
  auto random_new_task = [&](Time now, int op) {
    tasks::NewTask in;
    in.title = "task " + std::to_string(op);
    in.status = model::kAllStatuses[rng() % 4];
    in.priority = model::kAllPriorities[rng() % 4];
    if (rng() % 3 != 0) in.due_at = random_time_around(now);
    in.created_at = now - hours(rng() % (24 * 30));
    if (in.status == TaskStatus::kDone && rng() % 2 == 0) {
      in.completed_at = *in.created_at + minutes(rng() % (60 * 24 * 20));
      if (*in.completed_at > now) in.completed_at = now;
    }
    return in;
  };

  constexpr int kOperations = 3000;
  for (int op = 0; op < kOperations; ++op) {
    Time now = clock_.Now();
    int kind = model.empty() ? 0 : static_cast<int>(rng() % 12);
    if (kind <= 3) {
      auto created = tasks_->Create(admin, "u1", random_new_task(now, op));
      ASSERT_TRUE(created.ok()) << created.error().message;
      model[created->id] = *created;
    } else if (kind == 10) {
      std::vector<tasks::NewTask> batch;
      for (int i = 1 + static_cast<int>(rng() % 30); i > 0; --i) {
        batch.push_back(random_new_task(now, op));
      }
      auto created = tasks_->CreateBatch(admin, "u1", batch);
      ASSERT_TRUE(created.ok()) << created.error().message;
      for (const Task& t : *created) model[t.id] = t;
    } else if (kind == 11) {
      // Just before or just after the next midnight (UTC).
      clock_.Set(Time{DayOf(now) + days{1}} + minutes(static_cast<int>(rng() % 5) - 3));
    } else if (kind <= 6) {
      tasks::TaskPatch patch;
      if (rng() % 2) patch.status = model::kAllStatuses[rng() % 4];
      if (rng() % 3 == 0) patch.priority = model::kAllPriorities[rng() % 4];
      if (rng() % 4 == 0) {
        patch.due_at = rng() % 2 ? std::optional<Time>(random_time_around(now)) : std::nullopt;
      }
      if (!patch.status && !patch.priority && !patch.due_at) patch.title = "renamed";
      auto id = pick();
      auto updated = tasks_->Update(admin, "u1", id, patch);
      if (model[id].deleted) {
        ASSERT_FALSE(updated.ok());
        EXPECT_EQ(updated.error().code, ErrorCode::kConflict);
      } else {
        ASSERT_TRUE(updated.ok()) << updated.error().message;
        model[id] = *updated;
      }
    } else if (kind <= 8) {
      auto id = pick();
      auto result =
          model[id].deleted ? tasks_->Restore(admin, "u1", id) : tasks_->Delete(admin, "u1", id);
      ASSERT_TRUE(result.ok()) << result.error().message;
      model[id] = *result;
    } else {
      clock_.Advance(minutes(rng() % (60 * 24 * 3)));
    }

    if (op % 25 == 0 || op == kOperations - 1) {
      auto body = stats_->Overview("u1");
      ASSERT_TRUE(body.ok());
      // The overview as served (cached or not) must equal a fresh computation
      // and the reference: read-your-writes through the cache.
      auto fresh = stats_->ComputeOverview("u1");
      ASSERT_TRUE(fresh.ok());
      EXPECT_EQ(
          body->json.substr(body->json.find("\"task_totals\"")),
          stats::OverviewJson(*fresh).substr(stats::OverviewJson(*fresh).find("\"task_totals\"")))
          << "after operation " << op;
      ExpectMatches(Compute(model, clock_.Now()), *fresh, "operation " + std::to_string(op));
      // Overdue at instants around today's and yesterday's boundaries, not only now.
      Time today{DayOf(clock_.Now())};
      for (Time at :
           {today, today - std::chrono::microseconds{1}, today + std::chrono::microseconds{1},
            today + days{1} - std::chrono::microseconds{1}, today - days{1},
            clock_.Now() + hours(static_cast<int>(rng() % 72) - 36)}) {
        EXPECT_EQ(CountOverdue("u1", at), Overdue(model, at))
            << "after operation " << op << " at " << FormatTime(at);
      }
    }
    if (op % 100 == 0 || op == kOperations - 1) {
      auto [stored, recomputed] = OpenDueDays("u1");
      EXPECT_EQ(stored, recomputed) << "after operation " << op;
    }
  }

  // The running aggregates equal a recount from the tasks table.
  model::UserAggregates running, recount;
  ASSERT_TRUE(db_->Read([&](storage::Transaction& tx) -> Result<void> {
                   storage::TaskRepository repo(tx);
                   running = *repo.LoadAggregates("u1");
                   recount = *repo.ComputeAggregatesFromTasks("u1");
                   return Ok();
                 })
                  .ok());
  EXPECT_EQ(running.done, recount.done);
  EXPECT_EQ(running.todo, recount.todo);
  EXPECT_EQ(running.cancelled, recount.cancelled);
  EXPECT_EQ(running.weight_total, recount.weight_total);
  EXPECT_EQ(running.weight_done_x2, recount.weight_done_x2);

  // Trends at every granularity against the same brute force.
  for (auto granularity :
       {model::Granularity::kDay, model::Granularity::kWeek, model::Granularity::kMonth}) {
    Day to = DayOf(clock_.Now());
    Day from = to - days{75};
    auto points = stats_->Trends("u1", granularity, from, to);
    ASSERT_TRUE(points.ok());
    ASSERT_FALSE(points->empty());
    EXPECT_LE(points->front().period_start, from);
    for (std::size_t i = 0; i < points->size(); ++i) {
      Day start = (*points)[i].period_start;
      Day next = i + 1 < points->size()                    ? (*points)[i + 1].period_start
                 : granularity == model::Granularity::kDay ? start + days{1}
                 : granularity == model::Granularity::kWeek
                     ? start + days{7}
                     : Day{std::chrono::year_month_day{start} + std::chrono::months{1}};
      std::int64_t created = 0, completed = 0, total_until = 0, done_until = 0;
      for (const auto& [id, t] : model) {
        if (t.deleted || t.status == TaskStatus::kCancelled) continue;
        if (t.created_at >= Time{start} && t.created_at < Time{next}) ++created;
        bool done = t.status == TaskStatus::kDone;
        if (done && *t.completed_at >= Time{start} && *t.completed_at < Time{next}) ++completed;
        if (t.created_at < Time{next}) ++total_until;
        if (done && *t.completed_at < Time{next}) ++done_until;
      }
      SCOPED_TRACE(FormatDay(start));
      EXPECT_EQ((*points)[i].tasks_created, created);
      EXPECT_EQ((*points)[i].tasks_completed, completed);
      EXPECT_DOUBLE_EQ((*points)[i].completion_rate, model::Percent(done_until, total_until));
    }
  }
}

TEST_P(StatsReferenceTest, HandComputedOverview) {
  ASSERT_TRUE(users_->Create("hand").ok());
  tasks::WriteContext admin{model::Caller{true, {}}, "test"};
  Time now = clock_.Now();
  auto add = [&](TaskStatus s, Priority p, std::optional<Time> due, std::optional<Time> done_at) {
    tasks::NewTask in{"t", s, p, due, now - days{10}, done_at};
    auto t = tasks_->Create(admin, "hand", in);
    EXPECT_TRUE(t.ok()) << t.error().message;
    return t.ok() ? t->id : 0;
  };
  // done on time (urgent, w=4), done late (high, w=3), todo overdue (medium, w=2),
  // in_progress not due (low, w=1), cancelled (urgent), and a deleted done task.
  add(TaskStatus::kDone, Priority::kUrgent, now - days{1}, now - days{2});
  add(TaskStatus::kDone, Priority::kHigh, now - days{5}, now - days{3});
  add(TaskStatus::kTodo, Priority::kMedium, now - hours(1), std::nullopt);
  add(TaskStatus::kInProgress, Priority::kLow, now + days{1}, std::nullopt);
  add(TaskStatus::kCancelled, Priority::kUrgent, std::nullopt, std::nullopt);
  auto deleted = add(TaskStatus::kDone, Priority::kLow, std::nullopt, now - days{1});
  ASSERT_TRUE(tasks_->Delete(admin, "hand", deleted).ok());

  auto o = stats_->ComputeOverview("hand");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->task_totals.total, 5);
  EXPECT_EQ(o->task_totals.done, 2);
  EXPECT_EQ(o->task_totals.cancelled, 1);
  EXPECT_EQ(o->task_totals.overdue, 1);
  // 2 done of 4 not cancelled.
  EXPECT_DOUBLE_EQ(o->completion_rate, 50.0);
  // (4·1 + 3·0.5) / (4 + 3 + 2 + 1) = 5.5 / 10 = 55 %.
  EXPECT_DOUBLE_EQ(o->productivity_score, 55.0);
  EXPECT_EQ(o->priority_distribution.urgent, 2);
  EXPECT_EQ(o->priority_distribution.low, 1);
}

TEST_P(StatsReferenceTest, EmptyUserHasZeroRatesAndUnknownUserIsNotFound) {
  ASSERT_TRUE(users_->Create("empty").ok());
  auto o = stats_->ComputeOverview("empty");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->task_totals.total, 0);
  EXPECT_EQ(o->completion_rate, 0);
  EXPECT_EQ(o->productivity_score, 0);

  auto missing = stats_->Overview("nobody");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_P(StatsReferenceTest, SecondReadIsACacheHitAndAWriteMakesItAMiss) {
  ASSERT_TRUE(users_->Create("c").ok());
  auto first = stats_->Overview("c");
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->cache_hit);
  auto second = stats_->Overview("c");
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->cache_hit);
  EXPECT_EQ(first->json, second->json);

  tasks::WriteContext owner{model::Caller{false, "c"}, "test"};
  ASSERT_TRUE(tasks_->Create(owner, "c", tasks::NewTask{"new", {}, {}, {}, {}, {}}).ok());
  auto third = stats_->Overview("c");
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE(third->cache_hit);
  EXPECT_NE(third->json.find("\"total\":1"), std::string::npos) << third->json;
}

INSTANTIATE_TEST_SUITE_P(AllBackends, StatsReferenceTest,
                         ::testing::ValuesIn(test::ConfiguredBackends()),
                         [](const auto& info) { return test::BackendName(info.param); });

}  // namespace
}  // namespace analytics
