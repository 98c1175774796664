#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "storage/database.h"
#include "storage/sqlite/sqlite_database.h"
#include "support/temp_dir.h"

namespace analytics::storage {
namespace {

const std::vector<Migration> kMigrations = {
    // Out of order on purpose: Migrate applies by version.
    {2, "add notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);"},
    {1, "kv", "CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT);\nINSERT INTO kv VALUES ('a', '1');"},
};

std::unique_ptr<SqliteDatabase> Open(const test::TempDir& dir) {
  config::DatabaseOptions options;
  options.pool_timeout = std::chrono::milliseconds(10'000);
  auto db = SqliteDatabase::Open(dir.File("m.db"), options, "sqlite:///m.db");
  EXPECT_TRUE(db.ok()) << db.error().message;
  return std::move(*db);
}

std::vector<Row> Select(Database& db, const std::string& sql) {
  std::vector<Row> rows;
  Result<void> read = db.Read([&](Transaction& tx) -> Result<void> {
    auto result = tx.Query(sql);
    if (!result.ok()) return result.error();
    rows = std::move(*result);
    return Ok();
  });
  EXPECT_TRUE(read.ok()) << read.error().message;
  return rows;
}

TEST(Migrate, AppliesEachMigrationOnceInVersionOrder) {
  test::TempDir dir;
  auto db = Open(dir);

  Result<int> first = Migrate(*db, kMigrations);
  Result<int> second = Migrate(*db, kMigrations);

  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(*first, 2);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(*second, 0);
  auto recorded = Select(*db,
                         "SELECT version, name, applied_at FROM schema_migrations "
                         "ORDER BY version");
  ASSERT_EQ(recorded.size(), 2u);
  EXPECT_EQ(recorded[0].Int(0), 1);
  EXPECT_EQ(recorded[0].Text(1), "kv");
  EXPECT_TRUE(ParseTime(recorded[0].Text(2)).has_value());
  EXPECT_EQ(recorded[1].Int(0), 2);
  EXPECT_EQ(Select(*db, "SELECT COUNT(*) FROM kv").at(0).Int(0), 1);
}

TEST(Migrate, AppliesOnlyMigrationsNotYetRecorded) {
  test::TempDir dir;
  auto db = Open(dir);
  ASSERT_TRUE(Migrate(*db, {kMigrations[1]}).ok());

  Result<int> ran = Migrate(*db, kMigrations);

  ASSERT_TRUE(ran.ok()) << ran.error().message;
  EXPECT_EQ(*ran, 1);
  EXPECT_EQ(Select(*db, "SELECT COUNT(*) FROM notes").at(0).Int(0), 0);
}

TEST(Migrate, FailedMigrationLeavesNothingBehindAndIsNotRecorded) {
  test::TempDir dir;
  auto db = Open(dir);
  const std::vector<Migration> broken = {
      kMigrations[1],
      {2, "broken", "CREATE TABLE half (id INTEGER);\nTHIS IS NOT SQL;"},
  };

  Result<int> ran = Migrate(*db, broken);

  ASSERT_FALSE(ran.ok());
  EXPECT_EQ(ran.error().code, ErrorCode::kInternal);
  EXPECT_EQ(Select(*db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'").at(0).Int(0), 0);
  EXPECT_EQ(Select(*db, "SELECT COUNT(*) FROM schema_migrations").at(0).Int(0), 1);
}

TEST(Migrate, DialectSchemaAppliesOnceOnSqlite) {
  test::TempDir dir;
  auto db = Open(dir);
  const int expected = static_cast<int>(db->dialect().migrations().size());

  Result<int> first = Migrate(*db);
  Result<int> second = Migrate(*db);

  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(*first, expected);
  EXPECT_GT(*first, 0);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(*second, 0);
}

TEST(Migrate, TwoProcessesMigratingAtOnceApplyEachMigrationOnce) {
  test::TempDir dir;
  // Two databases on one file stand in for two processes.
  auto a = Open(dir);
  auto b = Open(dir);
  Result<int> ran_a = 0;
  Result<int> ran_b = 0;

  std::thread ta([&] { ran_a = Migrate(*a, kMigrations); });
  std::thread tb([&] { ran_b = Migrate(*b, kMigrations); });
  ta.join();
  tb.join();

  ASSERT_TRUE(ran_a.ok()) << ran_a.error().message;
  ASSERT_TRUE(ran_b.ok()) << ran_b.error().message;
  EXPECT_EQ(*ran_a + *ran_b, 2);
  EXPECT_EQ(Select(*a, "SELECT COUNT(*) FROM schema_migrations").at(0).Int(0), 2);
  EXPECT_EQ(Select(*a, "SELECT COUNT(*) FROM kv").at(0).Int(0), 1);
}

}  // namespace
}  // namespace analytics::storage
