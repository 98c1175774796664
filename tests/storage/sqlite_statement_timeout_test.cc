// database.statement_timeout_ms on SQLite: a runaway statement fails as
// kUnavailable within about the timeout and leaves its connection usable;
// Dialect::LiftStatementTimeout lifts it for the rest of one transaction.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "config/config.h"
#include "storage/sqlite/sqlite_database.h"
#include "support/temp_dir.h"

namespace analytics::storage {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Counts to `n` one row at a time: about a second per few million rows.
std::string CountTo(long long n) {
  return "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < " +
         std::to_string(n) + ") SELECT count(*) FROM c";
}

const std::string kRunaway = CountTo(1'000'000'000);

class SqliteStatementTimeout : public testing::Test {
 protected:
  void SetUp() override {
    config::DatabaseOptions options;
    options.pool_size = 1;  // every Read uses the same reader connection
    options.statement_timeout = milliseconds(200);
    auto db = SqliteDatabase::Open(dir_.File("t.db"), options, "sqlite:///t.db");
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(*db);
  }

  Result<void> Run(bool in_write, const std::string& sql, bool lift = false) {
    auto work = [&](Transaction& tx) -> Result<void> {
      if (lift) {
        auto lifted = tx.Execute(db_->dialect().LiftStatementTimeout());
        if (!lifted.ok()) return lifted.error();
      }
      auto rows = tx.Query(sql);
      if (!rows.ok()) return rows.error();
      return Ok();
    };
    return in_write ? db_->InTransaction(work) : db_->Read(work);
  }

  test::TempDir dir_;
  std::unique_ptr<SqliteDatabase> db_;
};

TEST_F(SqliteStatementTimeout, RunawayReadFailsAsUnavailableAndTheConnectionStaysUsable) {
  const auto start = steady_clock::now();
  Result<void> runaway = Run(false, kRunaway);
  const auto elapsed = steady_clock::now() - start;

  ASSERT_FALSE(runaway.ok());
  EXPECT_EQ(runaway.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(runaway.error().message.find("statement timeout"), std::string::npos)
      << runaway.error().message;
  EXPECT_GE(elapsed, milliseconds(180));
  EXPECT_LT(elapsed, milliseconds(1500));
  Result<void> after = Run(false, "SELECT 1");
  EXPECT_TRUE(after.ok()) << after.error().message;
}

TEST_F(SqliteStatementTimeout, RunawayWriteTransactionFailsAndTheWriterStaysUsable) {
  Result<void> runaway = Run(true, kRunaway);

  ASSERT_FALSE(runaway.ok());
  EXPECT_EQ(runaway.error().code, ErrorCode::kUnavailable);
  Result<void> after = db_->InTransaction([](Transaction& tx) -> Result<void> {
    auto created = tx.Execute("CREATE TABLE t (x INTEGER)");
    if (!created.ok()) return created.error();
    return Ok();
  });
  EXPECT_TRUE(after.ok()) << after.error().message;
}

TEST_F(SqliteStatementTimeout, LiftLastsForItsTransactionOnly) {
  const std::string slow = CountTo(5'000'000);  // well past 200 ms, well under 10 s

  Result<void> timed = Run(true, slow);
  Result<void> lifted = Run(true, slow, /*lift=*/true);
  Result<void> timed_again = Run(true, slow);

  EXPECT_FALSE(timed.ok());
  EXPECT_TRUE(lifted.ok()) << lifted.error().message;
  EXPECT_FALSE(timed_again.ok());
}

TEST_F(SqliteStatementTimeout, MaintenanceOutsideATransactionIsNotTimed) {
  Result<void> vacuum = db_->ExecuteOutsideTransaction("VACUUM");

  EXPECT_TRUE(vacuum.ok()) << vacuum.error().message;
}

}  // namespace
}  // namespace analytics::storage
