// The database going away and coming back, on a private PostgreSQL instance
// (other tests share the main one): calls fail fast with kUnavailable while
// it is down and succeed again without reopening the Database.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "postgres_fixture.h"
#include "support/backends.h"
#include "support/private_postgres.h"
#include "support/temp_dir.h"

namespace analytics::storage {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

using analytics::test::FindServicesScript;
using analytics::test::PrivatePostgres;

Result<void> Insert(Database& db, std::int64_t n) {
  return db.InTransaction([n](Transaction& tx) -> Result<void> {
    auto changed = tx.Execute("INSERT INTO acked (n) VALUES ($1)", {n});
    if (!changed.ok()) return changed.error();
    return Ok();
  });
}

Result<std::int64_t> CountRows(Database& db) {
  std::int64_t count = 0;
  Result<void> read = db.Read([&count](Transaction& tx) -> Result<void> {
    auto rows = tx.Query("SELECT COUNT(*) FROM acked");
    if (!rows.ok()) return rows.error();
    count = (*rows)[0].Int(0);
    return Ok();
  });
  if (!read.ok()) return read.error();
  return count;
}

TEST(PostgresFault, DownFailsFastThenRecoversWithoutReopeningAndKeepsAcknowledgedWrites) {
  ANALYTICS_REQUIRE_POSTGRES();  // the same machines that have the main instance
  ASSERT_NE(FindServicesScript(), "") << "scripts/test-services.sh not found above the test binary";
  PrivatePostgres server;
  ASSERT_EQ(server.Run("start"), 0) << "cannot start a private PostgreSQL";
  config::DatabaseOptions options;
  options.url = server.url();
  options.pool_size = 4;
  auto opened = PostgresDatabase::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  Database& db = **opened;
  ASSERT_TRUE(db.InTransaction([](Transaction& tx) {
                  return tx.ExecuteScript("CREATE TABLE acked (n BIGINT PRIMARY KEY)");
                }).ok());
  for (std::int64_t n = 0; n < 5; ++n) ASSERT_TRUE(Insert(db, n).ok());

  ASSERT_EQ(server.Run("stop"), 0);
  for (int call = 0; call < 5; ++call) {
    const auto start = Clock::now();
    Result<void> written = Insert(db, 100 + call);
    Result<std::int64_t> read = CountRows(db);
    const auto elapsed = Clock::now() - start;

    ASSERT_FALSE(written.ok());
    EXPECT_EQ(written.error().code, ErrorCode::kUnavailable) << written.error().message;
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.error().code, ErrorCode::kUnavailable);
    EXPECT_LT(elapsed, milliseconds(1000)) << "call " << call;
    EXPECT_EQ(db.Ping().error().code, ErrorCode::kUnavailable);
  }

  ASSERT_EQ(server.Run("start"), 0);
  // Within the short "down" window calls still fail fast; then they reconnect.
  Result<std::int64_t> count = Unavailable("not tried");
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!count.ok() && Clock::now() < deadline) {
    count = CountRows(db);
    if (!count.ok()) std::this_thread::sleep_for(milliseconds(50));
  }

  ASSERT_TRUE(count.ok()) << count.error().message;
  EXPECT_EQ(*count, 5);
  EXPECT_TRUE(Insert(db, 5).ok());
  EXPECT_EQ(CountRows(db).value(), 6);
}

}  // namespace
}  // namespace analytics::storage
