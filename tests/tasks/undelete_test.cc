// TaskService::Undelete on every backend (SQLite + the in-process cache,
// PostgreSQL + Redis): it restores exactly the tasks deleted in the window
// that are still deleted, each with a RESTORE audit row of the run, in one
// transaction (an injected failure part-way leaves nothing restored and no
// audit row), the stats read through StatsService and the real cache return
// to their values before the deletions, and a dry run changes nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/clock.h"
#include "cache/open_cache.h"
#include "stats/stats_service.h"
#include "storage/audit_repository.h"
#include "storage/open_database.h"
#include "storage/task_repository.h"
#include "support/backends.h"
#include "support/temp_dir.h"
#include "tasks/task_service.h"

namespace analytics::tasks {
namespace {

using model::Task;
using std::chrono::hours;
using std::chrono::minutes;

// A stats body without its as_of, which moves with the clock.
std::string WithoutAsOf(std::string json) {
  const std::size_t at = json.find("\"as_of\":\"");
  if (at != std::string::npos) json.erase(at, json.find('"', at + 9) + 2 - at);
  return json;
}

class UndeleteTest : public ::testing::TestWithParam<test::Backend> {
 protected:
  void SetUp() override {
    ANALYTICS_REQUIRE_BACKEND(GetParam());
    lease_ = std::make_unique<test::BackendLease>(GetParam(), dir_);
    config::DatabaseOptions db_options;
    db_options.url = lease_->database_url();
    auto db = storage::OpenDatabase(db_options);
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(*db);
    ASSERT_TRUE(storage::Migrate(*db_).ok());
    cache_options_.url = lease_->cache_url();
    auto cache = cache::OpenCache(cache_options_, clock_);
    ASSERT_TRUE(cache.ok()) << cache.error().message;
    cache_ = std::move(*cache);
    stats_ = std::make_unique<stats::StatsService>(*db_, *cache_, clock_, cache_options_);
    service_ = std::make_unique<TaskService>(*db_, *cache_, clock_, stats_.get());
    for (const char* user : {"u", "other"}) {
      Exec(
          "INSERT INTO users (id, created_at, token_hash, token_rotated_at) "
          "VALUES ($1, $2, $3, $2)",
          {std::string(user), clock_.Now(), std::string("hash-") + user});
      Exec("INSERT INTO user_aggregates (user_id) VALUES ($1)", {std::string(user)});
    }
  }

  void Exec(const std::string& sql, const storage::Params& params = {}) {
    auto done = db_->InTransaction([&](storage::Transaction& tx) -> Result<void> {
      auto r = tx.Execute(sql, params);
      if (!r.ok()) return r.error();
      return Ok();
    });
    ASSERT_TRUE(done.ok()) << done.error().message << " in " << sql;
  }

  // The overview as StatsService serves it (through the cache), without its as_of.
  std::string Numbers() {
    auto overview = stats_->Overview("u");
    EXPECT_TRUE(overview.ok()) << overview.error().message;
    return overview.ok() ? WithoutAsOf(overview->json) : "";
  }

  std::vector<storage::AuditEntry> Audit(const std::string& action) {
    auto rows = storage::ReadValue(*db_, [&](storage::Transaction& tx) {
      return storage::AuditRepository(tx).List(action, "", Time{}, 100'000);
    });
    EXPECT_TRUE(rows.ok()) << rows.error().message;
    return rows.ok() ? *rows : std::vector<storage::AuditEntry>{};
  }

  // Whether user u's running aggregates equal a recount of its tasks.
  bool AggregatesExact() {
    auto exact = storage::ReadValue(*db_, [&](storage::Transaction& tx) -> Result<bool> {
      storage::TaskRepository repo(tx);
      auto running = repo.LoadAggregates("u");
      auto recount = repo.ComputeAggregatesFromTasks("u");
      if (!running.ok() || !recount.ok()) return Internal("aggregates");
      const model::UserAggregates d = storage::Subtract(*running, *recount);
      return d.todo == 0 && d.in_progress == 0 && d.done == 0 && d.cancelled == 0 && d.low == 0 &&
             d.medium == 0 && d.high == 0 && d.urgent == 0 && d.weight_total == 0 &&
             d.weight_done_x2 == 0;
    });
    return exact.ok() && *exact;
  }

  std::int64_t Make(const std::string& user, const std::string& title, model::TaskStatus status,
                    model::Priority priority) {
    NewTask in;
    in.title = title;
    in.status = status;
    in.priority = priority;
    in.due_at = clock_.Now() + hours(48);
    auto task = service_->Create(user_ctx_, user, in);
    EXPECT_TRUE(task.ok()) << task.error().message;
    return task.ok() ? task->id : 0;
  }
  void Delete(std::int64_t id) { ASSERT_TRUE(service_->Delete(user_ctx_, "u", id).ok()); }
  void Restore(std::int64_t id) { ASSERT_TRUE(service_->Restore(user_ctx_, "u", id).ok()); }
  bool IsDeleted(std::int64_t id) {
    auto task = service_->Get("u", id);
    EXPECT_TRUE(task.ok());
    return task.ok() && task->deleted;
  }

  // The story every test starts from: tasks made at 10:00, then deletions
  // before, in and after the window [12:00, 13:00).
  struct Story {
    std::string numbers_before;  // the overview before any deletion
    std::int64_t before_window, in_a, in_b, redeleted, restored_later, deleted_after, kept;
    std::int64_t again_in_window;  // deleted before the window, restored, deleted in it
    std::int64_t other_user;
  };
  Story Tell() {
    using model::Priority;
    using model::TaskStatus;
    Story s{};
    s.before_window = Make("u", "deleted at 11:00", TaskStatus::kDone, Priority::kHigh);
    s.in_a = Make("u", "accident a", TaskStatus::kDone, Priority::kUrgent);
    s.in_b = Make("u", "accident b", TaskStatus::kTodo, Priority::kLow);
    s.redeleted =
        Make("u", "deleted, restored, deleted", TaskStatus::kInProgress, Priority::kMedium);
    s.restored_later = Make("u", "restored by hand", TaskStatus::kDone, Priority::kLow);
    s.deleted_after =
        Make("u", "deleted again after the window", TaskStatus::kTodo, Priority::kHigh);
    s.kept = Make("u", "never deleted", TaskStatus::kDone, Priority::kMedium);
    s.again_in_window = Make("u", "deleted before, again in", TaskStatus::kTodo, Priority::kUrgent);
    s.other_user = Make("other", "another user's", TaskStatus::kTodo, Priority::kLow);
    clock_.Set(At("11:00"));
    Delete(s.before_window);
    s.numbers_before = Numbers();  // the window's deletions are what undelete undoes
    clock_.Set(At("11:30"));
    Delete(s.again_in_window);
    clock_.Set(At("12:05"));
    Delete(s.in_a);
    Delete(s.in_b);
    Delete(s.redeleted);
    Delete(s.restored_later);
    Delete(s.deleted_after);
    EXPECT_TRUE(service_->Delete(user_ctx_, "other", s.other_user).ok());
    clock_.Set(At("12:20"));
    Restore(s.redeleted);
    Restore(s.restored_later);
    Restore(s.deleted_after);
    Restore(s.again_in_window);
    clock_.Set(At("12:30"));
    Delete(s.again_in_window);
    clock_.Set(At("12:40"));
    Delete(s.redeleted);
    clock_.Set(At("13:30"));
    Delete(s.deleted_after);
    clock_.Set(At("14:00"));
    return s;
  }
  static Time At(const std::string& hh_mm) { return *ParseTime("2025-06-15T" + hh_mm + ":00Z"); }

  WriteContext Operator() const {
    return WriteContext{model::Caller{true, {}}, "undelete-run-1", "cli:tester"};
  }

  test::TempDir dir_;
  std::unique_ptr<test::BackendLease> lease_;
  FakeClock clock_{*ParseTime("2025-06-15T10:00:00Z")};
  config::CacheOptions cache_options_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<cache::Cache> cache_;
  std::unique_ptr<stats::StatsService> stats_;
  std::unique_ptr<TaskService> service_;
  const WriteContext user_ctx_{model::Caller{false, "u"}, "req"};
};

std::vector<std::int64_t> Ids(const std::vector<UndeletedTask>& undone) {
  std::vector<std::int64_t> ids;
  for (const auto& u : undone) ids.push_back(u.task.id);
  return ids;
}

TEST_P(UndeleteTest, RestoresExactlyTheTasksDeletedInTheWindow) {
  const Story s = Tell();

  auto undone = service_->Undelete(Operator(), "u", At("12:00"), At("13:00"), false);

  ASSERT_TRUE(undone.ok()) << undone.error().message;
  EXPECT_EQ(Ids(*undone),
            (std::vector<std::int64_t>{s.in_a, s.in_b, s.again_in_window, s.redeleted}));
  EXPECT_EQ(undone->front().deleted_at, At("12:05"));
  EXPECT_EQ(undone->back().deleted_at, At("12:40"));
  for (const auto& u : *undone) EXPECT_FALSE(u.task.deleted);
  EXPECT_FALSE(IsDeleted(s.in_a));
  EXPECT_FALSE(IsDeleted(s.in_b));
  EXPECT_FALSE(IsDeleted(s.redeleted));
  EXPECT_FALSE(IsDeleted(s.again_in_window));
  EXPECT_TRUE(IsDeleted(s.before_window)) << "deleted before the window";
  EXPECT_TRUE(IsDeleted(s.deleted_after)) << "deleted again after the window";
  EXPECT_FALSE(IsDeleted(s.restored_later));
  EXPECT_TRUE(service_->Get("other", s.other_user)->deleted) << "another user's";
  EXPECT_TRUE(AggregatesExact());
  // Only the deliberate deletion after the window is still missing.
  Restore(s.deleted_after);
  EXPECT_EQ(Numbers(), s.numbers_before);
}

TEST_P(UndeleteTest, TheNumbersReturnToTheirValuesBeforeTheDeletions) {
  using model::Priority;
  using model::TaskStatus;
  std::vector<std::int64_t> ids = {
      Make("u", "done urgent", TaskStatus::kDone, Priority::kUrgent),
      Make("u", "done low", TaskStatus::kDone, Priority::kLow),
      Make("u", "todo high", TaskStatus::kTodo, Priority::kHigh),
      Make("u", "in progress", TaskStatus::kInProgress, Priority::kMedium),
      Make("u", "cancelled", TaskStatus::kCancelled, Priority::kLow)};
  const std::string before = Numbers();  // cached
  auto rate_before = stats_->Stat("u", "completion_rate");
  auto score_before = stats_->Stat("u", "productivity_score");
  ASSERT_TRUE(rate_before.ok() && score_before.ok());
  clock_.Set(At("12:05"));
  Delete(ids[0]);
  Delete(ids[2]);
  Delete(ids[4]);
  clock_.Set(At("14:00"));
  const std::string deleted = Numbers();  // cached
  ASSERT_NE(deleted, before);
  ASSERT_NE(stats_->Stat("u", "completion_rate")->json, rate_before->json);

  auto undone = service_->Undelete(Operator(), "u", At("12:00"), At("13:00"), false);

  ASSERT_TRUE(undone.ok()) << undone.error().message;
  EXPECT_EQ(undone->size(), 3u);
  EXPECT_EQ(Numbers(), before);
  auto rate = stats_->Stat("u", "completion_rate");
  auto score = stats_->Stat("u", "productivity_score");
  ASSERT_TRUE(rate.ok() && score.ok());
  EXPECT_EQ(WithoutAsOf(rate->json), WithoutAsOf(rate_before->json));
  EXPECT_EQ(WithoutAsOf(score->json), WithoutAsOf(score_before->json));
  EXPECT_TRUE(AggregatesExact());
}

TEST_P(UndeleteTest, EachRestoreHasAnAuditRowOfTheRun) {
  const Story s = Tell();
  const std::size_t restores_before = Audit("RESTORE").size();

  auto undone = service_->Undelete(Operator(), "u", At("12:00"), At("13:00"), false);

  ASSERT_TRUE(undone.ok()) << undone.error().message;
  std::vector<storage::AuditEntry> restores = Audit("RESTORE");
  ASSERT_EQ(restores.size(), restores_before + 4);
  std::set<std::string> audited;
  for (std::size_t i = 0; i < 4; ++i) {
    const storage::AuditEntry& e = restores[i];
    audited.insert(e.entity_id);
    EXPECT_EQ(e.actor, "cli:tester");
    EXPECT_EQ(e.request_id, "undelete-run-1");
    EXPECT_EQ(e.user_id, "u");
    EXPECT_EQ(e.timestamp, At("14:00"));
    ASSERT_TRUE(e.before && e.after);
    EXPECT_NE(e.before->find("\"deleted\":true"), std::string::npos) << *e.before;
    EXPECT_NE(e.after->find("\"deleted\":false"), std::string::npos) << *e.after;
  }
  EXPECT_EQ(audited, (std::set<std::string>{std::to_string(s.in_a), std::to_string(s.in_b),
                                            std::to_string(s.again_in_window),
                                            std::to_string(s.redeleted)}));

  auto again = service_->Undelete(Operator(), "u", At("12:00"), At("13:00"), false);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty()) << "a second run finds nothing left to undo";
  EXPECT_EQ(Audit("RESTORE").size(), restores_before + 4);
}

TEST_P(UndeleteTest, AFailurePartWayRestoresNothingAndAuditsNothing) {
  const Story s = Tell();
  const std::string numbers_deleted = Numbers();
  const std::size_t audit_rows = Audit("").size();
  // The second task's RESTORE audit row fails, after the first task's row
  // and audit row were written in the same transaction.
  const std::string victim = std::to_string(s.in_b);
  if (GetParam() == test::Backend::kSqliteMemory) {
    Exec(
        "CREATE TRIGGER fail_restore BEFORE INSERT ON audit_log WHEN NEW.action = 'RESTORE' "
        "AND NEW.entity_id = '" +
        victim + "' BEGIN SELECT RAISE(ABORT, 'injected'); END");
  } else {
    Exec(
        "CREATE FUNCTION fail_restore() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN "
        "IF NEW.action = 'RESTORE' AND NEW.entity_id = '" +
        victim + "' THEN RAISE EXCEPTION 'injected'; END IF; RETURN NEW; END $f$");
    Exec(
        "CREATE TRIGGER fail_restore BEFORE INSERT ON audit_log FOR EACH ROW "
        "EXECUTE FUNCTION fail_restore()");
  }

  auto failed = service_->Undelete(Operator(), "u", At("12:00"), At("13:00"), false);

  ASSERT_FALSE(failed.ok());
  EXPECT_TRUE(IsDeleted(s.in_a)) << "the first restore rolled back with the second";
  EXPECT_TRUE(IsDeleted(s.in_b));
  EXPECT_TRUE(IsDeleted(s.redeleted));
  EXPECT_EQ(Audit("").size(), audit_rows) << "no audit row of the failed run";
  EXPECT_EQ(Numbers(), numbers_deleted);
  EXPECT_TRUE(AggregatesExact());

  Exec(GetParam() == test::Backend::kSqliteMemory ? "DROP TRIGGER fail_restore"
                                                  : "DROP TRIGGER fail_restore ON audit_log");
  auto retried = service_->Undelete(Operator(), "u", At("12:00"), At("13:00"), false);
  ASSERT_TRUE(retried.ok()) << retried.error().message;
  EXPECT_EQ(retried->size(), 4u);
  EXPECT_FALSE(IsDeleted(s.in_a));
  EXPECT_NE(Numbers(), numbers_deleted);
  EXPECT_TRUE(AggregatesExact());
}

TEST_P(UndeleteTest, ADryRunListsTheSameTasksAndChangesNothing) {
  const Story s = Tell();
  const std::string numbers_deleted = Numbers();
  const std::size_t audit_rows = Audit("").size();

  auto listed = service_->Undelete(Operator(), "u", At("12:00"), At("13:00"), true);

  ASSERT_TRUE(listed.ok()) << listed.error().message;
  EXPECT_EQ(Ids(*listed),
            (std::vector<std::int64_t>{s.in_a, s.in_b, s.again_in_window, s.redeleted}));
  for (const auto& u : *listed) EXPECT_TRUE(u.task.deleted);
  EXPECT_TRUE(IsDeleted(s.in_a));
  EXPECT_EQ(Audit("").size(), audit_rows);
  EXPECT_EQ(Numbers(), numbers_deleted);
}

TEST_P(UndeleteTest, BadWindowAndUnknownUserAreErrors) {
  Tell();

  auto empty_window = service_->Undelete(Operator(), "u", At("13:00"), At("13:00"), false);
  auto nobody = service_->Undelete(Operator(), "nobody", At("12:00"), At("13:00"), false);
  auto nobody_dry = service_->Undelete(Operator(), "nobody", At("12:00"), At("13:00"), true);
  auto nothing = service_->Undelete(Operator(), "u", At("08:00"), At("09:00"), false);

  ASSERT_FALSE(empty_window.ok());
  EXPECT_EQ(empty_window.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(empty_window.error().field, "until");
  ASSERT_FALSE(nobody.ok());
  EXPECT_EQ(nobody.error().code, ErrorCode::kNotFound);
  ASSERT_FALSE(nobody_dry.ok());
  EXPECT_EQ(nobody_dry.error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(nothing.ok());
  EXPECT_TRUE(nothing->empty());
}

TEST_P(UndeleteTest, AuditListFiltersByActionUserAndSince) {
  const Story s = Tell();

  auto rows = storage::ReadValue(*db_, [&](storage::Transaction& tx) -> Result<bool> {
    storage::AuditRepository audit(tx);
    auto deletes_u = audit.List("DELETE", "u", At("12:00"), 100);
    auto other = audit.List("", "other", Time{}, 100);
    auto since = audit.List("", "", At("13:00"), 100);
    auto limited = audit.List("", "", Time{}, 2);
    if (!deletes_u.ok() || !other.ok() || !since.ok() || !limited.ok()) return Internal("list");
    // 12:05 five, 12:30, 12:40 and 13:30 one each; newest first.
    EXPECT_EQ(deletes_u->size(), 8u);
    for (const auto& e : *deletes_u) EXPECT_EQ(e.action, "DELETE");
    EXPECT_TRUE(std::is_sorted(deletes_u->begin(), deletes_u->end(),
                               [](const auto& a, const auto& b) { return a.id > b.id; }));
    EXPECT_EQ(other->size(), 2u);  // CREATE, DELETE
    for (const auto& e : *other) EXPECT_EQ(e.user_id, "other");
    EXPECT_EQ(since->size(), 1u);
    EXPECT_EQ(since->front().entity_id, std::to_string(s.deleted_after));
    EXPECT_EQ(limited->size(), 2u);
    return true;
  });
  ASSERT_TRUE(rows.ok()) << rows.error().message;
}

INSTANTIATE_TEST_SUITE_P(AllBackends, UndeleteTest, ::testing::ValuesIn(test::ConfiguredBackends()),
                         test::BackendParamName);

}  // namespace
}  // namespace analytics::tasks
