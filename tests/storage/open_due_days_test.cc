// open_due_days on every backend: the migration's backfill from existing
// tasks, bucket upkeep (rows that reach 0 go), and CountOverdue's split
// between the buckets before today and today's short index range.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "backend_fixture.h"
#include "storage/task_repository.h"
#include "storage/user_repository.h"

namespace analytics::storage {
namespace {

using model::Task;
using model::TaskStatus;
using std::chrono::days;
using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::minutes;

Time At(const char* text) { return ParseTime(text).value(); }

std::int64_t BruteForceOverdue(const std::vector<Task>& tasks, const std::string& user, Time now) {
  std::int64_t n = 0;
  for (const Task& t : tasks) {
    if (t.user_id == user && IsOpenWithDueDate(t) && *t.due_at < now) ++n;
  }
  return n;
}

// No schema: each test migrates (the first one step by step).
class OpenDueDaysTest : public test::BackendTest {
 protected:
  std::int64_t CountOverdue(const std::string& user, Time now) {
    std::int64_t n = -1;
    InRead([&](Transaction& tx) -> Result<void> {
      auto count = TaskRepository(tx).CountOverdue(user, now);
      if (!count.ok()) return count.error();
      n = *count;
      return Ok();
    });
    return n;
  }
  std::pair<OpenDueDays, OpenDueDays> StoredAndRecomputed(const std::string& user) {
    std::pair<OpenDueDays, OpenDueDays> both;
    InRead([&](Transaction& tx) -> Result<void> {
      TaskRepository repo(tx);
      auto stored = repo.LoadOpenDueDays(user);
      if (!stored.ok()) return stored.error();
      auto recomputed = repo.ComputeOpenDueDaysFromTasks(user);
      if (!recomputed.ok()) return recomputed.error();
      both = {*stored, *recomputed};
      return Ok();
    });
    return both;
  }
  void CreateUser(const std::string& id) {
    InTx([&](Transaction& tx) {
      return UserRepository(tx).Create(model::User{id, At("2024-01-01T00:00:00Z")}, "h-" + id);
    });
  }
};

TEST_P(OpenDueDaysTest, MigrationBackfillsBucketsFromExistingTasks) {
  std::vector<Migration> before_buckets;
  for (const Migration& m : db_->dialect().migrations()) {
    if (m.version < 3) before_buckets.push_back(m);
  }
  ASSERT_TRUE(Migrate(*db_, before_buckets).ok());
  // Tasks written before the table existed: open, closed, deleted, without a
  // due date, due over days around the instants checked below.
  std::vector<Task> tasks;
  std::mt19937 rng(7);
  const Time base = At("2025-03-10T12:00:00Z");
  for (const char* user : {"a", "b", "c"}) {
    CreateUser(user);
    for (int i = 0; i < 200; ++i) {
      Task t;
      t.user_id = user;
      t.title = "t" + std::to_string(i);
      t.status = model::kAllStatuses[rng() % 4];
      t.priority = model::kAllPriorities[rng() % 4];
      if (rng() % 5 != 0)
        t.due_at = base + minutes(static_cast<int>(rng() % (60 * 24 * 20)) - 60 * 24 * 10);
      t.created_at = base - days{30};
      t.updated_at = t.created_at;
      if (t.status == TaskStatus::kDone) t.completed_at = t.created_at + hours(1);
      if (rng() % 6 == 0) {
        t.deleted = true;
        t.deleted_at = base;
      }
      tasks.push_back(t);
    }
  }
  InTx([&](Transaction& tx) -> Result<void> {
    TaskRepository repo(tx);
    for (const Task& t : tasks) {
      auto inserted = repo.Insert(t);
      if (!inserted.ok()) return inserted.error();
    }
    return Ok();
  });

  Result<int> migrated = Migrate(*db_);
  Result<int> again = Migrate(*db_);

  ASSERT_TRUE(migrated.ok()) << migrated.error().message;
  EXPECT_EQ(*migrated,
            static_cast<int>(db_->dialect().migrations().size() - before_buckets.size()));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
  for (const char* user : {"a", "b", "c"}) {
    SCOPED_TRACE(user);
    auto [stored, recomputed] = StoredAndRecomputed(user);
    EXPECT_FALSE(stored.empty());
    EXPECT_EQ(stored, recomputed);
    for (Time now : {base, Time{DayOf(base)}, Time{DayOf(base)} - microseconds{1},
                     base - days{4} + minutes(7), base + days{11}, base - days{11}}) {
      EXPECT_EQ(CountOverdue(user, now), BruteForceOverdue(tasks, user, now)) << FormatTime(now);
    }
  }
}

TEST_P(OpenDueDaysTest, RecordChangeMovesTasksBetweenBucketsAndDropsEmptyOnes) {
  ASSERT_TRUE(Migrate(*db_).ok());
  CreateUser("u");
  Task t;
  t.user_id = "u";
  t.title = "x";
  t.due_at = At("2025-03-09T23:59:59.999999Z");
  t.created_at = At("2025-03-01T00:00:00Z");
  t.updated_at = t.created_at;
  InTx([&](Transaction& tx) -> Result<void> {
    TaskRepository repo(tx);
    auto inserted = repo.Insert(t);
    if (!inserted.ok()) return inserted.error();
    t = *inserted;
    return repo.RecordChange(std::nullopt, t);
  });
  EXPECT_EQ(StoredAndRecomputed("u").first, (OpenDueDays{{DayOf(*t.due_at), 1}}));
  EXPECT_EQ(CountOverdue("u", At("2025-03-10T00:00:00Z")), 1);
  EXPECT_EQ(CountOverdue("u", At("2025-03-09T23:59:59.999999Z")), 0);

  // Due a day later, then done: the old bucket goes, then the new one.
  Task moved = t;
  moved.due_at = At("2025-03-10T00:00:00Z");
  Task done = moved;
  done.status = TaskStatus::kDone;
  done.completed_at = At("2025-03-10T08:00:00Z");
  InTx([&](Transaction& tx) -> Result<void> {
    TaskRepository repo(tx);
    ANALYTICS_RETURN_IF_ERROR(repo.Update(moved));
    return repo.RecordChange(t, moved);
  });
  EXPECT_EQ(StoredAndRecomputed("u").first, (OpenDueDays{{DayOf(*moved.due_at), 1}}));
  EXPECT_EQ(CountOverdue("u", At("2025-03-10T00:00:00Z")), 0);
  EXPECT_EQ(CountOverdue("u", At("2025-03-10T00:00:00.000001Z")), 1);
  EXPECT_EQ(CountOverdue("u", At("2025-03-11T05:00:00Z")), 1);
  InTx([&](Transaction& tx) -> Result<void> {
    TaskRepository repo(tx);
    ANALYTICS_RETURN_IF_ERROR(repo.Update(done));
    return repo.RecordChange(moved, done);
  });
  auto [stored, recomputed] = StoredAndRecomputed("u");
  EXPECT_TRUE(stored.empty());
  EXPECT_TRUE(recomputed.empty());
  EXPECT_EQ(CountOverdue("u", At("2025-03-11T05:00:00Z")), 0);
  InRead([&](Transaction& tx) -> Result<void> {
    auto rows = tx.Query("SELECT COUNT(*) FROM open_due_days");
    if (!rows.ok()) return rows.error();
    EXPECT_EQ(rows->front().Int(0), 0);
    return Ok();
  });
}

TEST_P(OpenDueDaysTest, AddToOpenDueDaysAppliesManyDaysAtOnce) {
  ASSERT_TRUE(Migrate(*db_).ok());
  CreateUser("u");
  const Day d = DayOf(At("2025-03-10T00:00:00Z"));
  OpenDueDays add{{d - days{400}, 3}, {d - days{1}, 2}, {d, 5}, {d + days{1}, 1}};
  OpenDueDays remove{{d - days{400}, -3}, {d - days{1}, -1}, {d + days{2}, 0}};

  InTx([&](Transaction& tx) { return TaskRepository(tx).AddToOpenDueDays("u", add); });
  InTx([&](Transaction& tx) { return TaskRepository(tx).AddToOpenDueDays("u", remove); });

  EXPECT_EQ(StoredAndRecomputed("u").first,
            (OpenDueDays{{d - days{1}, 1}, {d, 5}, {d + days{1}, 1}}));
}

INSTANTIATE_TEST_SUITE_P(AllBackends, OpenDueDaysTest,
                         ::testing::ValuesIn(analytics::test::ConfiguredBackends()),
                         analytics::test::BackendParamName);

}  // namespace
}  // namespace analytics::storage
