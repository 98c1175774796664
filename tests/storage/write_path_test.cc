// Each backend's WritePath (write_path.h) gives the same results for the same
// writes: SQLite's row by row and PostgreSQL's COPY, array and one-statement
// paths (batches of more than kMinCopyRows tasks take COPY; fewer, row by
// row). Batches are written as TaskService writes them.
#include "storage/write_path.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/task_json.h"
#include "repository_fixture.h"
#include "storage/audit_repository.h"
#include "storage/postgres/postgres_write_path.h"
#include "storage/task_repository.h"

namespace analytics::storage {
namespace {

using model::Priority;
using model::Task;
using model::TaskStatus;
using test::At;

constexpr int kSmallBatch = 3;                          // row by row everywhere
constexpr int kLargeBatch = 2 * int{kMinCopyRows} + 5;  // PostgreSQL: COPY

class WritePathTest : public test::RepositoryTest {
 protected:
  void SetUp() override {
    RepositoryTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    CreateUser("u1");
  }

  // `n` tasks of u1: every status and priority, titles COPY must escape,
  // due dates on a few days around now_ (some none), some deleted.
  static std::vector<Task> Batch(int n, const std::string& prefix) {
    static constexpr TaskStatus kStatuses[] = {TaskStatus::kTodo, TaskStatus::kInProgress,
                                               TaskStatus::kDone, TaskStatus::kCancelled};
    static constexpr Priority kPriorities[] = {Priority::kLow, Priority::kMedium, Priority::kHigh,
                                               Priority::kUrgent};
    std::vector<Task> tasks;
    for (int i = 0; i < n; ++i) {
      Task t = test::NewTask("u1", prefix + std::to_string(i) + " \t\\ \"ü\"\n", kStatuses[i % 4],
                             kPriorities[(i / 2) % 4], "2024-03-01T08:00:00Z");
      if (i % 5 != 0) t.due_at = At("2024-03-08T12:00:00Z") + std::chrono::hours(11 * (i % 7));
      if (t.status == TaskStatus::kDone) t.completed_at = At("2024-03-02T00:00:00.5Z");
      if (i % 9 == 4) {
        t.deleted = true;
        t.deleted_at = At("2024-03-03T00:00:00Z");
      }
      tasks.push_back(std::move(t));
    }
    return tasks;
  }

  // A batch create as TaskService writes it: aggregates (the user's lock),
  // the tasks, their audit rows, their due-day buckets. Returns the tasks
  // with their ids.
  std::vector<Task> CreateBatch(std::vector<Task> tasks) {
    InTx([&](Transaction& tx) -> Result<void> {
      TaskRepository repo(tx);
      model::UserAggregates delta;
      OpenDueDays due;
      for (const Task& task : tasks) {
        delta = Add(delta, Contribution(task));
        AddOpenDue(due, task, +1);
      }
      ANALYTICS_RETURN_IF_ERROR(repo.AddToAggregates("u1", delta));
      auto ids = repo.InsertBatch(tasks);
      if (!ids.ok()) return ids.error();
      if (ids->size() != tasks.size()) return Internal("one id per task expected");
      for (std::size_t i = 0; i < tasks.size(); ++i) tasks[i].id = (*ids)[i];
      ANALYTICS_RETURN_IF_ERROR(AuditRepository(tx).AppendCreates(Common(), tasks));
      return repo.AddToOpenDueDays("u1", due, DayOf(now_));
    });
    return tasks;
  }

  static AuditEntry Common() {
    AuditEntry common;
    common.timestamp = At("2024-03-01T08:00:00.25Z");
    common.actor = "admin";
    common.action = "CREATE";
    common.entity = "task";
    common.request_id = "req-1";
    return common;
  }

  // Every audit row, oldest first.
  std::vector<AuditEntry> AuditRows() {
    std::vector<AuditEntry> rows;
    InRead([&](Transaction& tx) -> Result<void> {
      auto listed = AuditRepository(tx).List("", "", At("2000-01-01T00:00:00Z"), 1000);
      if (!listed.ok()) return listed.error();
      rows.assign(listed->rbegin(), listed->rend());
      return Ok();
    });
    return rows;
  }

  const Time now_ = At("2024-03-10T12:00:00Z");
};

TEST_P(WritePathTest, InsertBatchGivesAscendingIdsInInputOrder) {
  const std::vector<Task> small = CreateBatch(Batch(kSmallBatch, "s"));
  const std::vector<Task> large = CreateBatch(Batch(kLargeBatch, "l"));
  std::vector<Task> all = small;
  all.insert(all.end(), large.begin(), large.end());

  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].id, all[i].id) << i;
  InRead([&](Transaction& tx) -> Result<void> {
    TaskRepository repo(tx);
    for (const Task& want : all) {
      auto got = repo.Find("u1", want.id);
      if (!got.ok()) return got.error();
      EXPECT_EQ(model::ToJson(*got), model::ToJson(want));
    }
    return Ok();
  });
}

TEST_P(WritePathTest, BatchAuditRowsNameEachTaskInOrder) {
  std::vector<Task> all = CreateBatch(Batch(kSmallBatch, "s"));
  const std::vector<Task> large = CreateBatch(Batch(kLargeBatch, "l"));
  all.insert(all.end(), large.begin(), large.end());

  const std::vector<AuditEntry> rows = AuditRows();

  ASSERT_EQ(rows.size(), all.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].entity_id, std::to_string(all[i].id)) << i;
    EXPECT_EQ(rows[i].after, std::optional<std::string>(model::ToJson(all[i]))) << i;
    EXPECT_FALSE(rows[i].before.has_value());
    EXPECT_EQ(rows[i].timestamp, Common().timestamp);
    EXPECT_EQ(rows[i].user_id, "u1");
    EXPECT_EQ(rows[i].actor, "admin");
    EXPECT_EQ(rows[i].action, "CREATE");
    EXPECT_EQ(rows[i].entity, "task");
    EXPECT_EQ(rows[i].request_id, "req-1");
  }
}

TEST_P(WritePathTest, BatchDueDayBucketsAndAggregatesMatchTheTasks) {
  std::vector<Task> all = CreateBatch(Batch(kSmallBatch, "s"));
  const std::vector<Task> large = CreateBatch(Batch(kLargeBatch, "l"));
  all.insert(all.end(), large.begin(), large.end());
  OpenDueDays want;
  std::int64_t overdue = 0;
  for (const Task& t : all) {
    AddOpenDue(want, t, +1);
    if (IsOpenWithDueDate(t) && *t.due_at < now_) ++overdue;
  }

  InRead([&](Transaction& tx) -> Result<void> {
    TaskRepository repo(tx);
    EXPECT_EQ(repo.LoadOpenDueDays("u1").value(), want);
    EXPECT_EQ(repo.ComputeOpenDueDaysFromTasks("u1").value(), want);
    EXPECT_EQ(repo.CountOverdue("u1", now_).value(), overdue);
    const model::UserAggregates running = repo.LoadAggregates("u1").value();
    const model::UserAggregates truth = repo.ComputeAggregatesFromTasks("u1").value();
    EXPECT_EQ(running.todo, truth.todo);
    EXPECT_EQ(running.in_progress, truth.in_progress);
    EXPECT_EQ(running.done, truth.done);
    EXPECT_EQ(running.cancelled, truth.cancelled);
    EXPECT_EQ(running.urgent, truth.urgent);
    EXPECT_EQ(running.weight_total, truth.weight_total);
    EXPECT_EQ(running.weight_done_x2, truth.weight_done_x2);
    return Ok();
  });
  EXPECT_GT(want.size(), 2u);
  EXPECT_GT(overdue, 0);
}

TEST_P(WritePathTest, AddToBucketsReturnsEveryChangedBucket) {
  using Buckets = std::vector<std::pair<std::string, std::int64_t>>;
  auto add = [&](const std::vector<DayChange>& changes) {
    Buckets changed;
    InTx([&](Transaction& tx) -> Result<void> {
      auto rows = tx.write_path().AddToBuckets("u1", changes);
      if (!rows.ok()) return rows.error();
      for (const Row& row : *rows) changed.emplace_back(row.Text(0), row.Int(1));
      std::sort(changed.begin(), changed.end());
      return Ok();
    });
    return changed;
  };

  EXPECT_EQ(add({{"2024-01-02", 2}, {"2024-01-05", 1}, {"2024-02-01", 3}}),
            (Buckets{{"2024-01-02", 2}, {"2024-01-05", 1}, {"2024-02-01", 3}}));
  EXPECT_EQ(add({{"2024-01-02", -2}, {"2024-01-05", 4}}),
            (Buckets{{"2024-01-02", 0}, {"2024-01-05", 5}}));
  EXPECT_EQ(add({{"2024-02-01", 1}}), (Buckets{{"2024-02-01", 4}}));
  EXPECT_EQ(add({}), Buckets{});
}

TEST_P(WritePathTest, CreateTaskWritesTheTaskItsAuditRowAndItsBucket) {
  Task task =
      test::NewTask("u1", "one \t\\", TaskStatus::kTodo, Priority::kUrgent, "2024-03-01T00:00:00Z");
  task.due_at = At("2024-03-05T10:00:00Z");
  std::optional<CreatedTask> created;

  Result<void> done = db_->WriteStatement([&](Transaction& tx) -> Result<void> {
    auto c = tx.write_path().CreateTask(task, test::CreateAudit(task), now_);
    if (!c.ok()) return c.error();
    created = *c;
    return Ok();
  });
  Result<void> no_user = db_->WriteStatement([&](Transaction& tx) -> Result<void> {
    Task other = task;
    other.user_id = "nobody";
    auto c = tx.write_path().CreateTask(other, test::CreateAudit(other), now_);
    if (!c.ok()) return c.error();
    return Ok();
  });

  ASSERT_TRUE(done.ok()) << done.error().message;
  ASSERT_TRUE(created.has_value());
  task.id = created->id;
  // Only PostgreSQL's one statement reads the user's state back.
  EXPECT_EQ(created->after.has_value(), IsPostgres());
  ASSERT_FALSE(no_user.ok());
  EXPECT_EQ(no_user.error().code, ErrorCode::kNotFound);
  const std::vector<AuditEntry> audit = AuditRows();
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].entity_id, std::to_string(task.id));
  EXPECT_EQ(audit[0].after, std::optional<std::string>(model::ToJson(task)));
  InRead([&](Transaction& tx) -> Result<void> {
    TaskRepository repo(tx);
    EXPECT_EQ(model::ToJson(repo.Find("u1", task.id).value()), model::ToJson(task));
    EXPECT_EQ(repo.LoadOpenDueDays("u1").value(), (OpenDueDays{{DayOf(*task.due_at), 1}}));
    EXPECT_EQ(repo.CountOverdue("u1", now_).value(), 1);
    EXPECT_EQ(repo.LoadAggregates("u1").value().urgent, 1);
    return Ok();
  });
}

INSTANTIATE_TEST_SUITE_P(AllBackends, WritePathTest,
                         ::testing::ValuesIn(analytics::test::ConfiguredBackends()),
                         analytics::test::BackendParamName);

}  // namespace
}  // namespace analytics::storage
