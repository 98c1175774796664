// TimedDatabase: every statement, in or out of a transaction, is observed in
// analytics_db_query_duration_seconds{operation}, and answers as the backend does.
#include "app/timed_database.h"

#include <gtest/gtest.h>

#include "storage/open_database.h"
#include "support/temp_dir.h"

namespace analytics::app {
namespace {

using storage::Transaction;

// The count of one operation's histogram in the exposition (0 if absent).
double QueriesOf(const metrics::Metrics& metrics, const std::string& operation) {
  std::string text = metrics.Render();
  std::string series =
      "analytics_db_query_duration_seconds_count{operation=\"" + operation + "\"} ";
  auto at = text.find(series);
  return at == std::string::npos ? 0 : std::stod(text.substr(at + series.size()));
}

TEST(QueryOperation, IsTheFirstKeywordOrOther) {
  EXPECT_EQ(QueryOperation("SELECT 1"), "select");
  EXPECT_EQ(QueryOperation("  \n insert INTO t VALUES (1)"), "insert");
  EXPECT_EQ(QueryOperation("Update t SET a = 1"), "update");
  EXPECT_EQ(QueryOperation("DELETE FROM t"), "delete");
  EXPECT_EQ(QueryOperation("WITH x AS (SELECT 1) SELECT * FROM x"), "with");
  EXPECT_EQ(QueryOperation("VACUUM"), "other");
  EXPECT_EQ(QueryOperation("SELECTED"), "other");
  EXPECT_EQ(QueryOperation(""), "other");
}

TEST(TimedDatabase, ObservesEveryStatementByOperation) {
  test::TempDir dir;
  config::DatabaseOptions options;
  options.url = "sqlite:///" + dir.File("timed.db");
  auto opened = storage::OpenDatabase(options);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  metrics::Metrics metrics;
  TimedDatabase db(std::move(*opened), metrics);

  auto wrote = db.InTransaction([](Transaction& tx) -> Result<void> {
    ANALYTICS_RETURN_IF_ERROR(tx.ExecuteScript("CREATE TABLE t (a INTEGER)"));
    auto inserted = tx.Execute("INSERT INTO t (a) VALUES ($1)", {std::int64_t{7}});
    if (!inserted.ok()) return inserted.error();
    EXPECT_EQ(*inserted, 1);
    return Ok();
  });
  ASSERT_TRUE(wrote.ok()) << wrote.error().message;
  std::int64_t seen = 0;
  auto read = db.Read([&](Transaction& tx) -> Result<void> {
    auto rows = tx.Query("SELECT a FROM t");
    if (!rows.ok()) return rows.error();
    seen = rows->front().Int(0);
    return tx.ForEach("SELECT a FROM t", {}, [](const storage::Row&) { return true; });
  });
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_TRUE(db.ExecuteOutsideTransaction("VACUUM").ok());

  EXPECT_EQ(seen, 7);
  EXPECT_EQ(QueriesOf(metrics, "script"), 1);
  EXPECT_EQ(QueriesOf(metrics, "insert"), 1);
  EXPECT_EQ(QueriesOf(metrics, "select"), 2);
  EXPECT_EQ(QueriesOf(metrics, "other"), 1);
  EXPECT_EQ(db.dialect().name(), "sqlite");
}

}  // namespace
}  // namespace analytics::app
