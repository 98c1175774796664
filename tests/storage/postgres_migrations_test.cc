// The PostgreSQL schema: it mirrors SQLite's, migrates once (also from two
// processes at once), and the runbook's commands work on it.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "postgres_fixture.h"
#include "storage/sqlite/sqlite_database.h"
#include "support/temp_dir.h"

namespace analytics::storage {
namespace {

using TableColumns = std::set<std::pair<std::string, std::string>>;

class PostgresMigrationsTest : public test::PostgresTest {
 protected:
  void SetUp() override {
    PostgresTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    db_ = &Open();
  }

  PostgresDatabase* db_ = nullptr;
};

TEST_F(PostgresMigrationsTest, MigrateTwiceIsANoOp) {
  Result<int> first = Migrate(*db_);
  Result<int> second = Migrate(*db_);

  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(*first, static_cast<int>(PostgresMigrations().size()));
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(*second, 0);
  auto recorded =
      Select(*db_, "SELECT version, applied_at FROM schema_migrations ORDER BY version");
  ASSERT_EQ(recorded.size(), PostgresMigrations().size());
  EXPECT_EQ(recorded[0].Int(0), 1);
  EXPECT_TRUE(ParseTime(recorded[0].Text(1)).has_value());
}

TEST_F(PostgresMigrationsTest, TwoProcessesMigratingAtOnceBothSucceedAndApplyEachOnce) {
  PostgresDatabase& other = Open();
  Result<int> a = 0;
  Result<int> b = 0;

  std::thread first([&] { a = Migrate(*db_); });
  std::thread second([&] { b = Migrate(other); });
  first.join();
  second.join();

  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(*a + *b, static_cast<int>(PostgresMigrations().size()));
  EXPECT_EQ(Select(*db_, "SELECT COUNT(*) FROM schema_migrations").at(0).Int(0),
            static_cast<std::int64_t>(PostgresMigrations().size()));
}

TEST_F(PostgresMigrationsTest, SchemaHasTheSqliteTablesAndColumns) {
  ASSERT_TRUE(Migrate(*db_).ok());
  analytics::test::TempDir dir;
  auto sqlite = SqliteDatabase::Open(dir.File("s.db"), config::DatabaseOptions{}, "sqlite");
  ASSERT_TRUE(sqlite.ok());
  ASSERT_TRUE(Migrate(**sqlite).ok());

  TableColumns sqlite_columns;
  for (const Row& row :
       Select(**sqlite,
              "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p "
              "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'")) {
    sqlite_columns.emplace(row.Text(0), row.Text(1));
  }
  TableColumns postgres_columns;
  for (const Row& row : Select(*db_,
                               "SELECT c.relname, a.attname FROM pg_class c "
                               "JOIN pg_attribute a ON a.attrelid = c.oid "
                               "WHERE c.relnamespace = current_schema()::regnamespace "
                               "AND c.relkind IN ('r', 'm') AND a.attnum > 0 "
                               "AND NOT a.attisdropped")) {
    postgres_columns.emplace(row.Text(0), row.Text(1));
  }
  auto views = Select(*db_,
                      "SELECT matviewname FROM pg_matviews "
                      "WHERE schemaname = current_schema() ORDER BY matviewname");

  EXPECT_EQ(postgres_columns, sqlite_columns);
  ASSERT_EQ(views.size(), 4u);
  EXPECT_EQ(views[0].Text(0), "user_monthly_trends");
  EXPECT_EQ(views[1].Text(0), "user_priority_distribution");
  EXPECT_EQ(views[2].Text(0), "user_status_distribution");
  EXPECT_EQ(views[3].Text(0), "user_task_stats");
}

TEST_F(PostgresMigrationsTest, HasTheRunbooksPartialIndex) {
  ASSERT_TRUE(Migrate(*db_).ok());

  auto rows = Select(*db_,
                     "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                     "AND indexname = 'idx_tasks_user_status'");

  ASSERT_EQ(rows.size(), 1u);
  EXPECT_NE(rows[0].Text(0).find("(user_id, status) WHERE (deleted = false)"), std::string::npos)
      << rows[0].Text(0);
}

// Users u0..u199 with 100 tasks each, statuses and priorities spread, some
// deleted, some overdue; then ANALYZE, as after a day of traffic.
Result<void> Seed(Database& db) {
  return db.InTransaction([](Transaction& tx) {
    return tx.ExecuteScript(R"sql(
INSERT INTO users (id, created_at, token_hash, token_rotated_at)
  SELECT 'u' || u, '2024-01-01Z', 'hash' || u, '2024-01-01Z' FROM generate_series(0, 199) u;
INSERT INTO user_aggregates (user_id) SELECT id FROM users;
INSERT INTO tasks (user_id, title, status, priority, due_at, created_at, updated_at,
                   completed_at, deleted)
  SELECT 'u' || (i % 200), 'task ' || i,
         (ARRAY['todo', 'in_progress', 'done', 'cancelled'])[1 + (i / 200) % 4],
         (ARRAY['low', 'medium', 'high', 'urgent'])[1 + (i / 800) % 4],
         CASE WHEN i % 3 = 0 THEN TIMESTAMPTZ '2024-02-01Z' END,
         TIMESTAMPTZ '2024-01-01Z' + (i % 60) * INTERVAL '1 day',
         TIMESTAMPTZ '2024-03-01Z',
         CASE WHEN (i / 200) % 4 = 2 THEN TIMESTAMPTZ '2024-01-20Z' + (i % 30) * INTERVAL '1 day' END,
         i % 10 = 0
  FROM generate_series(0, 19999) i;
)sql");
  });
}

TEST_F(PostgresMigrationsTest, RunbookRefreshMaterializedViewConcurrentlyWorksWithData) {
  ASSERT_TRUE(Migrate(*db_).ok());
  ASSERT_TRUE(Seed(*db_).ok());

  for (const char* view : {"user_task_stats", "user_priority_distribution",
                           "user_status_distribution", "user_monthly_trends"}) {
    Result<void> refreshed = db_->ExecuteOutsideTransaction(
        std::string("REFRESH MATERIALIZED VIEW CONCURRENTLY ") + view);
    EXPECT_TRUE(refreshed.ok()) << view << ": " << refreshed.error().message;
  }
  // The dialect's refresh_views statements are the same commands.
  for (const std::string& statement : db_->dialect().RefreshViews().statements) {
    EXPECT_TRUE(db_->ExecuteOutsideTransaction(statement).ok()) << statement;
  }

  auto stats = Select(*db_,
                      "SELECT total_tasks, todo, in_progress, done, cancelled, completion_rate "
                      "FROM user_task_stats WHERE user_id = 'u1'");
  auto expected = Select(*db_,
                         "SELECT COUNT(*), COUNT(*) FILTER (WHERE status = 'done'), "
                         "COUNT(*) FILTER (WHERE status <> 'cancelled') FROM tasks "
                         "WHERE user_id = 'u1' AND deleted = FALSE");
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].Int(0), expected[0].Int(0));
  EXPECT_EQ(stats[0].Int(0), stats[0].Int(1) + stats[0].Int(2) + stats[0].Int(3) + stats[0].Int(4));
  EXPECT_DOUBLE_EQ(stats[0].Double(5),
                   std::round(10000.0 * static_cast<double>(expected[0].Int(1)) /
                              static_cast<double>(expected[0].Int(2))) /
                       100.0);
  EXPECT_EQ(Select(*db_, "SELECT SUM(task_count) FROM user_status_distribution").at(0).Int(0),
            18000);
  EXPECT_EQ(Select(*db_, "SELECT SUM(task_count) FROM user_priority_distribution").at(0).Int(0),
            18000);
  auto january = Select(*db_,
                        "SELECT SUM(tasks_created), SUM(tasks_completed) FROM user_monthly_trends "
                        "WHERE month = '2024-01'");
  EXPECT_GT(january.at(0).Int(0), 0);
  EXPECT_GT(january.at(0).Int(1), 0);
}

TEST_F(PostgresMigrationsTest, RunbookExplainOfUserAndStatusUsesAnIndex) {
  ASSERT_TRUE(Migrate(*db_).ok());
  ASSERT_TRUE(Seed(*db_).ok());
  ASSERT_TRUE(db_->ExecuteOutsideTransaction("ANALYZE tasks").ok());

  std::string plan;
  for (const Row& row :
       Select(*db_, "EXPLAIN SELECT * FROM tasks WHERE user_id = 'u7' AND status = 'done'")) {
    plan += row.Text(0) + "\n";
  }

  EXPECT_NE(plan.find("Index"), std::string::npos) << plan;
  EXPECT_NE(plan.find("idx_tasks_user_status_all"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("Seq Scan"), std::string::npos) << plan;
}

TEST_F(PostgresMigrationsTest, MaintenanceStatementsRunOutsideATransaction) {
  ASSERT_TRUE(Migrate(*db_).ok());

  for (const std::string& statement : db_->dialect().MaintenanceStatements()) {
    Result<void> ran = db_->ExecuteOutsideTransaction(statement);
    EXPECT_TRUE(ran.ok()) << statement << ": " << ran.error().message;
  }
}

}  // namespace
}  // namespace analytics::storage
