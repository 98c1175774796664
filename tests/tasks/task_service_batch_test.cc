// TaskService::CreateBatch and Create on every backend (PostgreSQL: a batch
// of 16 or more with COPY, fewer row by row, a single create in one
// statement; SQLite row by row): any valid title round-trips exactly, ids
// come back ascending in input order, audit rows name them, the derived rows
// stay exact, and a failure part-way leaves nothing behind.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "cache/keys.h"
#include "cache/open_cache.h"
#include "model/task_json.h"
#include "stats/stats_service.h"
#include "storage/audit_repository.h"
#include "storage/open_database.h"
#include "storage/task_repository.h"
#include "storage/user_repository.h"
#include "support/backends.h"
#include "support/temp_dir.h"
#include "tasks/task_service.h"

namespace analytics::tasks {
namespace {

using model::Task;
using model::TaskStatus;
using std::chrono::days;
using std::chrono::hours;

// Titles an array literal or a careless escaper would mangle.
std::vector<std::string> NastyTitles() {
  std::string long_ascii(model::kMaxTitleBytes, 'x');
  long_ascii[0] = '"';
  long_ascii[model::kMaxTitleBytes - 1] = '\\';
  std::string long_emoji;
  while (long_emoji.size() + 4 <= model::kMaxTitleBytes) long_emoji += "\xF0\x9F\x98\x80";
  return {"it's",
          "say \"hi\"",
          "back\\slash",
          "\\",
          "\\\"",
          "\"",
          "ends with \\",
          "{braces}",
          "{",
          "}",
          "{\"a\",\"b\"}",
          "a,b,c",
          ",",
          "NULL",
          "null",
          "\"NULL\"",
          "  padded both sides  ",
          "emoji \xF0\x9F\x98\x80\xF0\x9F\x8E\x89 and \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E",
          "'; DROP TABLE tasks; --",
          "$1 %s ARRAY[1] ::text[]",
          "(1,2)",
          long_ascii,
          long_emoji};
}

class TaskServiceBatchTest : public ::testing::TestWithParam<test::Backend> {
 protected:
  void SetUp() override {
    ANALYTICS_REQUIRE_BACKEND(GetParam());
    lease_ = std::make_unique<test::BackendLease>(GetParam(), dir_);
    config::DatabaseOptions db_options;
    db_options.url = lease_->database_url();
    auto db = storage::OpenDatabase(db_options);
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(*db);
    auto migrated = storage::Migrate(*db_);
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;
    cache_options_.url = lease_->cache_url();
    auto cache = cache::OpenCache(cache_options_, clock_);
    ASSERT_TRUE(cache.ok()) << cache.error().message;
    cache_ = std::move(*cache);
    service_ = std::make_unique<TaskService>(*db_, *cache_, clock_);
    Exec(
        "INSERT INTO users (id, created_at, token_hash, token_rotated_at) "
        "VALUES ('u', $1, 'hash-u', $1)",
        {clock_.Now()});
    Exec("INSERT INTO user_aggregates (user_id) VALUES ('u')");
  }

  void Exec(const std::string& sql, const storage::Params& params = {}) {
    auto done = db_->InTransaction([&](storage::Transaction& tx) -> Result<void> {
      auto r = tx.Execute(sql, params);
      if (!r.ok()) return r.error();
      return Ok();
    });
    ASSERT_TRUE(done.ok()) << done.error().message << " in " << sql;
  }
  std::int64_t Count(const std::string& sql) {
    std::int64_t n = -1;
    auto done = db_->Read([&](storage::Transaction& tx) -> Result<void> {
      auto rows = tx.Query(sql);
      if (!rows.ok()) return rows.error();
      n = rows->front().Int(0);
      return Ok();
    });
    EXPECT_TRUE(done.ok()) << done.error().message;
    return n;
  }
  // Everything stored for user u: tasks in id order, CREATE audit rows oldest
  // first, and whether the derived rows equal a recount from the tasks.
  struct Stored {
    std::vector<Task> tasks;
    std::vector<storage::AuditEntry> audit;
    bool aggregates_exact = false;
    bool open_due_days_exact = false;
    // user_aggregates.overdue_before is the sum of the buckets before overdue_day.
    bool overdue_before_exact = false;
  };
  Stored Load() {
    Stored s;
    auto done = db_->Read([&](storage::Transaction& tx) -> Result<void> {
      storage::TaskRepository repo(tx);
      storage::TaskFilter all;
      all.user_id = "u";
      all.include_deleted = true;
      all.limit = 1'000'000;
      auto tasks = repo.List(all);
      if (!tasks.ok()) return tasks.error();
      s.tasks = *tasks;
      auto audit = storage::AuditRepository(tx).List("CREATE", "u", Time{}, 1'000'000);
      if (!audit.ok()) return audit.error();
      s.audit.assign(audit->rbegin(), audit->rend());
      auto running = repo.LoadAggregates("u");
      auto recount = repo.ComputeAggregatesFromTasks("u");
      if (!running.ok() || !recount.ok()) return Internal("aggregates");
      const model::UserAggregates d = storage::Subtract(*running, *recount);
      s.aggregates_exact = d.todo == 0 && d.in_progress == 0 && d.done == 0 && d.cancelled == 0 &&
                           d.low == 0 && d.medium == 0 && d.high == 0 && d.urgent == 0 &&
                           d.weight_total == 0 && d.weight_done_x2 == 0;
      auto stored = repo.LoadOpenDueDays("u");
      auto recomputed = repo.ComputeOpenDueDaysFromTasks("u");
      if (!stored.ok() || !recomputed.ok()) return Internal("open_due_days");
      s.open_due_days_exact = *stored == *recomputed;
      auto base = tx.Query(
          "SELECT overdue_before, COALESCE((SELECT SUM(n) FROM open_due_days d WHERE d.user_id = "
          "a.user_id AND d.due_day < a.overdue_day), 0) FROM user_aggregates a WHERE user_id = "
          "'u'");
      if (!base.ok()) return base.error();
      s.overdue_before_exact = base->front().Int(0) == base->front().Int(1);
      return Ok();
    });
    EXPECT_TRUE(done.ok()) << done.error().message;
    return s;
  }

  WriteContext Admin() const { return {model::Caller{true, {}}, "batch-test"}; }

  test::TempDir dir_;
  std::unique_ptr<test::BackendLease> lease_;
  FakeClock clock_{*ParseTime("2025-06-15T12:00:00Z")};
  config::CacheOptions cache_options_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<cache::Cache> cache_;
  std::unique_ptr<TaskService> service_;
};

std::vector<NewTask> MixedBatch(const std::vector<std::string>& titles, Time now) {
  std::vector<NewTask> batch;
  for (std::size_t i = 0; i < titles.size(); ++i) {
    NewTask in;
    in.title = titles[i];
    in.status = model::kAllStatuses[i % 4];
    in.priority = model::kAllPriorities[(i / 4) % 4];
    if (i % 3 != 0) in.due_at = now + hours(static_cast<int>(i * 7) - 80);
    batch.push_back(in);
  }
  return batch;
}

TEST_P(TaskServiceBatchTest, NastyTitlesRoundTripExactlyWithIdsInInputOrder) {
  std::vector<std::string> titles = NastyTitles();
  std::vector<NewTask> batch = MixedBatch(titles, clock_.Now());

  auto created = service_->CreateBatch(Admin(), "u", batch);

  ASSERT_TRUE(created.ok()) << created.error().message;
  ASSERT_EQ(created->size(), titles.size());
  for (std::size_t i = 0; i < titles.size(); ++i) {
    EXPECT_EQ((*created)[i].title, titles[i]) << i;
    if (i > 0) {
      EXPECT_GT((*created)[i].id, (*created)[i - 1].id) << i;
    }
  }
  Stored stored = Load();
  ASSERT_EQ(stored.tasks.size(), titles.size());
  ASSERT_EQ(stored.audit.size(), titles.size());
  for (std::size_t i = 0; i < titles.size(); ++i) {
    SCOPED_TRACE(i);
    const Task& want = (*created)[i];
    EXPECT_EQ(model::ToJson(stored.tasks[i]), model::ToJson(want));
    EXPECT_EQ(stored.tasks[i].title, titles[i]);
    EXPECT_EQ(stored.tasks[i].due_at, want.due_at);
    EXPECT_EQ(stored.tasks[i].completed_at, want.completed_at);
    EXPECT_EQ(stored.audit[i].entity_id, std::to_string(want.id));
    EXPECT_EQ(stored.audit[i].after, model::ToJson(want));
    EXPECT_FALSE(stored.audit[i].before.has_value());
    EXPECT_EQ(stored.audit[i].request_id, "batch-test");
  }
  EXPECT_TRUE(stored.aggregates_exact);
  EXPECT_TRUE(stored.open_due_days_exact);
  EXPECT_TRUE(stored.overdue_before_exact);
}

TEST_P(TaskServiceBatchTest, IdsKeepIncreasingAcrossSingleCreatesAndBatches) {
  std::vector<std::int64_t> ids;
  for (int round = 0; round < 3; ++round) {
    auto one = service_->Create(Admin(), "u", NewTask{"one", {}, {}, {}, {}, {}});
    ASSERT_TRUE(one.ok()) << one.error().message;
    ids.push_back(one->id);
    auto many = service_->CreateBatch(Admin(), "u", MixedBatch({"a", "b", "c", "d"}, clock_.Now()));
    ASSERT_TRUE(many.ok()) << many.error().message;
    for (const Task& t : *many) ids.push_back(t.id);
  }

  for (std::size_t i = 1; i < ids.size(); ++i) EXPECT_GT(ids[i], ids[i - 1]) << i;
  Stored stored = Load();
  ASSERT_EQ(stored.tasks.size(), ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(stored.tasks[i].id, ids[i]);
  EXPECT_TRUE(stored.aggregates_exact);
  EXPECT_TRUE(stored.open_due_days_exact);
  EXPECT_TRUE(stored.overdue_before_exact);
}

TEST_P(TaskServiceBatchTest, ATitleOverTheLimitIsRejectedNamingItsIndex) {
  std::vector<NewTask> batch = MixedBatch({"ok", "ok", std::string(1000, 'y'), "ok"}, clock_.Now());

  auto created = service_->CreateBatch(Admin(), "u", batch);

  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(created.error().field, "[2].title");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM tasks"), 0);
}

// A statement fails part-way through the batch's transaction (a constraint on
// tasks, or on audit_log after the tasks are in): nothing of it remains.
TEST_P(TaskServiceBatchTest, AFailurePartWayLeavesNothingBehind) {
  auto first =
      service_->CreateBatch(Admin(), "u", MixedBatch({"before", "b2", "b3"}, clock_.Now()));
  ASSERT_TRUE(first.ok()) << first.error().message;
  const Stored before = Load();
  const std::int64_t audit_rows = Count("SELECT COUNT(*) FROM audit_log");
  const std::int64_t bucket_rows = Count("SELECT COUNT(*) FROM open_due_days");
  const bool postgres = db_->dialect().name() == "postgresql";

  for (const char* table : {"tasks", "audit_log"}) {
    SCOPED_TRACE(table);
    const std::string column = std::string(table) == "tasks" ? "title" : "\"after\"";
    if (postgres) {
      Exec(std::string("ALTER TABLE ") + table + " ADD CONSTRAINT no_boom CHECK (" + column +
           " NOT LIKE '%boom%')");
    } else {
      Exec(std::string("CREATE TRIGGER no_boom BEFORE INSERT ON ") + table + " WHEN NEW." + column +
           " LIKE '%boom%' BEGIN SELECT RAISE(ABORT, 'boom'); END");
    }
    std::vector<std::string> titles;
    for (int i = 0; i < 200; ++i) titles.push_back(i == 150 ? "boom" : "t" + std::to_string(i));

    auto failed = service_->CreateBatch(Admin(), "u", MixedBatch(titles, clock_.Now()));

    ASSERT_FALSE(failed.ok());
    Stored after = Load();
    ASSERT_EQ(after.tasks.size(), before.tasks.size());
    for (std::size_t i = 0; i < after.tasks.size(); ++i) {
      EXPECT_EQ(model::ToJson(after.tasks[i]), model::ToJson(before.tasks[i]));
    }
    EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log"), audit_rows);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM open_due_days"), bucket_rows);
    EXPECT_TRUE(after.aggregates_exact);
    EXPECT_TRUE(after.open_due_days_exact);
    EXPECT_TRUE(after.overdue_before_exact);
    Exec(postgres ? std::string("ALTER TABLE ") + table + " DROP CONSTRAINT no_boom"
                  : std::string("DROP TRIGGER no_boom"));
  }
  auto retried = service_->CreateBatch(Admin(), "u", MixedBatch({"boom", "after"}, clock_.Now()));
  ASSERT_TRUE(retried.ok()) << retried.error().message;
  EXPECT_GT(retried->front().id, first->back().id);
  EXPECT_EQ(Load().tasks.size(), before.tasks.size() + 2);
}

TEST_P(TaskServiceBatchTest, SingleCreatesStoreTheTaskItsAuditRowAndDerivedRowsExactly) {
  std::vector<std::string> titles = NastyTitles();
  std::vector<NewTask> inputs = MixedBatch(titles, clock_.Now());
  std::vector<Task> created;
  for (const NewTask& input : inputs) {
    auto one = service_->Create(Admin(), "u", input);
    ASSERT_TRUE(one.ok()) << one.error().message;
    created.push_back(*one);
  }

  Stored stored = Load();
  ASSERT_EQ(stored.tasks.size(), titles.size());
  ASSERT_EQ(stored.audit.size(), titles.size());
  for (std::size_t i = 0; i < titles.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(stored.tasks[i].title, titles[i]);
    EXPECT_EQ(model::ToJson(stored.tasks[i]), model::ToJson(created[i]));
    EXPECT_EQ(stored.audit[i].entity_id, std::to_string(created[i].id));
    EXPECT_EQ(stored.audit[i].after, model::ToJson(created[i]));
    EXPECT_EQ(stored.audit[i].action, "CREATE");
    EXPECT_EQ(stored.audit[i].actor, "admin");
    EXPECT_EQ(stored.audit[i].request_id, "batch-test");
  }
  EXPECT_TRUE(stored.aggregates_exact);
  EXPECT_TRUE(stored.open_due_days_exact);
  EXPECT_TRUE(stored.overdue_before_exact);
}

// With a StatsService, every write leaves the user's overview cached, and
// exactly as a fresh computation gives it: a single create computes it in its
// own statement (PostgreSQL), counting its own task as overdue when due.
TEST_P(TaskServiceBatchTest, EveryWriteCachesTheOverviewAFreshComputationGives) {
  stats::StatsService stats(*db_, *cache_, clock_, cache_options_);
  TaskService service(*db_, *cache_, clock_, &stats);
  auto expect_fresh = [&](const std::string& after) {
    SCOPED_TRACE(after);
    auto computed = stats.ComputeOverview("u");
    ASSERT_TRUE(computed.ok()) << computed.error().message;
    EXPECT_EQ(cache_->Get(cache::OverviewKey("u")), stats::OverviewJson(*computed));
  };
  std::vector<Task> created;
  for (const NewTask& input : MixedBatch(NastyTitles(), clock_.Now())) {
    auto one = service.Create(Admin(), "u", input);
    ASSERT_TRUE(one.ok()) << one.error().message;
    created.push_back(*one);
    expect_fresh("create of " + one->title);
  }
  auto overview = stats.ComputeOverview("u");
  ASSERT_TRUE(overview.ok());
  EXPECT_GT(overview->task_totals.overdue, 0);

  ASSERT_TRUE(service.CreateBatch(Admin(), "u", MixedBatch({"a", "b", "c"}, clock_.Now())).ok());
  expect_fresh("batch");
  TaskPatch done;
  done.status = model::TaskStatus::kDone;
  ASSERT_TRUE(service.Update(Admin(), "u", created[1].id, done).ok());
  expect_fresh("update");
  ASSERT_TRUE(service.Delete(Admin(), "u", created[2].id).ok());
  expect_fresh("delete");
  ASSERT_TRUE(service.Restore(Admin(), "u", created[2].id).ok());
  expect_fresh("restore");
  EXPECT_TRUE(Load().overdue_before_exact);
}

// overdue_day moves on with the writes that lock the user, taking the
// buckets it passes into overdue_before; the overdue count stays the
// brute-force count all along.
TEST_P(TaskServiceBatchTest, WritesMoveOverdueDayOnTakingThePassedBucketsAlong) {
  Exec("UPDATE user_aggregates SET overdue_day = '2025-06-01' WHERE user_id = 'u'");
  auto overdue_day = [&] {
    std::string day;
    auto done = db_->Read([&](storage::Transaction& tx) -> Result<void> {
      auto rows = tx.Query("SELECT overdue_day FROM user_aggregates WHERE user_id = 'u'");
      if (!rows.ok()) return rows.error();
      day = rows->front().Text(0);
      return Ok();
    });
    EXPECT_TRUE(done.ok());
    return day;
  };
  auto expect_overdue_exact = [&](const std::string& after) {
    SCOPED_TRACE(after);
    std::int64_t counted = -1, brute = -2;
    auto done = db_->Read([&](storage::Transaction& tx) -> Result<void> {
      auto state = storage::TaskRepository(tx).LoadAggregatesAndOverdue("u", clock_.Now());
      if (!state.ok()) return state.error();
      counted = state->overdue;
      auto rows = tx.Query(
          "SELECT COUNT(*) FROM tasks WHERE user_id = 'u' AND deleted = FALSE AND status IN "
          "('todo', 'in_progress') AND due_at IS NOT NULL AND due_at < $1",
          {clock_.Now()});
      if (!rows.ok()) return rows.error();
      brute = rows->front().Int(0);
      return Ok();
    });
    ASSERT_TRUE(done.ok()) << done.error().message;
    EXPECT_EQ(counted, brute);
    EXPECT_GT(brute, 0);
    EXPECT_TRUE(Load().overdue_before_exact);
  };

  auto batch = service_->CreateBatch(Admin(), "u", MixedBatch(NastyTitles(), clock_.Now()));
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  EXPECT_EQ(overdue_day(), "2025-06-15");
  expect_overdue_exact("the batch");

  clock_.Advance(std::chrono::hours(72));
  NewTask late;
  late.title = "due yesterday";
  late.due_at = clock_.Now() - std::chrono::hours(24);
  ASSERT_TRUE(service_->Create(Admin(), "u", late).ok());
  expect_overdue_exact("a single create three days on");
  const Task open = *std::find_if(batch->begin(), batch->end(), [](const Task& t) {
    return t.due_at && t.status == model::TaskStatus::kTodo;
  });
  TaskPatch move;
  move.due_at = std::optional<Time>(clock_.Now() - std::chrono::hours(30));
  ASSERT_TRUE(service_->Update(Admin(), "u", open.id, move).ok());
  EXPECT_EQ(overdue_day(), "2025-06-18");
  expect_overdue_exact("an update that moved a due day");
}

TEST_P(TaskServiceBatchTest, ASingleCreateThatFailsLeavesNothingBehind) {
  auto first = service_->Create(Admin(), "u", MixedBatch({"kept", "x"}, clock_.Now())[1]);
  ASSERT_TRUE(first.ok()) << first.error().message;
  const Stored before = Load();
  if (db_->dialect().name() == "postgresql") {
    Exec("ALTER TABLE audit_log ADD CONSTRAINT no_boom CHECK (\"after\" NOT LIKE '%boom%')");
  } else {
    Exec(
        "CREATE TRIGGER no_boom BEFORE INSERT ON audit_log WHEN NEW.\"after\" LIKE '%boom%' "
        "BEGIN SELECT RAISE(ABORT, 'boom'); END");
  }

  // Due tomorrow and open: it would add to open_due_days and the aggregates.
  auto failed = service_->Create(Admin(), "u", MixedBatch({"x", "boom"}, clock_.Now())[1]);

  ASSERT_FALSE(failed.ok());
  Stored after = Load();
  ASSERT_EQ(after.tasks.size(), before.tasks.size());
  EXPECT_EQ(after.audit.size(), before.audit.size());
  EXPECT_TRUE(after.aggregates_exact);
  EXPECT_TRUE(after.open_due_days_exact);
  EXPECT_TRUE(after.overdue_before_exact);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM open_due_days"),
            static_cast<std::int64_t>(before.tasks.front().due_at.has_value()));
}

TEST_P(TaskServiceBatchTest, ASingleCreateForAnUnknownUserIsNotFoundAndWritesNothing) {
  auto created = service_->Create(Admin(), "nobody", MixedBatch({"x", "due"}, clock_.Now())[1]);

  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(created.error().message, "user 'nobody' not found");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM tasks"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM open_due_days"), 0);
}

TEST_P(TaskServiceBatchTest, UnknownUserIsNotFoundAndWritesNothing) {
  auto created = service_->CreateBatch(Admin(), "nobody", MixedBatch({"a", "b"}, clock_.Now()));

  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM tasks"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log"), 0);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, TaskServiceBatchTest,
                         ::testing::ValuesIn(test::ConfiguredBackends()),
                         [](const auto& info) { return test::BackendName(info.param); });

}  // namespace
}  // namespace analytics::tasks
