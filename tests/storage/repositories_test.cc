// The repositories' SQL, written once, run unchanged on every backend (no
// App): catches dialect problems (type inference of $N, keywords, text vs
// typed times) before the services do. PostgreSQL-only behaviour is in
// postgres_repositories_test.cc, the write paths in write_path_test.cc.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "repository_fixture.h"
#include "storage/audit_repository.h"
#include "storage/daily_repository.h"
#include "storage/job_repository.h"
#include "storage/stats_repository.h"
#include "storage/task_repository.h"
#include "storage/user_repository.h"

namespace analytics::storage {
namespace {

using model::Priority;
using model::TaskStatus;
using test::At;
using test::DayAt;
using test::NewTask;

class RepositoriesTest : public test::RepositoryTest {
 protected:
  // u1's tasks a ("late", due 2024-01-12), b and c, as inserted; then b is
  // done and c soft-deleted, the derived rows following as in TaskService.
  struct Seeded {
    model::Task late, a, b, c;
  };
  Seeded SeedThreeTasks() {
    InTx([](Transaction& tx) {
      return UserRepository(tx).Create(model::User{"u1", At("2024-01-01T00:00:00Z")}, "h1");
    });
    model::Task late =
        NewTask("u1", "late", TaskStatus::kTodo, Priority::kHigh, "2024-01-10T09:00:00.123456Z");
    late.due_at = At("2024-01-12T00:00:00Z");
    Seeded s;
    s.late = late;
    s.a = AddTask(late);
    s.b = AddTask(
        NewTask("u1", "b", TaskStatus::kInProgress, Priority::kLow, "2024-01-11T10:00:00Z"));
    s.c = AddTask(NewTask("u1", "c", TaskStatus::kTodo, Priority::kUrgent, "2024-01-12T10:00:00Z"));
    EXPECT_GT(s.a.id, 0);
    EXPECT_GT(s.b.id, s.a.id);

    // b becomes done; c is soft-deleted. Aggregates follow, as in TaskService.
    InTx([&](Transaction& tx) -> Result<void> {
      TaskRepository tasks(tx);
      auto before = tasks.Find("u1", s.b.id);
      if (!before.ok()) return before.error();
      model::Task after = *before;
      after.status = TaskStatus::kDone;
      after.completed_at = At("2024-01-13T12:00:00Z");
      after.updated_at = *after.completed_at;
      ANALYTICS_RETURN_IF_ERROR(tasks.Update(after));
      ANALYTICS_RETURN_IF_ERROR(tasks.RecordChange(*before, after));
      model::Task deleted = s.c;
      deleted.deleted = true;
      deleted.deleted_at = At("2024-01-14T00:00:00Z");
      ANALYTICS_RETURN_IF_ERROR(tasks.Update(deleted));
      return tasks.RecordChange(s.c, deleted);
    });
    return s;
  }
};

TEST_P(RepositoriesTest, UsersCreateFindListRotateAndConflict) {
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

TEST_P(RepositoriesTest, TasksInsertFindAndList) {
  const Seeded s = SeedThreeTasks();

  InRead([&](Transaction& tx) -> Result<void> {
    TaskRepository tasks(tx);
    auto found = tasks.Find("u1", s.a.id);
    EXPECT_TRUE(found.ok());
    if (found.ok()) {
      EXPECT_EQ(found->title, "late");
      EXPECT_EQ(found->created_at, s.late.created_at);
      EXPECT_EQ(found->due_at, s.late.due_at);
      EXPECT_FALSE(found->completed_at.has_value());
      EXPECT_FALSE(found->deleted);
    }
    EXPECT_EQ(tasks.Find("other", s.a.id).error().code, ErrorCode::kNotFound);

    TaskFilter all;
    all.user_id = "u1";
    EXPECT_EQ(tasks.List(all)->size(), 2u);
    all.include_deleted = true;
    EXPECT_EQ(tasks.List(all)->size(), 3u);
    TaskFilter done;
    done.user_id = "u1";
    done.status = TaskStatus::kDone;
    auto done_list = tasks.List(done);
    EXPECT_TRUE(done_list.ok() && done_list->size() == 1 && (*done_list)[0].id == s.b.id);
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
    page.after_id = s.a.id;
    page.limit = 1;
    auto second = tasks.List(page);
    EXPECT_TRUE(second.ok() && second->size() == 1 && (*second)[0].id == s.b.id);
    return Ok();
  });
}

TEST_P(RepositoriesTest, TasksAggregatesAndOverdueFollowChanges) {
  SeedThreeTasks();

  InRead([&](Transaction& tx) -> Result<void> {
    TaskRepository tasks(tx);
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

TEST_P(RepositoriesTest, StatsCountByDayAndDailyRows) {
  InTx([](Transaction& tx) {
    return UserRepository(tx).Create(model::User{"u1", At("2024-01-01T00:00:00Z")}, "h1");
  });
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

TEST_P(RepositoriesTest, AuditAppendAndListWithOptionalFilters) {
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

TEST_P(RepositoriesTest, JobRunsStartFinishRecentAndClaimOnce) {
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

INSTANTIATE_TEST_SUITE_P(AllBackends, RepositoriesTest,
                         ::testing::ValuesIn(analytics::test::ConfiguredBackends()),
                         analytics::test::BackendParamName);

}  // namespace
}  // namespace analytics::storage
