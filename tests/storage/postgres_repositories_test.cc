// The repositories' SQL, written once, run unchanged on PostgreSQL (no App):
// catches dialect problems (type inference of $N, keywords, text vs typed
// times) before the services do.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "model/task_json.h"
#include "postgres_fixture.h"
#include "storage/audit_repository.h"
#include "storage/daily_repository.h"
#include "storage/job_repository.h"
#include "storage/stats_repository.h"
#include "storage/task_repository.h"
#include "storage/user_repository.h"

namespace analytics::storage {
namespace {

Time At(const char* text) { return ParseTime(text).value(); }
Day DayAt(const char* text) { return ParseDay(text).value(); }

model::Task NewTask(const std::string& user, const std::string& title, model::TaskStatus status,
                    model::Priority priority, const char* created) {
  model::Task t;
  t.user_id = user;
  t.title = title;
  t.status = status;
  t.priority = priority;
  t.created_at = At(created);
  t.updated_at = t.created_at;
  return t;
}

class PostgresRepositoriesTest : public test::PostgresTest {
 protected:
  void SetUp() override {
    PostgresTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    db_ = &Open();
    Result<int> migrated = Migrate(*db_);
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;
  }

  // Runs `work` in a write transaction, failing the test on error.
  void InTx(const Work& work) {
    Result<void> result = db_->InTransaction(work);
    ASSERT_TRUE(result.ok()) << result.error().message;
  }
  void InRead(const Work& work) {
    Result<void> result = db_->Read(work);
    ASSERT_TRUE(result.ok()) << result.error().message;
  }

  // Inserts `task` and records it in the derived rows, as TaskService does.
  model::Task AddTask(model::Task task) {
    model::Task inserted;
    InTx([&](Transaction& tx) -> Result<void> {
      TaskRepository tasks(tx);
      auto made = tasks.Insert(task);
      if (!made.ok()) return made.error();
      inserted = *made;
      return tasks.RecordChange(std::nullopt, inserted);
    });
    return inserted;
  }

  PostgresDatabase* db_ = nullptr;
};

// CreateOne's audit row, as TaskService writes it.
AuditEntry CreateAudit(const model::Task& task) {
  AuditEntry entry;
  entry.timestamp = task.created_at;
  entry.actor = "admin";
  entry.user_id = task.user_id;
  entry.action = "CREATE";
  entry.entity = "task";
  entry.after = model::ToJson(task);
  entry.request_id = "r";
  return entry;
}

// CreateOne reads the user's state from its statement's snapshot, taken
// before it waits for the user's lock. Alone it gives the state a fresh read
// gives, its own overdue task counted; when another write commits while it
// waits, the snapshot misses that write's overdue change, so it gives none.
TEST_F(PostgresRepositoriesTest, CreateOneGivesTheUsersStateOnlyWhenNoWriteCameBetween) {
  InTx([&](Transaction& tx) {
    return UserRepository(tx).Create(model::User{"u1", At("2024-01-01T00:00:00Z")}, "h1");
  });
  const Time now = At("2024-03-10T12:00:00Z");
  auto due = [&](const char* title, const char* due_at) {
    model::Task t = NewTask("u1", title, model::TaskStatus::kTodo, model::Priority::kHigh,
                            "2024-03-01T00:00:00Z");
    t.due_at = At(due_at);
    return t;
  };
  auto create = [&](const model::Task& task) {
    std::optional<CreatedTask> created;
    Result<void> done = db_->WriteStatement([&](Transaction& tx) -> Result<void> {
      auto c = TaskRepository(tx).CreateOne(task, CreateAudit(task), now);
      if (!c.ok()) return c.error();
      created = std::move(*c);
      return Ok();
    });
    EXPECT_TRUE(done.ok()) << done.error().message;
    return created;
  };
  auto fresh = [&] {
    UserState state;
    InRead([&](Transaction& tx) -> Result<void> {
      auto loaded = TaskRepository(tx).LoadAggregatesAndOverdue("u1", now);
      if (!loaded.ok()) return loaded.error();
      state = *loaded;
      return Ok();
    });
    return state;
  };

  std::optional<CreatedTask> alone = create(due("overdue", "2024-03-05T00:00:00Z"));
  ASSERT_TRUE(alone && alone->after);
  std::optional<CreatedTask> later = create(due("due today, later", "2024-03-10T18:00:00Z"));
  ASSERT_TRUE(later && later->after);
  const UserState state = fresh();
  EXPECT_EQ(later->after->overdue, 1);
  EXPECT_EQ(state.overdue, 1);
  EXPECT_EQ(later->after->aggregates.todo, 2);
  EXPECT_EQ(state.aggregates.todo, 2);
  EXPECT_EQ(later->after->aggregates.high, 2);
  EXPECT_EQ(later->after->aggregates.weight_total, state.aggregates.weight_total);
  EXPECT_EQ(later->after->as_of, now);

  // Another write holds the user's lock while a create starts. The holder
  // hands over its backend's pid, or -1 if it failed before taking the lock.
  std::promise<std::int64_t> holding;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::thread holder([&] {
    bool handed = false;
    Result<void> done = db_->InTransaction([&](Transaction& tx) -> Result<void> {
      TaskRepository repo(tx);
      auto locked = repo.LockUser("u1");
      if (!locked.ok()) return locked.error();
      auto made = repo.Insert(due("other writer", "2024-03-06T00:00:00Z"));
      if (!made.ok()) return made.error();
      ANALYTICS_RETURN_IF_ERROR(repo.RecordChange(std::nullopt, *made));
      auto pid = tx.Query("SELECT pg_backend_pid()");
      if (!pid.ok()) return pid.error();
      holding.set_value(pid->front().Int(0));
      handed = true;
      released.wait();
      return Ok();
    });
    if (!handed) holding.set_value(-1);
    EXPECT_TRUE(done.ok()) << done.error().message;
  });
  const std::int64_t holder_pid = holding.get_future().get();
  std::optional<CreatedTask> raced;
  std::thread creator;
  std::int64_t waiting = 0;
  if (holder_pid > 0) {
    creator = std::thread([&] { raced = create(due("raced", "2024-03-07T00:00:00Z")); });
    // Until the create waits for the holder (at most ten seconds).
    for (int i = 0; i < 1000 && waiting == 0; ++i) {
      InRead([&](Transaction& tx) -> Result<void> {
        auto rows =
            tx.Query("SELECT COUNT(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
                     {holder_pid});
        if (!rows.ok()) return rows.error();
        waiting = rows->front().Int(0);
        return Ok();
      });
      if (waiting == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  release.set_value();
  holder.join();
  if (creator.joinable()) creator.join();
  ASSERT_GT(holder_pid, 0);
  EXPECT_EQ(waiting, 1);
  ASSERT_TRUE(raced.has_value());
  EXPECT_FALSE(raced->after.has_value());
  EXPECT_EQ(fresh().overdue, 3);
  EXPECT_EQ(fresh().aggregates.todo, 4);
}

TEST_F(PostgresRepositoriesTest, UsersCreateFindListRotateAndConflict) {
  const model::User alice{"alice", At("2024-01-01T08:00:00.5Z")};
  InTx([&](Transaction& tx) { return UserRepository(tx).Create(alice, "hash-a"); });
  InTx([&](Transaction& tx) {
    return UserRepository(tx).Create(model::User{"bob", At("2024-01-02T00:00:00Z")}, "hash-b");
  });

  Result<void> duplicate = db_->InTransaction(
      [&](Transaction& tx) { return UserRepository(tx).Create(alice, "hash-other"); });
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().code, ErrorCode::kConflict);

  InTx([&](Transaction& tx) -> Result<void> {
    UserRepository users(tx);
    auto found = users.Find("alice");
    EXPECT_TRUE(found.ok());
    if (found.ok()) {
      EXPECT_EQ(found->created_at, alice.created_at);
    }
    EXPECT_EQ(users.Find("nobody").error().code, ErrorCode::kNotFound);
    auto by_hash = users.FindByTokenHash("hash-b");
    EXPECT_TRUE(by_hash.ok() && by_hash->has_value() && (*by_hash)->id == "bob");
    auto listed = users.List("alice", 10);
    EXPECT_TRUE(listed.ok() && listed->size() == 1 && (*listed)[0].id == "bob");
    EXPECT_EQ(users.Count().value(), 2);
    ANALYTICS_RETURN_IF_ERROR(
        users.ReplaceTokenHash("alice", "hash-a2", At("2024-02-01T00:00:00Z")));
    auto rotated = users.FindByTokenHash("hash-a2");
    EXPECT_TRUE(rotated.ok() && rotated->has_value());
    return Ok();
  });
}

TEST_F(PostgresRepositoriesTest, TasksInsertFindUpdateListAggregatesAndOverdue) {
  InTx([](Transaction& tx) {
    return UserRepository(tx).Create(model::User{"u1", At("2024-01-01T00:00:00Z")}, "h1");
  });
  using model::Priority;
  using model::TaskStatus;
  model::Task late =
      NewTask("u1", "late", TaskStatus::kTodo, Priority::kHigh, "2024-01-10T09:00:00.123456Z");
  late.due_at = At("2024-01-12T00:00:00Z");
  model::Task a = AddTask(late);
  model::Task b =
      AddTask(NewTask("u1", "b", TaskStatus::kInProgress, Priority::kLow, "2024-01-11T10:00:00Z"));
  model::Task c =
      AddTask(NewTask("u1", "c", TaskStatus::kTodo, Priority::kUrgent, "2024-01-12T10:00:00Z"));
  ASSERT_GT(a.id, 0);
  ASSERT_GT(b.id, a.id);

  // b becomes done; c is soft-deleted. Aggregates follow, as in TaskService.
  InTx([&](Transaction& tx) -> Result<void> {
    TaskRepository tasks(tx);
    auto before = tasks.Find("u1", b.id);
    if (!before.ok()) return before.error();
    model::Task after = *before;
    after.status = TaskStatus::kDone;
    after.completed_at = At("2024-01-13T12:00:00Z");
    after.updated_at = *after.completed_at;
    ANALYTICS_RETURN_IF_ERROR(tasks.Update(after));
    ANALYTICS_RETURN_IF_ERROR(tasks.RecordChange(*before, after));
    model::Task deleted = c;
    deleted.deleted = true;
    deleted.deleted_at = At("2024-01-14T00:00:00Z");
    ANALYTICS_RETURN_IF_ERROR(tasks.Update(deleted));
    return tasks.RecordChange(c, deleted);
  });

  InRead([&](Transaction& tx) -> Result<void> {
    TaskRepository tasks(tx);
    auto found = tasks.Find("u1", a.id);
    EXPECT_TRUE(found.ok());
    if (found.ok()) {
      EXPECT_EQ(found->title, "late");
      EXPECT_EQ(found->created_at, late.created_at);
      EXPECT_EQ(found->due_at, late.due_at);
      EXPECT_FALSE(found->completed_at.has_value());
      EXPECT_FALSE(found->deleted);
    }
    EXPECT_EQ(tasks.Find("other", a.id).error().code, ErrorCode::kNotFound);

    TaskFilter all;
    all.user_id = "u1";
    EXPECT_EQ(tasks.List(all)->size(), 2u);
    all.include_deleted = true;
    EXPECT_EQ(tasks.List(all)->size(), 3u);
    TaskFilter done;
    done.user_id = "u1";
    done.status = TaskStatus::kDone;
    auto done_list = tasks.List(done);
    EXPECT_TRUE(done_list.ok() && done_list->size() == 1 && (*done_list)[0].id == b.id);
    TaskFilter window;
    window.user_id = "u1";
    window.priority = Priority::kHigh;
    window.created_from = At("2024-01-10T00:00:00Z");
    window.created_to = At("2024-01-11T00:00:00Z");
    window.limit = 5;
    EXPECT_EQ(tasks.List(window)->size(), 1u);
    TaskFilter page;
    page.user_id = "u1";
    page.include_deleted = true;
    page.after_id = a.id;
    page.limit = 1;
    auto second = tasks.List(page);
    EXPECT_TRUE(second.ok() && second->size() == 1 && (*second)[0].id == b.id);

    auto running = tasks.LoadAggregates("u1");
    auto truth = tasks.ComputeAggregatesFromTasks("u1");
    EXPECT_TRUE(running.ok() && truth.ok());
    if (running.ok() && truth.ok()) {
      EXPECT_EQ(running->todo, 1);
      EXPECT_EQ(running->done, 1);
      EXPECT_EQ(running->urgent, 0);
      EXPECT_EQ(running->weight_total, truth->weight_total);
      EXPECT_EQ(running->weight_done_x2, truth->weight_done_x2);
      EXPECT_EQ(running->done, truth->done);
      EXPECT_EQ(running->todo, truth->todo);
    }
    EXPECT_EQ(tasks.LoadAggregates("nobody").error().code, ErrorCode::kNotFound);
    EXPECT_EQ(tasks.CountOverdue("u1", At("2024-01-12T00:00:00.000001Z")).value(), 1);
    EXPECT_EQ(tasks.CountOverdue("u1", At("2024-01-12T00:00:00Z")).value(), 0);
    // From a later day the task counts through its open_due_days bucket.
    EXPECT_EQ(tasks.CountOverdue("u1", At("2024-01-20T00:00:00Z")).value(), 1);
    EXPECT_EQ(tasks.LoadOpenDueDays("u1").value(),
              (OpenDueDays{{DayOf(At("2024-01-12T00:00:00Z")), 1}}));
    return Ok();
  });
}

TEST_F(PostgresRepositoriesTest, StatsCountByDayAndDailyRows) {
  InTx([](Transaction& tx) {
    return UserRepository(tx).Create(model::User{"u1", At("2024-01-01T00:00:00Z")}, "h1");
  });
  using model::Priority;
  using model::TaskStatus;
  AddTask(NewTask("u1", "old", TaskStatus::kTodo, Priority::kLow, "2024-01-09T12:00:00Z"));
  model::Task done =
      NewTask("u1", "done", TaskStatus::kDone, Priority::kMedium, "2024-01-10T23:59:59.999999Z");
  done.completed_at = At("2024-01-11T00:00:00Z");
  AddTask(done);
  AddTask(
      NewTask("u1", "cancelled", TaskStatus::kCancelled, Priority::kLow, "2024-01-10T01:00:00Z"));
  const Day from = DayAt("2024-01-10");
  const Day to = DayAt("2024-01-12");

  InTx([&](Transaction& tx) -> Result<void> {
    DailyRepository daily(tx, db_->dialect());
    auto first = daily.AggregateDay(from, At("2024-01-12T00:30:00Z"));
    if (!first.ok()) return first.error();
    auto second = daily.AggregateDay(DayAt("2024-01-11"), At("2024-01-12T00:30:00Z"));
    if (!second.ok()) return second.error();
    EXPECT_EQ(*first, 1);
    EXPECT_EQ(*second, 1);
    return Ok();
  });

  InRead([&](Transaction& tx) -> Result<void> {
    StatsRepository stats(tx, db_->dialect());
    auto counts = stats.CountByDay("u1", from, to);
    if (!counts.ok()) return counts.error();
    EXPECT_EQ(counts->created_before, 1);
    EXPECT_EQ(counts->completed_before, 0);
    EXPECT_EQ(counts->created.size(), 1u);
    EXPECT_EQ(counts->created[from], 1);
    EXPECT_EQ(counts->completed.size(), 1u);
    EXPECT_EQ(counts->completed[DayAt("2024-01-11")], 1);

    auto rows = stats.DailyRows("u1", from, to);
    if (!rows.ok()) return rows.error();
    EXPECT_EQ(rows->size(), 2u);
    if (rows->size() == 2) {
      EXPECT_EQ((*rows)[0].date, from);
      EXPECT_EQ((*rows)[0].tasks_created, 1);
      EXPECT_EQ((*rows)[0].total_tasks, 2);
      EXPECT_EQ((*rows)[1].date, DayAt("2024-01-11"));
      EXPECT_EQ((*rows)[1].tasks_completed, 1);
      EXPECT_DOUBLE_EQ((*rows)[1].completion_rate, 50.0);
      EXPECT_EQ((*rows)[1].computed_at, At("2024-01-12T00:30:00Z"));
    }
    DailyRepository daily(tx, db_->dialect());
    auto active = daily.FindActiveUsers(At("2024-01-01T00:00:00Z"), 10);
    EXPECT_TRUE(active.ok() && active->total == 1 && active->most_active.size() == 1 &&
                active->most_active[0].second == 3);
    return Ok();
  });

  InTx([&](Transaction& tx) -> Result<void> {
    auto moved = DailyRepository(tx, db_->dialect()).ArchiveBefore(DayAt("2024-01-11"));
    if (!moved.ok()) return moved.error();
    EXPECT_EQ(*moved, 1);
    return Ok();
  });
  InRead([&](Transaction& tx) -> Result<void> {
    auto rows = StatsRepository(tx, db_->dialect()).DailyRows("u1", from, to);
    if (!rows.ok()) return rows.error();
    EXPECT_EQ(rows->size(), 2u);  // one from the archive, one live, still in date order
    if (rows->size() == 2) {
      EXPECT_EQ((*rows)[0].date, from);
    }
    return Ok();
  });
}

TEST_F(PostgresRepositoriesTest, AuditAppendAndListWithOptionalFilters) {
  InTx([](Transaction& tx) -> Result<void> {
    AuditRepository audit(tx);
    ANALYTICS_RETURN_IF_ERROR(
        audit.Append(AuditEntry{0, At("2024-01-10T10:00:00Z"), "admin", "u1", "CREATE", "task", "1",
                                std::nullopt, std::string("{\"a\":1}"), "req-1"}));
    ANALYTICS_RETURN_IF_ERROR(
        audit.Append(AuditEntry{0, At("2024-01-10T11:00:00Z"), "u2", "u2", "DELETE", "task", "2",
                                std::string("{}"), std::nullopt, "req-2"}));
    return audit.Append(AuditEntry{0, At("2024-01-10T12:00:00.000001Z"), "u1", "u1", "UPDATE",
                                   "task", "1", std::string("{}"), std::string("{}"), "req-3"});
  });

  InRead([](Transaction& tx) -> Result<void> {
    AuditRepository audit(tx);
    auto all = audit.List("", "", At("2024-01-01T00:00:00Z"), 10);
    if (!all.ok()) return all.error();
    EXPECT_EQ(all->size(), 3u);
    if (all->size() == 3) {
      EXPECT_EQ((*all)[0].action, "UPDATE");  // newest first
      EXPECT_EQ((*all)[0].timestamp, At("2024-01-10T12:00:00.000001Z"));
      EXPECT_EQ((*all)[2].after, std::optional<std::string>("{\"a\":1}"));
      EXPECT_FALSE((*all)[2].before.has_value());
    }
    EXPECT_EQ(audit.List("DELETE", "", At("2024-01-01T00:00:00Z"), 10)->size(), 1u);
    EXPECT_EQ(audit.List("", "u1", At("2024-01-01T00:00:00Z"), 10)->size(), 2u);
    EXPECT_EQ(audit.List("UPDATE", "u1", At("2024-01-10T12:00:00.000002Z"), 10)->size(), 0u);
    EXPECT_EQ(audit.List("", "", At("2024-01-01T00:00:00Z"), 1)->size(), 1u);
    return Ok();
  });
}

TEST_F(PostgresRepositoriesTest, JobRunsStartFinishRecentAndClaimOnce) {
  std::int64_t id = 0;
  InTx([&](Transaction& tx) -> Result<void> {
    JobRepository jobs(tx);
    auto started = jobs.Start("daily_aggregation", "--date 2024-01-15", At("2024-01-16T00:30:00Z"),
                              "host-a", 42);
    if (!started.ok()) return started.error();
    id = *started;
    auto claimed = jobs.Claim("daily_aggregation", At("2024-01-16T00:30:00Z"), "host-a");
    auto again = jobs.Claim("daily_aggregation", At("2024-01-16T00:30:00Z"), "host-b");
    EXPECT_TRUE(claimed.ok() && *claimed);
    EXPECT_TRUE(again.ok() && !*again);
    return Ok();
  });
  InTx([&](Transaction& tx) {
    return JobRepository(tx).Finish(id, "succeeded", 7, "", At("2024-01-16T00:31:00Z"));
  });

  InRead([&](Transaction& tx) -> Result<void> {
    JobRepository jobs(tx);
    auto recent = jobs.Recent("", 5);
    if (!recent.ok()) return recent.error();
    EXPECT_EQ(recent->size(), 1u);
    if (!recent->empty()) {
      EXPECT_EQ((*recent)[0].status, "succeeded");
      EXPECT_EQ((*recent)[0].rows, 7);
      EXPECT_EQ((*recent)[0].finished_at, At("2024-01-16T00:31:00Z"));
      EXPECT_EQ((*recent)[0].error, "");
    }
    EXPECT_EQ(jobs.Recent("backup", 5)->size(), 0u);
    EXPECT_EQ(jobs.Running()->size(), 0u);
    return Ok();
  });
}

}  // namespace
}  // namespace analytics::storage
