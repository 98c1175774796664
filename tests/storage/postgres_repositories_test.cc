// What only PostgreSQL's repositories do: CreateOne as one statement that
// also reads the user's state from its snapshot (SQLite's write path returns
// none). The repositories' shared behaviour is in repositories_test.cc.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <thread>

#include "repository_fixture.h"
#include "storage/task_repository.h"
#include "storage/user_repository.h"

namespace analytics::storage {
namespace {

using test::At;

// CreateOne reads the user's state from its statement's snapshot, taken
// before it waits for the user's lock. Alone it gives the state a fresh read
// gives, its own overdue task counted; when another write commits while it
// waits, the snapshot misses that write's overdue change, so it gives none.
class PostgresCreateOneTest : public test::RepositoryTest {
 protected:
  void SetUp() override {
    RepositoryTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    CreateUser("u1");
  }

  static model::Task Due(const char* title, const char* due_at) {
    model::Task t = test::NewTask("u1", title, model::TaskStatus::kTodo, model::Priority::kHigh,
                                  "2024-03-01T00:00:00Z");
    t.due_at = At(due_at);
    return t;
  }

  // CreateOne in one statement, as TaskService runs it.
  std::optional<CreatedTask> Create(const model::Task& task) {
    std::optional<CreatedTask> created;
    Result<void> done = db_->WriteStatement([&](Transaction& tx) -> Result<void> {
      auto c = TaskRepository(tx).CreateOne(task, test::CreateAudit(task), now_);
      if (!c.ok()) return c.error();
      created = std::move(*c);
      return Ok();
    });
    EXPECT_TRUE(done.ok()) << done.error().message;
    return created;
  }

  UserState Fresh() {
    UserState state;
    InRead([&](Transaction& tx) -> Result<void> {
      auto loaded = TaskRepository(tx).LoadAggregatesAndOverdue("u1", now_);
      if (!loaded.ok()) return loaded.error();
      state = *loaded;
      return Ok();
    });
    return state;
  }

  // Calls `start` with the pid of another transaction's backend while that
  // transaction holds u1's lock, having written an overdue task; joins the
  // thread `start` returns once that transaction has committed. Returns the
  // pid, or -1 if the transaction failed before taking the lock.
  std::int64_t WhileAnotherWriteHoldsTheUser(
      const std::function<std::thread(std::int64_t)>& start) {
    std::promise<std::int64_t> holding;
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::thread holder([&] {
      bool handed = false;
      Result<void> done = db_->InTransaction([&](Transaction& tx) -> Result<void> {
        TaskRepository repo(tx);
        auto locked = repo.LockUser("u1");
        if (!locked.ok()) return locked.error();
        auto made = repo.Insert(Due("other writer", "2024-03-06T00:00:00Z"));
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
    std::thread started;
    if (holder_pid > 0) started = start(holder_pid);
    release.set_value();
    holder.join();
    if (started.joinable()) started.join();
    return holder_pid;
  }

  // Sessions blocked by `pid`, once there is one (at most ten seconds).
  std::int64_t WaitForSessionsBlockedBy(std::int64_t pid) {
    std::int64_t waiting = 0;
    for (int i = 0; i < 1000 && waiting == 0; ++i) {
      InRead([&](Transaction& tx) -> Result<void> {
        auto rows = tx.Query(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))", {pid});
        if (!rows.ok()) return rows.error();
        waiting = rows->front().Int(0);
        return Ok();
      });
      if (waiting == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return waiting;
  }

  const Time now_ = At("2024-03-10T12:00:00Z");
};

TEST_P(PostgresCreateOneTest, AloneGivesTheStateAFreshReadGives) {
  std::optional<CreatedTask> alone = Create(Due("overdue", "2024-03-05T00:00:00Z"));
  ASSERT_TRUE(alone && alone->after);
  std::optional<CreatedTask> later = Create(Due("due today, later", "2024-03-10T18:00:00Z"));
  ASSERT_TRUE(later && later->after);
  const UserState state = Fresh();

  EXPECT_EQ(later->after->overdue, 1);
  EXPECT_EQ(state.overdue, 1);
  EXPECT_EQ(later->after->aggregates.todo, 2);
  EXPECT_EQ(state.aggregates.todo, 2);
  EXPECT_EQ(later->after->aggregates.high, 2);
  EXPECT_EQ(later->after->aggregates.weight_total, state.aggregates.weight_total);
  EXPECT_EQ(later->after->as_of, now_);
}

TEST_P(PostgresCreateOneTest, GivesNoStateWhenAnotherWriteCameBetween) {
  std::optional<CreatedTask> alone = Create(Due("overdue", "2024-03-05T00:00:00Z"));
  ASSERT_TRUE(alone && alone->after);
  std::optional<CreatedTask> raced;
  std::int64_t waiting = 0;

  const std::int64_t holder_pid = WhileAnotherWriteHoldsTheUser([&](std::int64_t pid) {
    std::thread creator([&] { raced = Create(Due("raced", "2024-03-07T00:00:00Z")); });
    waiting = WaitForSessionsBlockedBy(pid);
    return creator;
  });

  ASSERT_GT(holder_pid, 0);
  EXPECT_EQ(waiting, 1);
  ASSERT_TRUE(raced.has_value());
  EXPECT_FALSE(raced->after.has_value());
  EXPECT_EQ(Fresh().overdue, 3);
  EXPECT_EQ(Fresh().aggregates.todo, 3);
}

INSTANTIATE_TEST_SUITE_P(PostgreSQL, PostgresCreateOneTest,
                         ::testing::Values(analytics::test::Backend::kPostgresRedis),
                         analytics::test::BackendParamName);

}  // namespace
}  // namespace analytics::storage
