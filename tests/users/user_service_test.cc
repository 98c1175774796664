// UserService::Authenticate's token cache on every backend: a cached token
// needs no database read, a rotation refuses the old token at once on the
// same instance and within a refresh period on another process sharing the
// database, whatever the cache, and drops no other user's entries; unknown
// tokens are remembered briefly; an unreadable rotation log sends every
// lookup to the database.
#include "users/user_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/open_database.h"
#include "support/backends.h"
#include "support/temp_dir.h"
#include "users/token.h"

namespace analytics::users {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using SteadyClock = std::chrono::steady_clock;

// Far longer than the ~150 ms a revocation takes to be seen, for slow CI.
constexpr milliseconds kDeadline{3000};

// Polls `done` until it holds or kDeadline passes; returns how long it took.
std::optional<milliseconds> WaitFor(const std::function<bool()>& done) {
  const auto start = SteadyClock::now();
  while (SteadyClock::now() - start < kDeadline) {
    if (done()) {
      return std::chrono::duration_cast<milliseconds>(SteadyClock::now() - start);
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  return std::nullopt;
}

// Another database, except that the token rotation log can be made
// unreadable (as when a read of it times out), while every other statement
// still runs.
class LogSwitchDatabase final : public storage::Database {
 public:
  explicit LogSwitchDatabase(storage::Database& inner) : inner_(inner) {}

  std::atomic<bool> log_down{false};

  Result<void> InTransaction(const storage::Work& work) override {
    return inner_.InTransaction(Wrap(work));
  }
  Result<void> Read(const storage::Work& work) override { return inner_.Read(Wrap(work)); }
  Result<void> ReadStatement(const storage::Work& work) override {
    return inner_.ReadStatement(Wrap(work));
  }
  Result<void> WriteStatement(const storage::Work& work) override {
    return inner_.WriteStatement(Wrap(work));
  }
  Result<void> ExecuteOutsideTransaction(std::string_view sql) override {
    return inner_.ExecuteOutsideTransaction(sql);
  }
  Result<void> Ping() override { return inner_.Ping(); }
  storage::PoolStats pool_stats() const override { return inner_.pool_stats(); }
  const storage::Dialect& dialect() const override { return inner_.dialect(); }
  std::string description() const override { return inner_.description(); }

 private:
  class Tx final : public storage::Transaction {
   public:
    Tx(storage::Transaction& inner, const std::atomic<bool>& log_down)
        : inner_(inner), log_down_(log_down) {}
    Result<std::vector<storage::Row>> Query(std::string_view sql,
                                            const storage::Params& params) override {
      if (log_down_.load() && sql.find("token_revocation") != std::string_view::npos) {
        return Unavailable("the rotation log is unreadable (test)");
      }
      return inner_.Query(sql, params);
    }
    Result<std::int64_t> Execute(std::string_view sql, const storage::Params& params) override {
      return inner_.Execute(sql, params);
    }
    Result<void> ForEach(std::string_view sql, const storage::Params& params,
                         const std::function<bool(const storage::Row&)>& row_fn) override {
      return inner_.ForEach(sql, params, row_fn);
    }
    Result<void> ExecuteScript(std::string_view sql) override { return inner_.ExecuteScript(sql); }
    storage::WritePath& write_path() override { return inner_.write_path(); }

   private:
    storage::Transaction& inner_;
    const std::atomic<bool>& log_down_;
  };

  storage::Work Wrap(const storage::Work& work) {
    return [this, &work](storage::Transaction& tx) {
      Tx wrapped(tx, log_down);
      return work(wrapped);
    };
  }

  storage::Database& inner_;
};

class UserServiceTest : public ::testing::TestWithParam<test::Backend> {
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
  }

  // One server instance (or CLI process) on the shared database.
  std::unique_ptr<UserService> Service() { return Service(*db_); }
  std::unique_ptr<UserService> Service(storage::Database& db, TokenCacheOptions options = {}) {
    return std::make_unique<UserService>(db, clock_, "the-admin-token", options);
  }

  // Changes the stored hash behind the service's back.
  void SetTokenHash(const std::string& user_id, const std::string& hash) {
    auto done = db_->InTransaction([&](storage::Transaction& tx) -> Result<void> {
      auto changed = tx.Execute("UPDATE users SET token_hash = $1 WHERE id = $2", {hash, user_id});
      if (!changed.ok()) return changed.error();
      EXPECT_EQ(*changed, 1);
      return Ok();
    });
    ASSERT_TRUE(done.ok()) << done.error().message;
  }

  static bool Refused(const Result<model::Caller>& caller) {
    return !caller.ok() && caller.error().code == ErrorCode::kUnauthenticated;
  }

  static bool Is(const Result<model::Caller>& caller, const std::string& user_id) {
    return caller.ok() && !caller->is_admin && caller->user_id == user_id;
  }

  test::TempDir dir_;
  FakeClock clock_{Time{} + std::chrono::hours(24 * 20'000)};
  std::unique_ptr<test::BackendLease> lease_;
  std::unique_ptr<storage::Database> db_;
};

TEST_P(UserServiceTest, CachedTokenIsAnsweredWithoutTheDatabaseUntilMaxAge) {
  auto users = Service();
  auto issued = users->Create("u1");
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  ASSERT_TRUE(Is(users->Authenticate(issued->token), "u1"));

  // The database no longer knows the token: only the cache can answer.
  SetTokenHash("u1", HashToken("at_some-other-token"));

  EXPECT_TRUE(Is(users->Authenticate(issued->token), "u1"));
  EXPECT_TRUE(Refused(Service()->Authenticate(issued->token)));  // no entry: database
  clock_.Advance(seconds(299));
  EXPECT_TRUE(Is(users->Authenticate(issued->token), "u1"));
  clock_.Advance(seconds(1));
  EXPECT_TRUE(Refused(users->Authenticate(issued->token)));
}

TEST_P(UserServiceTest, CachedCallerAnswersOnlyFromTheCache) {
  auto users = Service();
  auto issued = users->Create("u1");
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(users->CachedCaller(issued->token), std::nullopt);  // never authenticated here

  ASSERT_TRUE(Is(users->Authenticate(issued->token), "u1"));

  auto cached = users->CachedCaller(issued->token);
  ASSERT_TRUE(cached.has_value());
  EXPECT_EQ(cached->user_id, "u1");
  EXPECT_TRUE(users->CachedCaller("the-admin-token")->is_admin);
  EXPECT_EQ(users->CachedCaller("at_unknown"), std::nullopt);
  EXPECT_EQ(users->CachedCaller(""), std::nullopt);
  ASSERT_TRUE(users->RotateToken("u1").ok());
  EXPECT_EQ(users->CachedCaller(issued->token), std::nullopt);
}

TEST_P(UserServiceTest, AdminTokenStillWorks) {
  auto users = Service();

  auto caller = users->Authenticate("the-admin-token");

  ASSERT_TRUE(caller.ok());
  EXPECT_TRUE(caller->is_admin);
  EXPECT_TRUE(Refused(users->Authenticate("")));
}

TEST_P(UserServiceTest, RotationRefusesTheOldTokenAtOnceOnTheSameInstance) {
  auto users = Service();
  auto issued = users->Create("u1");
  ASSERT_TRUE(issued.ok());
  ASSERT_TRUE(Is(users->Authenticate(issued->token), "u1"));
  ASSERT_TRUE(Is(users->Authenticate(issued->token), "u1"));  // cached by now

  auto rotated = users->RotateToken("u1");

  ASSERT_TRUE(rotated.ok()) << rotated.error().message;
  EXPECT_TRUE(Refused(users->Authenticate(issued->token)));
  EXPECT_TRUE(Is(users->Authenticate(rotated->token), "u1"));
}

TEST_P(UserServiceTest, RotationOnAnotherInstanceIsSeenWithinARefreshPeriod) {
  auto here = Service();
  auto elsewhere = Service();
  auto u1 = elsewhere->Create("u1");
  auto u2 = elsewhere->Create("u2");
  ASSERT_TRUE(u1.ok() && u2.ok());
  ASSERT_TRUE(Is(here->Authenticate(u1->token), "u1"));
  ASSERT_TRUE(Is(here->Authenticate(u2->token), "u2"));

  ASSERT_TRUE(elsewhere->RotateToken("u1").ok());
  // Without the rotation log, `here` would answer from its entry for 300 s.
  std::optional<milliseconds> took =
      WaitFor([&] { return Refused(here->Authenticate(u1->token)); });

  ASSERT_TRUE(took.has_value()) << "the old token still works after " << kDeadline.count() << " ms";
  EXPECT_LT(took->count(), 1000);  // ~150 ms at most; generous for loaded machines
  EXPECT_TRUE(Is(here->Authenticate(u2->token), "u2"));
}

// Revocation is per user: another user's cached token stays cached, so one
// user rotating often costs nobody else a database read.
TEST_P(UserServiceTest, RotationDropsOnlyThatUsersCachedTokens) {
  auto here = Service();
  auto elsewhere = Service();
  auto u1 = elsewhere->Create("u1");
  auto u2 = elsewhere->Create("u2");
  ASSERT_TRUE(u1.ok() && u2.ok());
  ASSERT_TRUE(Is(here->Authenticate(u1->token), "u1"));
  ASSERT_TRUE(Is(here->Authenticate(u2->token), "u2"));

  for (int i = 0; i < 5; ++i) ASSERT_TRUE(elsewhere->RotateToken("u1").ok());
  ASSERT_TRUE(WaitFor([&] { return Refused(here->Authenticate(u1->token)); }));

  // Right after the read that saw the rotations: u2 is still answered from memory.
  auto cached = here->CachedCaller(u2->token);
  ASSERT_TRUE(cached.has_value()) << "u2's entry was dropped by u1's rotation";
  EXPECT_EQ(cached->user_id, "u2");
}

// A token that matched nobody is remembered for a minute: a flood of the
// same bad token costs one query. (Tokens are random and issued before use,
// so no real token is ever looked up before it exists; the test cheats.)
TEST_P(UserServiceTest, UnknownTokenIsRememberedForAMinute) {
  auto users = Service();
  ASSERT_TRUE(users->Create("u1").ok());
  const std::string token = "at_not-issued-yet";
  ASSERT_TRUE(Refused(users->Authenticate(token)));

  SetTokenHash("u1", HashToken(token));

  EXPECT_TRUE(Refused(users->Authenticate(token)));  // no query
  clock_.Advance(seconds(60));
  EXPECT_TRUE(Is(users->Authenticate(token), "u1"));
}

// A database that cannot be read commits no rotation for anyone who shares
// the outage: cached tokens go on being answered for the outage grace.
TEST_P(UserServiceTest, CachedTokensAreTrustedForTheOutageGraceWhileTheLogIsUnreadable) {
  LogSwitchDatabase db(*db_);
  TokenCacheOptions options;
  options.outage_grace = seconds(20);
  auto users = Service(db, options);
  auto issued = users->Create("u1");
  ASSERT_TRUE(issued.ok());
  ASSERT_TRUE(Is(users->Authenticate(issued->token), "u1"));

  db.log_down = true;
  std::this_thread::sleep_for(milliseconds(300));  // two refresh periods and more

  EXPECT_TRUE(Is(users->Authenticate(issued->token), "u1"));
  EXPECT_TRUE(users->CachedCaller(issued->token).has_value());
}

TEST_P(UserServiceTest, UnreadableLogSendsEveryLookupToTheDatabase) {
  LogSwitchDatabase db(*db_);
  TokenCacheOptions options;
  options.outage_grace = milliseconds(200);
  auto users = Service(db, options);
  auto issued = users->Create("u1");
  ASSERT_TRUE(issued.ok());
  ASSERT_TRUE(Is(users->Authenticate(issued->token), "u1"));
  const std::string good_hash = HashToken(issued->token);
  const std::string other_hash = HashToken("at_some-other-token");

  db.log_down = true;
  SetTokenHash("u1", other_hash);

  // Within a refresh period the entry is no longer trusted: the database says no.
  EXPECT_TRUE(WaitFor([&] { return Refused(users->Authenticate(issued->token)); }));
  EXPECT_FALSE(users->CachedCaller(issued->token).has_value());
  clock_.Advance(seconds(60));  // past the memory of that unknown token
  SetTokenHash("u1", good_hash);
  EXPECT_TRUE(Is(users->Authenticate(issued->token), "u1"));
  SetTokenHash("u1", other_hash);
  EXPECT_TRUE(Refused(users->Authenticate(issued->token)));  // the answer above was not cached

  // Readable again: answers are cached again.
  db.log_down = false;
  EXPECT_TRUE(WaitFor([&] {
    clock_.Advance(seconds(60));
    SetTokenHash("u1", good_hash);
    if (!Is(users->Authenticate(issued->token), "u1")) return false;
    SetTokenHash("u1", other_hash);
    return Is(users->Authenticate(issued->token), "u1");
  }));
}

// Many threads authenticating while one rotates: a token whose rotation has
// returned is never accepted again on this instance, a stable token always is.
TEST_P(UserServiceTest, ConcurrentAuthenticationAndRotationStayExact) {
  auto users = Service();
  auto u1 = users->Create("u1");
  auto u2 = users->Create("u2");
  ASSERT_TRUE(u1.ok() && u2.ok());

  std::mutex mu;
  std::string current = u1->token;   // guarded by mu
  std::vector<std::string> revoked;  // guarded by mu
  std::atomic<bool> rotating{true};
  std::atomic<int> accepted_revoked{0}, refused_stable{0}, wrong_user{0}, errors{0};

  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; rotating.load() || i < 50; ++i) {
        std::string token;
        std::string old_token;
        {
          std::lock_guard lock(mu);
          token = current;
          if (!revoked.empty()) old_token = revoked[(i + t) % revoked.size()];
        }
        auto now = users->Authenticate(token);
        if (!now.ok() && now.error().code != ErrorCode::kUnauthenticated) ++errors;
        if (now.ok() && now->user_id != "u1") ++wrong_user;
        if (!old_token.empty() && !Refused(users->Authenticate(old_token))) ++accepted_revoked;
        if (!Is(users->Authenticate(u2->token), "u2")) ++refused_stable;
      }
    });
  }
  for (int r = 0; r < 20; ++r) {
    auto rotated = users->RotateToken("u1");
    if (!rotated.ok()) {
      ADD_FAILURE() << rotated.error().message;  // not ASSERT: the threads must be joined
      break;
    }
    std::lock_guard lock(mu);
    revoked.push_back(current);
    current = rotated->token;
  }
  rotating = false;
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(accepted_revoked.load(), 0);
  EXPECT_EQ(refused_stable.load(), 0);
  EXPECT_EQ(wrong_user.load(), 0);
  EXPECT_EQ(errors.load(), 0);
  EXPECT_TRUE(Is(users->Authenticate(current), "u1"));
}

TEST(UserServiceWithoutCache, ReadsTheDatabaseEveryTime) {
  test::TempDir dir;
  config::DatabaseOptions db_options;
  db_options.url = "sqlite:///" + dir.File("users.db");
  auto db = storage::OpenDatabase(db_options);
  ASSERT_TRUE(db.ok()) << db.error().message;
  ASSERT_TRUE(storage::Migrate(**db).ok());
  SystemClock clock;
  UserService users(**db, clock, "");
  auto issued = users.Create("u1");
  ASSERT_TRUE(issued.ok());
  ASSERT_TRUE(users.Authenticate(issued->token).ok());

  ASSERT_TRUE(users.RotateToken("u1").ok());

  EXPECT_FALSE(users.Authenticate(issued->token).ok());
}

INSTANTIATE_TEST_SUITE_P(AllBackends, UserServiceTest,
                         ::testing::ValuesIn(test::ConfiguredBackends()),
                         [](const auto& info) { return test::BackendName(info.param); });

}  // namespace
}  // namespace analytics::users
