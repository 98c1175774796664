// The fixture of the pgBackRest tests: a real PostgreSQL archiving its WAL
// into a real pgBackRest repository (PrivatePostgres::Archiving::kPgBackRest,
// on loopback), a Config naming both, and SQL helpers.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "backup/pgbackrest.h"
#include "storage/database.h"
#include "storage/open_database.h"
#include "support/private_postgres.h"

namespace analytics::test {

using backup::PgBackRestBackup;
using Archiving = PrivatePostgres::Archiving;

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class PgBackRestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(server_.Run("start"), 0) << "PostgreSQL with pgBackRest archiving did not start";
    config_.database.url = server_.url();
    config_.database.pool_size = 2;
    config_.backup.method = "pgbackrest";
    config_.backup.pgbackrest_config = server_.pgbackrest_config();
  }

  std::unique_ptr<storage::Database> Open() {
    config::DatabaseOptions options = config_.database;
    Result<std::unique_ptr<storage::Database>> db = storage::OpenDatabase(options);
    EXPECT_TRUE(db.ok()) << db.error().message;
    return db.ok() ? std::move(*db) : nullptr;
  }

  // Runs one statement, returns the first column of its rows as text.
  std::vector<std::string> Sql(const std::string& sql) {
    std::unique_ptr<storage::Database> db = Open();
    std::vector<std::string> out;
    if (db == nullptr) return out;
    Result<void> done = db->InTransaction([&](storage::Transaction& tx) -> Result<void> {
      auto rows = tx.Query(sql);
      if (!rows.ok()) return rows.error();
      for (const storage::Row& row : *rows) out.push_back(row.Text(0));
      return Ok();
    });
    EXPECT_TRUE(done.ok()) << sql << ": " << done.error().message;
    return out;
  }

  // Closes the current WAL segment and waits (bounded) until PostgreSQL has
  // archived it into the repository.
  void SwitchAndArchiveWal() {
    std::vector<std::string> wal = Sql("SELECT pg_walfile_name(pg_switch_wal())");
    ASSERT_EQ(wal.size(), 1u);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      std::vector<std::string> last =
          Sql("SELECT COALESCE(last_archived_wal, '') FROM pg_stat_archiver");
      if (!last.empty() && last[0] >= wal[0]) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL() << "WAL " << wal[0] << " was not archived within 60 s";
  }

  // Waits (bounded) until the server accepts writes (recovery over, promoted).
  void WaitPromoted() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      config::DatabaseOptions options = config_.database;
      Result<std::unique_ptr<storage::Database>> db = storage::OpenDatabase(options);
      if (db.ok()) {
        bool primary = false;
        Result<void> read = (*db)->Read([&](storage::Transaction& tx) -> Result<void> {
          auto rows = tx.Query("SELECT NOT pg_is_in_recovery()");
          if (!rows.ok()) return rows.error();
          primary = !rows->empty() && (*rows)[0].Bool(0);
          return Ok();
        });
        if (read.ok() && primary) return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL() << "PostgreSQL did not finish recovery within 60 s";
  }

  PgBackRestBackup Create(const std::string& type) {
    Result<PgBackRestBackup> made = backup::PgBackRestCreate(config_, type);
    EXPECT_TRUE(made.ok()) << made.error().message;
    return made.ok() ? *made : PgBackRestBackup{};
  }

  Time ServerNow() {
    std::vector<std::string> now =
        Sql("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', "
            "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')");
    EXPECT_EQ(now.size(), 1u);
    std::optional<Time> time = now.empty() ? std::nullopt : ParseTime(now[0]);
    EXPECT_TRUE(time.has_value());
    return time.value_or(Time{});
  }

  PrivatePostgres server_{Archiving::kPgBackRest};
  config::Config config_;
};

}  // namespace analytics::test
