// What only the SQLite backend has: times stored as text, one writer at a
// time (BEGIN IMMEDIATE), lazily opened readers, and OpenDatabase's sqlite://
// URLs. The Database contract both backends keep is database_contract_test.cc.
#include "storage/sqlite/sqlite_database.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "backend_fixture.h"
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

class SqliteDatabaseTest : public testing::Test, public test::StorageHelpers {
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

  Result<void> Write(const std::string& sql, const Params& params = {}) {
    return StorageHelpers::Write(*db_, sql, params);
  }
  std::vector<Row> ReadRows(const std::string& sql, const Params& params = {}) {
    return Select(*db_, sql, params);
  }

  analytics::test::TempDir dir_;
  std::unique_ptr<SqliteDatabase> db_;
};

TEST_F(SqliteDatabaseTest, StoresTimesAsIsoTextAndReadsBlobsAsText) {
  const Time at = ParseTime("2024-02-29T23:59:58.123456Z").value();
  ASSERT_TRUE(Write("INSERT INTO items (name, amount, ratio, at) VALUES ($1, $2, $3, $4)",
                    {std::string("a"), std::int64_t{-9'000'000'000'000}, 0.1, at})
                  .ok());

  auto rows = ReadRows("SELECT name, amount, ratio, at, x'6869' FROM items");

  ASSERT_EQ(rows.size(), 1u);
  const Row& row = rows[0];
  EXPECT_EQ(std::get<std::string>(row.raw(0)), "a");
  EXPECT_EQ(std::get<std::int64_t>(row.raw(1)), -9'000'000'000'000);
  EXPECT_EQ(std::get<double>(row.raw(2)), 0.1);
  // A time is stored as its ISO 8601 text and read back as text.
  EXPECT_EQ(std::get<std::string>(row.raw(3)), "2024-02-29T23:59:58.123456Z");
  EXPECT_EQ(row.TimeAt(3), at);
  EXPECT_EQ(std::get<std::string>(row.raw(4)), "hi");
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
  analytics::test::TempDir dir;
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
  analytics::test::TempDir dir;
  std::filesystem::create_directories(dir.File("taken.db"));  // a folder, not a file
  config::DatabaseOptions options;
  options.url = "sqlite:///" + dir.File("taken.db");

  auto db = OpenDatabase(options);

  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace analytics::storage
