#include "storage/sqlite/sqlite_database.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "base/time.h"
#include "config/config.h"
#include "storage/open_database.h"
#include "support/temp_dir.h"

namespace analytics::storage {
namespace {

using std::chrono::milliseconds;

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, amount INTEGER,
                    ratio REAL, flag BOOLEAN, at TEXT, note TEXT);
CREATE TABLE IF NOT EXISTS accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL);
)sql";

config::DatabaseOptions Options(int pool_size, milliseconds pool_timeout) {
  config::DatabaseOptions options;
  options.pool_size = pool_size;
  options.pool_timeout = pool_timeout;
  return options;
}

class SqliteDatabaseTest : public testing::Test {
 protected:
  void SetUp() override { db_ = OpenTestDb(Options(4, milliseconds(5000))); }

  std::unique_ptr<SqliteDatabase> OpenTestDb(const config::DatabaseOptions& options) {
    auto db = SqliteDatabase::Open(dir_.File("test.db"), options, "sqlite:///test.db");
    EXPECT_TRUE(db.ok()) << db.error().message;
    Result<void> created =
        (*db)->InTransaction([](Transaction& tx) { return tx.ExecuteScript(kSchema); });
    EXPECT_TRUE(created.ok()) << created.error().message;
    return std::move(*db);
  }

  Result<void> Write(std::string sql, Params params = {}) {
    return db_->InTransaction([&](Transaction& tx) -> Result<void> {
      auto changed = tx.Execute(sql, params);
      if (!changed.ok()) return changed.error();
      return Ok();
    });
  }

  std::vector<Row> ReadRows(std::string sql, Params params = {}) {
    std::vector<Row> rows;
    Result<void> read = db_->Read([&](Transaction& tx) -> Result<void> {
      auto result = tx.Query(sql, params);
      if (!result.ok()) return result.error();
      rows = std::move(*result);
      return Ok();
    });
    EXPECT_TRUE(read.ok()) << read.error().message;
    return rows;
  }

  std::int64_t Count(std::string_view table) {
    return ReadRows("SELECT COUNT(*) FROM " + std::string(table)).at(0).Int(0);
  }

  test::TempDir dir_;
  std::unique_ptr<SqliteDatabase> db_;
};

TEST_F(SqliteDatabaseTest, BindsDollarParametersByNumberWhateverTheirOrder) {
  ASSERT_TRUE(Write("INSERT INTO items (amount, name) VALUES ($2, $1)",
                    {std::string("seven"), std::int64_t{7}})
                  .ok());

  auto rows = ReadRows("SELECT name, amount, $1 + $1 FROM items WHERE amount = $2 AND name = $1",
                       {std::string("seven"), std::int64_t{7}});

  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Text(0), "seven");
  EXPECT_EQ(rows[0].Int(1), 7);
}

TEST_F(SqliteDatabaseTest, RoundTripsEveryValueType) {
  const Time at = ParseTime("2024-02-29T23:59:58.123456Z").value();
  ASSERT_TRUE(
      Write("INSERT INTO items (name, amount, ratio, flag, at, note) "
            "VALUES ($1, $2, $3, $4, $5, $6)",
            {std::string("a'b\"c ü"), std::int64_t{-9'000'000'000'000}, 0.1, true, at, nullptr})
          .ok());

  auto rows = ReadRows("SELECT name, amount, ratio, flag, at, note, x'6869' FROM items");

  ASSERT_EQ(rows.size(), 1u);
  const Row& row = rows[0];
  EXPECT_EQ(std::get<std::string>(row.raw(0)), "a'b\"c ü");
  EXPECT_EQ(std::get<std::int64_t>(row.raw(1)), -9'000'000'000'000);
  EXPECT_EQ(std::get<double>(row.raw(2)), 0.1);
  EXPECT_TRUE(row.Bool(3));
  EXPECT_EQ(std::get<std::string>(row.raw(4)), "2024-02-29T23:59:58.123456Z");
  EXPECT_EQ(row.TimeAt(4), at);
  EXPECT_TRUE(row.IsNull(5));
  EXPECT_EQ(std::get<std::string>(row.raw(6)), "hi");
}

TEST_F(SqliteDatabaseTest, WrongParameterCountIsInternalAndKeepsSqlOutOfTheMessage) {
  const std::string sql = "INSERT INTO items (name, amount) VALUES ($1, $2)";

  Result<void> too_few = Write(sql, {std::string("x")});
  Result<void> too_many = Write(sql, {std::string("x"), std::int64_t{1}, std::int64_t{2}});
  Result<void> question_marks = Write("INSERT INTO items (name) VALUES (?)", {std::string("x")});

  ASSERT_FALSE(too_few.ok());
  EXPECT_EQ(too_few.error().code, ErrorCode::kInternal);
  EXPECT_EQ(too_few.error().message.find(sql), std::string::npos);
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().code, ErrorCode::kInternal);
  ASSERT_FALSE(question_marks.ok());
  EXPECT_EQ(question_marks.error().code, ErrorCode::kInternal);
  EXPECT_EQ(Count("items"), 0);
}

TEST_F(SqliteDatabaseTest, BadSqlIsInternalWithoutTheStatementInTheMessage) {
  const std::string sql = "SELECT no_such_column FROM items WHERE name = 'secret'";

  Result<void> result = db_->Read([&](Transaction& tx) -> Result<void> {
    auto rows = tx.Query(sql);
    if (!rows.ok()) return rows.error();
    return Ok();
  });

  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kInternal);
  EXPECT_EQ(result.error().message.find("secret"), std::string::npos) << result.error().message;
}

TEST_F(SqliteDatabaseTest, TwoStatementsInOneQueryAreRefused) {
  Result<void> result = Write("INSERT INTO items (name) VALUES ('a'); DELETE FROM items");

  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kInternal);
  EXPECT_EQ(Count("items"), 0);
}

TEST_F(SqliteDatabaseTest, CommitsWhenWorkSucceeds) {
  Result<void> result = db_->InTransaction([](Transaction& tx) -> Result<void> {
    for (std::int64_t i = 0; i < 3; ++i) {
      auto changed = tx.Execute("INSERT INTO items (name, amount) VALUES ($1, $2)",
                                {"n" + std::to_string(i), i});
      if (!changed.ok()) return changed.error();
      if (*changed != 1) return Internal("expected one row changed");
    }
    return Ok();
  });

  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(Count("items"), 3);
}

TEST_F(SqliteDatabaseTest, RollsBackAndReturnsTheErrorWhenWorkFails) {
  ASSERT_TRUE(Write("INSERT INTO items (name, amount) VALUES ('kept', 1)").ok());

  Result<void> result = db_->InTransaction([](Transaction& tx) -> Result<void> {
    (void)tx.Execute("INSERT INTO items (name) VALUES ('gone')");
    (void)tx.Execute("UPDATE items SET amount = 99");
    return NotFound("no such thing");
  });

  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(result.error().message, "no such thing");
  auto rows = ReadRows("SELECT name, amount FROM items");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Text(0), "kept");
  EXPECT_EQ(rows[0].Int(1), 1);
}

TEST_F(SqliteDatabaseTest, RollsBackAndReportsInternalWhenWorkThrows) {
  Result<void> result = db_->InTransaction([](Transaction& tx) -> Result<void> {
    (void)tx.Execute("INSERT INTO items (name) VALUES ('gone')");
    throw std::runtime_error("boom");
  });

  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kInternal);
  EXPECT_EQ(Count("items"), 0);
  EXPECT_TRUE(Write("INSERT INTO items (name) VALUES ('after')").ok());
}

TEST_F(SqliteDatabaseTest, UniqueAndPrimaryKeyViolationsAreConflicts) {
  ASSERT_TRUE(Write("INSERT INTO items (id, name) VALUES (1, 'a')").ok());

  Result<void> same_name = Write("INSERT INTO items (id, name) VALUES (2, 'a')");
  Result<void> same_id = Write("INSERT INTO items (id, name) VALUES (1, 'b')");
  Result<void> not_null = Write("INSERT INTO items (id) VALUES (3)");

  ASSERT_FALSE(same_name.ok());
  EXPECT_EQ(same_name.error().code, ErrorCode::kConflict);
  ASSERT_FALSE(same_id.ok());
  EXPECT_EQ(same_id.error().code, ErrorCode::kConflict);
  ASSERT_FALSE(not_null.ok());
  EXPECT_EQ(not_null.error().code, ErrorCode::kInternal);
}

TEST_F(SqliteDatabaseTest, ForEachStreamsRowsAndStopsWhenToldTo) {
  ASSERT_TRUE(db_->InTransaction([](Transaction& tx) {
                   return tx.ExecuteScript(
                       "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                       "WHERE i < 100) INSERT INTO items (name, amount) "
                       "SELECT 'n' || i, i FROM n");
                 })
                  .ok());
  const std::string sql = "SELECT amount FROM items ORDER BY amount";
  std::vector<std::int64_t> seen;

  Result<void> result = db_->Read([&](Transaction& tx) {
    return tx.ForEach(sql, {}, [&seen](const Row& row) {
      seen.push_back(row.Int(0));
      return seen.size() < 10;
    });
  });

  ASSERT_TRUE(result.ok());
  ASSERT_EQ(seen.size(), 10u);
  EXPECT_EQ(seen.front(), 1);
  EXPECT_EQ(seen.back(), 10);
  // The cached statement was reset: running it again starts from the top.
  auto rows = ReadRows(sql);
  ASSERT_EQ(rows.size(), 100u);
  EXPECT_EQ(rows[0].Int(0), 1);
}

TEST_F(SqliteDatabaseTest, ForEachCallbackMayRunTheSameStatement) {
  ASSERT_TRUE(Write("INSERT INTO items (name, amount) VALUES ('a', 1), ('b', 2)").ok());
  const std::string sql = "SELECT amount FROM items ORDER BY amount";
  std::int64_t inner_rows = 0;
  int outer_rows = 0;

  Result<void> result = db_->Read([&](Transaction& tx) {
    return tx.ForEach(sql, {}, [&](const Row&) {
      ++outer_rows;
      auto rows = tx.Query(sql);
      if (rows.ok()) inner_rows += static_cast<std::int64_t>(rows->size());
      return true;
    });
  });

  ASSERT_TRUE(result.ok());
  EXPECT_EQ(outer_rows, 2);
  EXPECT_EQ(inner_rows, 4);
}

TEST_F(SqliteDatabaseTest, ReadRefusesWrites) {
  Result<void> result = db_->Read([](Transaction& tx) -> Result<void> {
    auto changed = tx.Execute("INSERT INTO items (name) VALUES ('x')");
    if (!changed.ok()) return changed.error();
    return Ok();
  });

  EXPECT_FALSE(result.ok());
  EXPECT_EQ(Count("items"), 0);
}

TEST_F(SqliteDatabaseTest, ReadersSeeOneSnapshotWhileWritersMoveAmounts) {
  ASSERT_TRUE(Write("INSERT INTO accounts (id, balance) VALUES (1, 500), (2, 500)").ok());
  std::atomic<bool> writers_done{false};
  std::atomic<int> inconsistent{0};
  std::atomic<int> failures{0};
  std::atomic<int> reads{0};

  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      for (std::int64_t i = 0; i < 300; ++i) {
        const std::int64_t amount = (i % 7 + 1) * (w == 0 ? 1 : -1);
        Result<void> moved = db_->InTransaction([&](Transaction& tx) -> Result<void> {
          auto a = tx.Execute("UPDATE accounts SET balance = balance - $1 WHERE id = 1", {amount});
          if (!a.ok()) return a.error();
          auto b = tx.Execute("UPDATE accounts SET balance = balance + $1 WHERE id = 2", {amount});
          if (!b.ok()) return b.error();
          return Ok();
        });
        if (!moved.ok()) ++failures;
      }
    });
  }
  std::vector<std::thread> readers;
  for (int r = 0; r < 6; ++r) {  // more readers than the pool: some wait for a connection
    readers.emplace_back([&] {
      for (int n = 0; !writers_done || n < 20; ++n) {
        Result<void> read = db_->Read([&](Transaction& tx) -> Result<void> {
          // Two statements on purpose: only a snapshot keeps them in step.
          auto a = tx.Query("SELECT balance FROM accounts WHERE id = 1");
          if (!a.ok()) return a.error();
          std::this_thread::yield();
          auto b = tx.Query("SELECT balance FROM accounts WHERE id = 2");
          if (!b.ok()) return b.error();
          if ((*a)[0].Int(0) + (*b)[0].Int(0) != 1000) ++inconsistent;
          return Ok();
        });
        if (!read.ok()) ++failures;
        ++reads;
      }
    });
  }
  for (auto& t : writers) t.join();
  writers_done = true;
  for (auto& t : readers) t.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(inconsistent.load(), 0);
  EXPECT_GE(reads.load(), 120);
  auto rows = ReadRows("SELECT SUM(balance) FROM accounts");
  EXPECT_EQ(rows.at(0).Int(0), 1000);
}

TEST_F(SqliteDatabaseTest, ConcurrentWritersAreSerialized) {
  ASSERT_TRUE(Write("INSERT INTO accounts (id, balance) VALUES (1, 0)").ok());

  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this] {
      for (int i = 0; i < 50; ++i) {
        // Read-modify-write: loses updates unless transactions are serialized.
        Result<void> result = db_->InTransaction([](Transaction& tx) -> Result<void> {
          auto rows = tx.Query("SELECT balance FROM accounts WHERE id = 1");
          if (!rows.ok()) return rows.error();
          auto changed =
              tx.Execute("UPDATE accounts SET balance = $1 WHERE id = 1", {(*rows)[0].Int(0) + 1});
          if (!changed.ok()) return changed.error();
          return Ok();
        });
        EXPECT_TRUE(result.ok());
      }
    });
  }
  for (auto& t : threads) t.join();

  EXPECT_EQ(ReadRows("SELECT balance FROM accounts").at(0).Int(0), 200);
}

TEST_F(SqliteDatabaseTest, NestedInTransactionIsAProgrammerError) {
  EXPECT_DEATH((void)db_->InTransaction([this](Transaction&) {
    return db_->InTransaction([](Transaction&) { return Ok(); });
  }),
               "InTransaction called inside InTransaction");
}

TEST_F(SqliteDatabaseTest, WriteLockHeldByAnotherConnectionIsUnavailable) {
  auto other = OpenTestDb(Options(1, milliseconds(50)));

  Result<void> inner = Ok();
  Result<void> outer = db_->InTransaction([&](Transaction&) {
    inner = other->InTransaction([](Transaction&) { return Ok(); });
    return Ok();
  });

  ASSERT_TRUE(outer.ok());
  ASSERT_FALSE(inner.ok());
  EXPECT_EQ(inner.error().code, ErrorCode::kUnavailable);
}

TEST_F(SqliteDatabaseTest, ExhaustedReaderPoolIsUnavailable) {
  db_.reset();
  db_ = OpenTestDb(Options(1, milliseconds(50)));

  Result<void> inner = Ok();
  PoolStats during;
  Result<void> outer = db_->Read([&](Transaction&) {
    during = db_->pool_stats();
    inner = db_->Read([](Transaction&) { return Ok(); });
    return Ok();
  });

  ASSERT_TRUE(outer.ok());
  ASSERT_FALSE(inner.ok());
  EXPECT_EQ(inner.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(during.in_use, 1);
  EXPECT_EQ(during.max, 2);
}

TEST_F(SqliteDatabaseTest, PoolStatsCountWriterAndLazyReaders) {
  PoolStats at_start = db_->pool_stats();
  PoolStats writing;
  ASSERT_TRUE(db_->InTransaction([&](Transaction&) {
                   writing = db_->pool_stats();
                   return Ok();
                 })
                  .ok());
  ASSERT_TRUE(db_->Ping().ok());
  PoolStats after_read = db_->pool_stats();

  EXPECT_EQ(at_start.in_use, 0);
  EXPECT_EQ(at_start.idle, 1);
  EXPECT_EQ(at_start.max, 5);
  EXPECT_EQ(writing.in_use, 1);
  EXPECT_EQ(writing.idle, 0);
  EXPECT_EQ(after_read.in_use, 0);
  EXPECT_EQ(after_read.idle, 2);
}

TEST_F(SqliteDatabaseTest, ExecuteOutsideTransactionRunsVacuum) {
  Result<void> result = db_->ExecuteOutsideTransaction("VACUUM");

  EXPECT_TRUE(result.ok()) << result.error().message;
  EXPECT_TRUE(db_->InTransaction([](Transaction&) { return Ok(); }).ok());
}

TEST_F(SqliteDatabaseTest, DialectDayOfIsTheDayOfAStoredTime) {
  const Time at = ParseTime("2024-01-15T23:59:59.999999Z").value();
  const std::string sql = "SELECT " + db_->dialect().DayOf("$1");

  std::vector<Row> rows = ReadRows(sql, {at});

  EXPECT_EQ(db_->dialect().name(), "sqlite");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Text(0), "2024-01-15");
}

TEST(OpenDatabase, RejectsAnUnknownSchemeNamingDatabaseUrl) {
  config::DatabaseOptions options;
  options.url = "mysql://localhost/analytics";

  auto db = OpenDatabase(options);

  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(db.error().field, "database.url");
}

TEST(OpenDatabase, RejectsASqliteUrlWithAHost) {
  config::DatabaseOptions options;
  options.url = "sqlite://analytics.db";

  auto db = OpenDatabase(options);

  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(db.error().field, "database.url");
}

TEST(OpenDatabase, OpensSqliteCreatingParentFolders) {
  test::TempDir dir;
  config::DatabaseOptions options;
  options.url = "sqlite:///" + dir.path() + "/a/b/analytics.db";  // four slashes: absolute

  auto db = OpenDatabase(options);

  ASSERT_TRUE(db.ok()) << db.error().message;
  EXPECT_TRUE(std::filesystem::exists(dir.File("a/b/analytics.db")));
  EXPECT_EQ((*db)->dialect().name(), "sqlite");
  EXPECT_EQ((*db)->description(), options.url);
  EXPECT_TRUE((*db)->Ping().ok());
}

TEST(OpenDatabase, UnopenableFileIsUnavailable) {
  test::TempDir dir;
  std::filesystem::create_directories(dir.File("taken.db"));  // a folder, not a file
  config::DatabaseOptions options;
  options.url = "sqlite:///" + dir.File("taken.db");

  auto db = OpenDatabase(options);

  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace analytics::storage
